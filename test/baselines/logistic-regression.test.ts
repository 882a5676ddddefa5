import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fitLogisticRegression, logisticRegressionAccuracy } from '../../src/baselines/logistic-regression';
import type { SparseVector } from '../../src/baselines/tfidf';
import { Rng } from '../../src/core/rng';

/** `n` L2-normalized random sparse vectors per class over 40 terms; class k favours terms k*8 … k*8+7. */
function data(classes: number, n: number, seed: number) {
  const rng = new Rng(seed);
  return Array.from({ length: classes * n }, (_, i) => {
    const label = i % classes;
    const v: SparseVector = new Map();
    for (let t = 0; t < 6; t++) {
      const term = rng.next() < 0.6 ? label * 8 + rng.int(8) : rng.int(40);
      v.set(`t${term}`, (v.get(`t${term}`) ?? 0) + rng.next());
    }
    const norm = Math.sqrt([...v.values()].reduce((a, x) => a + x * x, 0));
    for (const [k, x] of v) v.set(k, x / norm);
    return { vector: v, label };
  });
}

/** The objective Σ CE + ‖W‖²/(2C) at weights `w` (term → [classes]) and bias `b`, computed directly. */
function objective(set: ReturnType<typeof data>, w: ReadonlyMap<string, Float64Array>, b: Float64Array, c: number): number {
  let loss = 0;
  for (const { vector, label } of set) {
    const z = Array.from(b, (bk, k) => bk + [...vector].reduce((a, [t, x]) => a + (w.get(t)?.[k] ?? 0) * x, 0));
    const max = Math.max(...z);
    loss += max + Math.log(z.reduce((a, zk) => a + Math.exp(zk - max), 0)) - z[label]!;
  }
  for (const row of w.values()) for (const x of row) loss += (x * x) / (2 * c);
  return loss;
}

test('logistic regression reaches the minimum of the L2-regularized softmax loss (finite-difference gradient ≈ 0)', () => {
  for (const c of [0.5, 1, 4]) {
    const support = data(5, 5, 7);
    const fit = fitLogisticRegression(support, 5, { c, steps: 2000 });
    const h = 1e-5;
    let worst = 0;
    const probe = (bump: (sign: number) => void) => {
      bump(1);
      const up = objective(support, fit.weights, fit.bias, c);
      bump(-2);
      const down = objective(support, fit.weights, fit.bias, c);
      bump(1);
      worst = Math.max(worst, Math.abs((up - down) / (2 * h)));
    };
    for (const row of fit.weights.values()) for (let k = 0; k < 5; k++) probe((s) => (row[k]! += s * h));
    for (let k = 0; k < 5; k++) probe((s) => (fit.bias[k]! += s * h));
    assert.ok(worst < 1e-4, `C ${c}: largest gradient component ${worst}`);
    // The default 300 steps are already close: same objective within 1e-4 relative.
    const quick = fitLogisticRegression(support, 5, { c });
    const [best, fast] = [objective(support, fit.weights, fit.bias, c), objective(support, quick.weights, quick.bias, c)];
    assert.ok(fast - best < 1e-4 * best, `C ${c}: 300 steps ${fast} vs ${best}`);
  }
});

test('logistic regression classifies separable data, beats chance on noisy data, and refuses bad labels', () => {
  const support = data(4, 6, 1);
  const query = data(4, 30, 2);
  const accuracy = logisticRegressionAccuracy(support, query, 4);
  assert.ok(accuracy > 0.6, `accuracy ${accuracy}`);
  const a = { vector: new Map([['x', 1]]), label: 0 };
  const b = { vector: new Map([['y', 1]]), label: 1 };
  assert.equal(logisticRegressionAccuracy([a, b], [b, a], 2), 1);
  // A query with no support term falls back to the intercepts: balanced classes tie, the lowest class wins.
  assert.equal(fitLogisticRegression([a, b], 2).classify(new Map([['z', 1]])), 0);
  assert.throws(() => logisticRegressionAccuracy([a, { ...b, label: 2 }], [a], 2), /label 2 outside \[0, 2\)/);
  assert.throws(() => logisticRegressionAccuracy([a, b], [], 2), /empty query set/);
  assert.throws(() => fitLogisticRegression([a, b], 2, { c: 0 }), /c must be > 0/);
});
