import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ProtocolError } from '../../src/core/errors';
import { SINUSOID_RANGES, sinusoidFamily, sinusoidParams } from '../../src/tasks/sinusoid';
import type { RegressionSet, TaskSpec } from '../../src/tasks/task';

const family = sinusoidFamily({ shots: 5, queryShots: 10 });

function regression(set: unknown): RegressionSet {
  assert.equal((set as RegressionSet).kind, 'regression');
  return set as RegressionSet;
}

test('the same split and seed give identical specs and bitwise-identical data', () => {
  const a = family.build(family.sampleSpec('train', 123));
  const b = sinusoidFamily({ shots: 5, queryShots: 10 }).build(family.sampleSpec('train', 123));
  assert.deepEqual(a.spec, b.spec);
  assert.deepEqual(regression(a.support), regression(b.support));
  assert.deepEqual(regression(a.query), regression(b.query));
  assert.equal(regression(a.support).x.length, 5);
  assert.equal(regression(a.query).y.length, 10);
  assert.notDeepEqual(regression(family.build(family.sampleSpec('train', 124)).support).x, regression(a.support).x);
});

test('a spec survives a JSON round trip and rebuilds the same task', () => {
  const spec = family.sampleSpec('val', 7);
  const again = JSON.parse(JSON.stringify(spec)) as TaskSpec;
  assert.deepEqual(family.build(again).query, family.build(spec).query);
});

test('train, val and test task seeds fall in disjoint residue classes mod 3', () => {
  const seen = { train: new Set<number>(), val: new Set<number>(), test: new Set<number>() };
  for (let s = 0; s < 3000; s++) {
    for (const [k, split] of (['train', 'val', 'test'] as const).entries()) {
      const spec = family.sampleSpec(split, s);
      assert.equal(spec.seed % 3, k);
      assert.ok(spec.seed >= 0 && spec.seed < 2 ** 32 && Number.isInteger(spec.seed));
      seen[split].add(spec.seed);
    }
  }
  for (const v of seen.val) assert.ok(!seen.train.has(v) && !seen.test.has(v));
  // The same coordinator seed gives unrelated tasks in different splits.
  assert.notEqual(sinusoidParams(family.sampleSpec('train', 5)).amplitude, sinusoidParams(family.sampleSpec('val', 5)).amplitude);
});

test('amplitude, phase and x respect the published ranges and are uniform over 20000 tasks', () => {
  const n = 20000;
  let sumA = 0, sumP = 0, sumX = 0, minA = Infinity, maxA = -Infinity, minX = Infinity, maxX = -Infinity, maxErr = 0;
  for (let s = 0; s < n; s++) {
    const spec = family.sampleSpec('train', s);
    const { amplitude, phase } = sinusoidParams(spec);
    assert.ok(amplitude >= SINUSOID_RANGES.amplitude[0] && amplitude < SINUSOID_RANGES.amplitude[1], `amplitude ${amplitude}`);
    assert.ok(phase >= 0 && phase < Math.PI, `phase ${phase}`);
    sumA += amplitude;
    sumP += phase;
    minA = Math.min(minA, amplitude);
    maxA = Math.max(maxA, amplitude);
    const { support, query } = family.build(spec);
    for (const set of [regression(support), regression(query)]) {
      set.x.forEach((x, i) => {
        assert.ok(x >= -5 && x <= 5, `x ${x}`);
        sumX += x;
        minX = Math.min(minX, x);
        maxX = Math.max(maxX, x);
        maxErr = Math.max(maxErr, Math.abs(set.y[i]! - amplitude * Math.sin(x - phase)));
      });
    }
  }
  // Means of U[0.1, 5], U[0, π], U[-5, 5]; tolerances are > 4 standard errors (σ/√n).
  assert.ok(Math.abs(sumA / n - 2.55) < 0.045, `mean amplitude ${sumA / n}`);
  assert.ok(Math.abs(sumP / n - Math.PI / 2) < 0.03, `mean phase ${sumP / n}`);
  assert.ok(Math.abs(sumX / (15 * n)) < 0.03, `mean x ${sumX / (15 * n)}`);
  assert.ok(minA < 0.15 && maxA > 4.95, `amplitude span [${minA}, ${maxA}]`);
  assert.ok(minX < -4.99 && maxX > 4.99, `x span [${minX}, ${maxX}]`);
  // y = A·sin(x − φ) up to float32 rounding of y (|y| ≤ 5, half-ulp ≤ 2.4e-7).
  assert.ok(maxErr <= 5e-7, `max |y − A·sin(x − φ)| = ${maxErr}`);
});

test('support points do not depend on the number of query points', () => {
  const spec = family.sampleSpec('test', 99);
  const more = sinusoidFamily({ shots: 5, queryShots: 100 }).build(spec);
  assert.deepEqual(more.support, family.build(spec).support);
  assert.equal(regression(more.query).x.length, 100);
});

test('malformed sinusoid specs are rejected with the field named', () => {
  const spec = family.sampleSpec('train', 1);
  const cases: Array<[unknown, RegExp]> = [
    [{ ...spec, family: 'sotu' }, /spec\.family = "sotu"/],
    [{ ...spec, split: 'dev' }, /spec\.split = "dev"/],
    [{ ...spec, seed: 1.5 }, /spec\.seed = 1\.5/],
    [{ ...spec, seed: -3 }, /spec\.seed = -3/],
    [{ ...spec, split: 'val' }, /belongs to split train, not val/],
    [{ ...spec, classes: [1] }, /spec\.classes must be absent/],
  ];
  for (const [bad, message] of cases) {
    assert.throws(() => family.build(bad as TaskSpec), (e: unknown) => e instanceof ProtocolError && message.test(e.message));
  }
  assert.doesNotThrow(() => family.build({ ...spec, classes: [], support: [], query: [] }));
});

test('joint batches draw each point from its own sinusoid, deterministically', () => {
  const a = regression(family.jointBatch(3, 4000));
  assert.deepEqual(regression(family.jointBatch(3, 4000)), a);
  assert.notDeepEqual(regression(family.jointBatch(4, 4000)).x, a.x);
  assert.equal(a.x.length, 4000);
  let sumY = 0;
  a.y.forEach((y, i) => {
    assert.ok(Math.abs(y) < 5 && Math.abs(a.x[i]!) <= 5);
    sumY += y;
  });
  // E[y] = E[A]·E_x,φ[sin(x − φ)] = 2.55 · (−0.2·sin 5) · (2/π) ≈ 0.311 (x ~ U[−5, 5], φ ~ U[0, π]).
  // σ(y) ≈ 2.06, so 4000 points give a standard error of 0.033; tolerance 4 SE.
  const expected = 2.55 * (-0.2 * Math.sin(5)) * (2 / Math.PI);
  assert.ok(Math.abs(sumY / 4000 - expected) < 0.13, `mean y ${sumY / 4000}, expected ${expected}`);
  assert.throws(() => family.jointBatch(1, 0), RangeError);
});
