import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Prediction } from '../../src/meta/predict';
import { scorePredictions } from '../../src/meta/prediction-score';

/** A prediction of `label` (a tie of `tie` when given) among the labels a, b, c. */
const prediction = (label: string, tie?: string[]): Prediction => ({ label, probability: 0.5, probabilities: { a: 0.5, b: 0.5, c: 0 }, ...(tie ? { tie } : {}) });

test('scorePredictions counts a tie as wrong even where its first label is the text\'s, and counts ties and labels the model does not know', () => {
  const predictions = [prediction('a'), prediction('b'), prediction('a', ['a', 'b']), prediction('a'), prediction('c')];
  const score = scorePredictions(predictions, ['a', 'a', 'a', 'zed', 'c'], ['a', 'b', 'c']);
  assert.deepEqual(score, { examples: 5, correct: 2, accuracy: 0.4, ties: 1, unknownLabels: 1 });
});

test('scorePredictions refuses no predictions, or labels of another number', () => {
  assert.throws(() => scorePredictions([], [], ['a', 'b']), /scorePredictions: no predictions to score/);
  assert.throws(() => scorePredictions([prediction('a')], ['a', 'b'], ['a', 'b']), /scorePredictions: 1 prediction but 2 labels/);
});
