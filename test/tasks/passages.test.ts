import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cutPassages } from '../../src/tasks/passages';

test('passages keep whole words, never exceed the limit and cover the text in order', () => {
  const words = Array.from({ length: 500 }, (_, i) => 'w'.repeat(1 + ((i * 7) % 13)) + i);
  const text = words.join(' \n\t ');
  const passages = cutPassages(text, 64);
  for (const p of passages) {
    assert.ok(p.length <= 64, `passage of ${p.length}`);
    assert.ok(p.length >= 32, `passage of ${p.length}`);
  }
  // Concatenated passages are a prefix of the normalized word sequence (only a short tail may be dropped).
  const joined = passages.join(' ').split(' ');
  assert.deepEqual(joined, words.slice(0, joined.length));
  const tail = words.slice(joined.length).join(' ');
  assert.ok(tail.length < 32, `dropped tail of ${tail.length} characters`);
  // Greedy: the next word would not have fitted.
  for (let i = 0; i + 1 < passages.length; i++) {
    assert.ok(passages[i]!.length + 1 + passages[i + 1]!.split(' ')[0]!.length > 64);
  }
});

test('a word longer than the limit is cut into pieces and a short tail is dropped', () => {
  assert.deepEqual(cutPassages('abcdefghij kl', 4), ['abcd', 'efgh', 'ij', 'kl']);
  assert.deepEqual(cutPassages('aaaa b', 4), ['aaaa']);
  assert.deepEqual(cutPassages('  ', 4), []);
  assert.throws(() => cutPassages('x', 0), RangeError);
});
