import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ShapeError } from '../../src/core/errors';
import { wordsOf } from '../../src/core/words';
import { textTokenizerFor } from '../../src/model/text-tokenizer';
import { encodeHashedWords, HASH_OFFSET, hashedTokens } from '../../src/model/word-hash-tokenizer';
import { CLS_ID, PAD_ID, VOCAB_SIZE } from '../../src/model/vocab';
import { modelConfig } from './fixtures';

test('words are lower-cased ICU word segments without punctuation or spaces', () => {
  assert.deepEqual(wordsOf('Hello, World! It\'s 1862.'), ['hello', 'world', "it's", '1862']);
  assert.deepEqual(wordsOf('  ...  '), []);
});

test('hashed tokens interleave words and bigrams, are case-insensitive, and lie in [HASH_OFFSET, buckets)', () => {
  const options = { buckets: 1000, bigrams: true };
  const ids = hashedTokens('The Union, the union', options);
  assert.equal(ids.length, 4 + 3); // 4 words, 3 bigrams: w1 b12 w2 b23 w3 b34 w4
  assert.equal(ids[0], ids[4]); // "the" at positions 0 and 2 (token index 0 and 4)
  assert.equal(ids[2], ids[6]); // "union"
  assert.equal(ids[1], ids[5]); // bigram "the union" twice
  assert.notEqual(ids[1], ids[3]); // "the union" ≠ "union the" (with 1000 buckets these two do not collide)
  assert.ok(ids.every((id) => id >= HASH_OFFSET && id < 1000));
  assert.deepEqual(hashedTokens('The Union, the union', { buckets: 1000, bigrams: false }), [ids[0], ids[2], ids[4], ids[6]]);
});

test('encoded rows start with CLS, truncate to maxLength and pad with PAD', () => {
  const ids = encodeHashedWords(['a b c d e', ''], 4, { buckets: 50, bigrams: false });
  assert.equal(ids.length, 8);
  assert.equal(ids[0], CLS_ID);
  assert.deepEqual([...ids.subarray(1, 4)], hashedTokens('a b c', { buckets: 50, bigrams: false }));
  assert.deepEqual([...ids.subarray(4)], [CLS_ID, PAD_ID, PAD_ID, PAD_ID]);
});

test('bad tokenizer options are refused with the value named', () => {
  assert.throws(() => encodeHashedWords(['a'], 0, { buckets: 50, bigrams: true }), (e: unknown) => e instanceof ShapeError && /maxLength must be an integer ≥ 1, got 0/.test(e.message));
  assert.throws(() => hashedTokens('a', { buckets: 2, bigrams: true }), (e: unknown) => e instanceof ShapeError && /buckets must be an integer > 2, got 2/.test(e.message));
});

test('the model config picks the tokenizer and its vocabulary size', () => {
  const words = textTokenizerFor(modelConfig({ kind: 'transformer', tokenizer: 'hashed-words', hashBuckets: 777, maxLength: 6 }));
  assert.equal(words.vocabSize, 777);
  assert.equal(words.encode(['x y']).length, 6);
  const bytes = textTokenizerFor(modelConfig({ kind: 'transformer', maxLength: 6 }));
  assert.equal(bytes.vocabSize, VOCAB_SIZE);
});
