import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DatasetError } from '../../src/core/errors';
import { splitClasses } from '../../src/tasks/class-split';
import type { LabelledCorpus } from '../../src/tasks/text-corpus';

/** `classes` classes; class c has `base + c` examples. */
function corpus(classes: number, base: number): LabelledCorpus {
  return {
    name: 'synthetic',
    classes: Array.from({ length: classes }, (_, c) => `c${c}`),
    examples: Array.from({ length: classes }, (_, c) => Array.from({ length: base + c }, (_, j) => `c${c}-e${j}`)),
  };
}
const options = { ways: 3, examplesPerClass: 6, fractions: [0.6, 0.2, 0.2] as const, seed: 11 };

test('splits are disjoint, cover the usable classes, and follow the fractions by largest remainder', () => {
  const s = splitClasses(corpus(43, 10), options);
  // 43 · [0.6, 0.2, 0.2] = [25.8, 8.6, 8.6] → floors [25, 8, 8], two left over go to train then val.
  assert.deepEqual([s.train.length, s.val.length, s.test.length], [26, 9, 8]);
  assert.deepEqual([...s.train, ...s.val, ...s.test].sort((a, b) => a - b), Array.from({ length: 43 }, (_, i) => i));
  for (const part of [s.train, s.val, s.test]) assert.deepEqual([...part], [...part].sort((a, b) => a - b));
  // Fractions are relative: [3, 1, 1] is the same split as [0.6, 0.2, 0.2].
  assert.deepEqual(splitClasses(corpus(43, 10), { ...options, fractions: [3, 1, 1] }), s);
  assert.deepEqual(splitClasses(corpus(43, 10), options), s);
  assert.notDeepEqual(splitClasses(corpus(43, 10), { ...options, seed: 12 }).train, s.train);
});

test('classes with too few examples are excluded and reported', () => {
  // Classes 0..2 have 3..5 examples; a task needs 6.
  const s = splitClasses(corpus(20, 3), options);
  assert.deepEqual(s.excluded, [
    { index: 0, name: 'c0', examples: 3 },
    { index: 1, name: 'c1', examples: 4 },
    { index: 2, name: 'c2', examples: 5 },
  ]);
  const used = [...s.train, ...s.val, ...s.test];
  assert.equal(used.length, 17);
  assert.ok(used.every((c) => c >= 3));
});

test('a split with fewer classes than ways is a DatasetError naming the split, the shortfall and the excluded classes', () => {
  // 8 usable classes → [4.8, 1.6, 1.6] → 5 / 2 / 1: meta-val is the first split short of 3.
  assert.throws(
    () => splitClasses(corpus(10, 4), options),
    (e: unknown) =>
      e instanceof DatasetError &&
      e.message.startsWith('synthetic: meta-val split has 2 classes but 3-way tasks need 3 (short by 1)') &&
      /c0 \(4, short by 2\), c1 \(5, short by 1\)/.test(e.message) &&
      // what the default split needs is named: a new user's file with too few labels learns the count and the field
      /split fractions \[0\.6, 0\.2, 0\.2\] \(task\.classSplit\), which need 14 usable classes for 3-way tasks/.test(e.message),
  );
  assert.throws(() => splitClasses(corpus(10, 4), { ...options, fractions: [1, 0, 1] }), RangeError);
});
