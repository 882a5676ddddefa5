import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DatasetError, ProtocolError } from '../../src/core/errors';
import { textTaskFamily, type LabelledCorpus } from '../../src/tasks/text-corpus';
import type { TaskSpec, TextSet } from '../../src/tasks/task';

/** 20 classes; class c has 20 + c examples named `c<c>-e<j>`, so every text says where it came from. */
function corpus(classes = 20, base = 20): LabelledCorpus {
  return {
    name: 'synthetic',
    classes: Array.from({ length: classes }, (_, c) => `c${c}`),
    examples: Array.from({ length: classes }, (_, c) => Array.from({ length: base + c }, (_, j) => `c${c}-e${j}`)),
  };
}
const options = { ways: 3, shots: 2, queryShots: 4, classSplit: [0.6, 0.2, 0.2] as const, seed: 11 };
const family = textTaskFamily('synthetic', corpus(), options);

function text(set: unknown): TextSet {
  assert.equal((set as TextSet).kind, 'text');
  return set as TextSet;
}

test('the same seeds give identical splits, specs and texts', () => {
  const other = textTaskFamily('synthetic', corpus(), options);
  assert.deepEqual(other.splits, family.splits);
  const spec = family.sampleSpec('train', 5);
  assert.deepEqual(other.sampleSpec('train', 5), spec);
  assert.deepEqual(other.build(spec), family.build(spec));
  assert.notDeepEqual(family.sampleSpec('train', 6), spec);
  assert.notDeepEqual(textTaskFamily('synthetic', corpus(), { ...options, seed: 12 }).splits, family.splits);
});

test('meta-train, meta-val and meta-test classes are disjoint and sized by the fractions', () => {
  const { train, val, test: testSplit } = family.splits;
  assert.deepEqual([train.length, val.length, testSplit.length], [12, 4, 4]);
  assert.deepEqual([...train, ...val, ...testSplit].sort((a, b) => a - b), Array.from({ length: 20 }, (_, i) => i));
  assert.equal(family.classCount('val'), 4);
  for (const split of ['train', 'val', 'test'] as const) {
    const allowed = new Set(family.splits[split]);
    for (let s = 0; s < 200; s++) {
      for (const c of family.sampleSpec(split, s).classes!) assert.ok(allowed.has(c), `${split} task used class ${c}`);
    }
  }
});

test('tasks relabel classes 0..N-1 in a shuffled order, with disjoint support and query', () => {
  let ascending = 0;
  for (let s = 0; s < 100; s++) {
    const task = family.build(family.sampleSpec('train', s));
    const classes = task.spec.classes!;
    if (classes.every((c, i) => i === 0 || classes[i - 1]! < c)) ascending++;
    const support = text(task.support);
    const query = text(task.query);
    assert.equal(support.texts.length, 3 * 2);
    assert.equal(query.texts.length, 3 * 4);
    for (const set of [support, query]) {
      set.texts.forEach((t, i) => assert.ok(t.startsWith(`c${classes[set.labels[i]!]}-`), `${t} labelled ${set.labels[i]}`));
    }
    const supportTexts = new Set(support.texts);
    for (const t of query.texts) assert.ok(!supportTexts.has(t), `${t} in both support and query`);
  }
  // 3 classes in random order are ascending with probability 1/6; 100 tasks give ~17.
  assert.ok(ascending > 3 && ascending < 40, `ascending orders: ${ascending}`);
});

test('a spec survives a JSON round trip and rebuilds identical data', () => {
  const spec = family.sampleSpec('test', 77);
  const again = JSON.parse(JSON.stringify(spec)) as TaskSpec;
  assert.deepEqual(family.build(again), family.build(spec));
});

test('bad specs are rejected with the offending index named', () => {
  const spec = family.sampleSpec('train', 3);
  const c0 = spec.classes![0]!;
  const notTrain = family.splits.val[0]!;
  const size = 20 + c0;
  const support = spec.support!.map((s) => [...s]);
  const query = spec.query!.map((q) => [...q]);
  const cases: Array<[unknown, RegExp]> = [
    [{ ...spec, family: 'sotu' }, /spec\.family = "sotu"/],
    [{ ...spec, classes: [c0, c0, spec.classes![2]] }, /spec\.classes\[1\] = \d+ repeats spec\.classes\[0\]/],
    [{ ...spec, classes: [c0, 99, spec.classes![2]] }, /spec\.classes\[1\] = 99 is out of range \[0, 20\)/],
    [{ ...spec, classes: [c0, notTrain, spec.classes![2]] }, new RegExp(`spec\\.classes\\[1\\] = ${notTrain} \\(c${notTrain}\\) is not a meta-train class`)],
    [{ ...spec, classes: spec.classes!.slice(0, 2) }, /spec\.classes has 2 items, expected 3/],
    [{ ...spec, support: [[0, size], ...support.slice(1)] }, new RegExp(`spec\\.support\\[0\\]\\[1\\] = ${size} is out of range \\[0, ${size}\\): class ${c0} \\(c${c0}\\) has ${size} examples`)],
    [{ ...spec, support: [[0, -1], ...support.slice(1)] }, /spec\.support\[0\]\[1\] = -1 is out of range/],
    [{ ...spec, support: [[0, 0.5], ...support.slice(1)] }, /spec\.support\[0\]\[1\] = 0\.5 is not an integer/],
    [{ ...spec, query: [query[0], [...query[1]!.slice(0, 3), support[1]![0]], query[2]] }, /spec\.query\[1\]\[3\] = \d+ repeats spec\.support\[1\]\[0\]/],
    [{ ...spec, support: [support[0], [1, 2, 3], support[2]] }, /spec\.support\[1\] has 3 items, expected 2/],
    [{ ...spec, query: undefined }, /spec\.query must be an array of 3 items, got undefined/],
  ];
  for (const [bad, message] of cases) {
    assert.throws(() => family.build(bad as TaskSpec), (e: unknown) => e instanceof ProtocolError && message.test(e.message), String(message));
  }
});

test('joint batches hold meta-train examples labelled with their meta-train class index', () => {
  const batch = text(family.jointBatch(9, 500));
  assert.deepEqual(text(family.jointBatch(9, 500)), batch);
  assert.equal(batch.texts.length, 500);
  const seen = new Set<number>();
  batch.texts.forEach((t, i) => {
    const label = batch.labels[i]!;
    assert.ok(label >= 0 && label < family.classCount('train'));
    assert.ok(t.startsWith(`c${family.splits.train[label]}-`), `${t} labelled ${label}`);
    seen.add(label);
  });
  assert.equal(seen.size, 12);
});

test('malformed corpora are rejected', () => {
  assert.throws(() => textTaskFamily('x', { name: 'x', classes: ['a', 'a'], examples: [[], []] }, options), /class 1 \(a\) has the same name as class 0/);
  assert.throws(() => textTaskFamily('x', { name: 'x', classes: ['a'], examples: [] }, options), DatasetError);
  assert.throws(() => textTaskFamily('x', corpus(), { ...options, ways: 0 }), RangeError);
});
