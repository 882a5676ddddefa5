import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ShapeError } from '../../src/core/errors';
import { encodeTexts } from '../../src/model/tokenizer';
import { BYTE_OFFSET, CLS_ID, PAD_ID, VOCAB_SIZE } from '../../src/model/vocab';

const byte = (b: number): number => b + BYTE_OFFSET;

test('tokenizer starts with CLS, maps ASCII bytes and pads to maxLength', () => {
  const ids = encodeTexts(['ab', ''], 5);
  assert.deepEqual([...ids], [CLS_ID, byte(97), byte(98), PAD_ID, PAD_ID, CLS_ID, PAD_ID, PAD_ID, PAD_ID, PAD_ID]);
});

test('tokenizer truncates to maxLength including the CLS token', () => {
  assert.deepEqual([...encodeTexts(['abcdef'], 4)], [CLS_ID, byte(97), byte(98), byte(99)]);
  assert.deepEqual([...encodeTexts(['abcdef'], 1)], [CLS_ID]);
});

test('tokenizer encodes unicode as UTF-8 bytes, cutting multi-byte characters at the limit', () => {
  // é = C3 A9, 🎉 = F0 9F 8E 89, 日 = E6 97 A5
  assert.deepEqual([...encodeTexts(['é🎉'], 8)], [CLS_ID, ...[0xc3, 0xa9, 0xf0, 0x9f, 0x8e, 0x89].map(byte), PAD_ID]);
  assert.deepEqual([...encodeTexts(['日'], 3)], [CLS_ID, byte(0xe6), byte(0x97)]);
  const all = encodeTexts(['\u0000\u00ff'], 4); // NUL is byte 0, ÿ is C3 BF
  assert.deepEqual([...all], [CLS_ID, byte(0), byte(0xc3), byte(0xbf)]);
  assert.ok(Math.max(...encodeTexts(['\u{10FFFF}ÿ'], 10)) < VOCAB_SIZE);
});

test('tokenizer output has one row of maxLength ids per text', () => {
  const ids = encodeTexts(['a', 'bb', 'ccc'], 7);
  assert.ok(ids instanceof Int32Array);
  assert.equal(ids.length, 21);
  assert.deepEqual([...ids.subarray(14, 21)], [CLS_ID, byte(99), byte(99), byte(99), PAD_ID, PAD_ID, PAD_ID]);
});

test('tokenizer rejects a maxLength below 1 and names it', () => {
  assert.throws(() => encodeTexts(['a'], 0), (e: unknown) => e instanceof ShapeError && /maxLength must be an integer ≥ 1, got 0/.test(e.message));
  assert.throws(() => encodeTexts(['a'], 2.5), ShapeError);
});
