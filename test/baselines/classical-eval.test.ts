import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateClassical } from '../../src/baselines/classical-eval';
import { textTaskFamily, type LabelledCorpus } from '../../src/tasks/text-corpus';

const options = { ways: 2, shots: 2, queryShots: 3, classSplit: [0.6, 0.2, 0.2] as const, seed: 3 };

/**
 * 10 classes of 12 texts; every text of class c holds the class's own word `wc` and a word shared by all.
 * With `mentionAll`, the first text of every class also lists every class word (same sizes, so the same split).
 */
function corpus(mentionAll: boolean): LabelledCorpus {
  const all = Array.from({ length: 10 }, (_, c) => `w${c}`).join(' ');
  return {
    name: 'synthetic',
    classes: Array.from({ length: 10 }, (_, c) => `c${c}`),
    examples: Array.from({ length: 10 }, (_, c) => Array.from({ length: 12 }, (_, j) => `w${c} shared${mentionAll && j === 0 ? ` ${all}` : ''}`)),
  };
}

test('classical baselines fit their vocabulary on meta-train texts only and score the given meta-test tasks', async () => {
  const unseen = textTaskFamily('synthetic', corpus(false), options);
  const seen = textTaskFamily('synthetic', corpus(true), options);
  assert.deepEqual(unseen.splits, seen.splits);
  const specs = Array.from({ length: 30 }, (_, i) => unseen.sampleSpec('test', i));
  const [blind] = await evaluateClassical(unseen, specs, ['tfidf-word', 'tfidf-word-lr']);
  const [informed] = await evaluateClassical(seen, specs, ['tfidf-word', 'tfidf-word-lr']);
  assert.equal(blind!.name, 'tfidf-word');
  assert.equal(blind!.metric.n, 30);
  // Without the listing, the words telling meta-test classes apart occur only in meta-test text: not in the
  // fitted vocabulary, so every query ties and goes to class 0 (accuracy 1/2).
  assert.equal(blind!.metric.mean, 0.5);
  // Once meta-train text mentions them, they are in the vocabulary and separate the classes.
  assert.ok(informed!.metric.mean > 0.9, `accuracy ${informed!.metric.mean}`);
  assert.ok(informed!.vocabularySize > blind!.vocabularySize);
});
