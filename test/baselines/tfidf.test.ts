import { test } from 'node:test';
import assert from 'node:assert/strict';
import { charNgrams, fitTfidf, wordNgrams } from '../../src/baselines/tfidf';
import { nearestCentroidAccuracy } from '../../src/baselines/nearest-centroid';

test('char and word analyzers produce the n-grams of the padded, lower-cased text', () => {
  assert.deepEqual(charNgrams(2, 3)('Ab'), [' a', 'ab', 'b ', ' ab', 'ab ']);
  assert.deepEqual(wordNgrams(1, 2)('The nation, the people.'), ['the', 'nation', 'the', 'people', 'the nation', 'nation the', 'the people']);
  assert.throws(() => charNgrams(3, 2), RangeError);
  assert.throws(() => wordNgrams(0, 1), RangeError);
});

test('tf-idf weights follow the smoothed idf and sublinear tf, with unit norm', async () => {
  // 'a' is in both documents, 'b' in one: idf(a) = ln(3/3) + 1 = 1, idf(b) = ln(3/2) + 1.
  const v = await fitTfidf(['a b', 'a'], wordNgrams(1, 1));
  assert.equal(v.vocabularySize, 2);
  const x = v.transform('a a b');
  const wa = (1 + Math.log(2)) * 1;
  const wb = 1 * (Math.log(3 / 2) + 1);
  const norm = Math.hypot(wa, wb);
  assert.ok(Math.abs(x.get('a')! - wa / norm) < 1e-12);
  assert.ok(Math.abs(x.get('b')! - wb / norm) < 1e-12);
  assert.equal(v.transform('unseen words only').size, 0, 'terms outside the fitted vocabulary are dropped');
  await assert.rejects(fitTfidf([], wordNgrams(1, 1)), RangeError);
});

test('nearest centroid assigns each query to the class of most similar centroid', async () => {
  const v = await fitTfidf(['tax budget deficit', 'war army navy', 'tax war'], wordNgrams(1, 1));
  const set = (texts: string[], labels: number[]) => texts.map((t, i) => ({ vector: v.transform(t), label: labels[i]! }));
  const support = set(['tax budget', 'deficit tax', 'army war', 'navy army'], [0, 0, 1, 1]);
  assert.equal(nearestCentroidAccuracy(support, set(['budget deficit', 'navy war'], [0, 1]), 2), 1);
  assert.equal(nearestCentroidAccuracy(support, set(['budget deficit', 'navy war'], [1, 0]), 2), 0);
  assert.throws(() => nearestCentroidAccuracy(support, set(['tax'], [2]), 2), RangeError);
  assert.throws(() => nearestCentroidAccuracy(support, [], 2), RangeError);
});
