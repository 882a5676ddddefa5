/**
 * Byte-level tokenizer (the ByT5 scheme, Xue et al. 2022): a text is its UTF-8 bytes (`TextEncoder`), each byte
 * `b` the token `b + BYTE_OFFSET`, after a leading CLS token; sequences are truncated and then padded with PAD to
 * a fixed length. No learned vocabulary, so every language and emoji is covered and the vocabulary size is fixed
 * (`VOCAB_SIZE` in ./vocab).
 */
import { ShapeError } from '../core/errors';
import { BYTE_OFFSET, CLS_ID, PAD_ID } from './vocab';

const utf8 = new TextEncoder();

/**
 * Token ids of `texts`, row-major `[texts.length, maxLength]`: `[CLS, bytes…]` truncated to `maxLength`
 * (a multi-byte character may be cut), then right-padded with PAD.
 * @throws ShapeError when `maxLength` is not an integer ≥ 1.
 */
export function encodeTexts(texts: readonly string[], maxLength: number): Int32Array {
  if (!Number.isInteger(maxLength) || maxLength < 1) {
    throw new ShapeError(`encodeTexts: maxLength must be an integer ≥ 1, got ${maxLength}`);
  }
  const ids = new Int32Array(texts.length * maxLength).fill(PAD_ID);
  texts.forEach((text, row) => {
    const base = row * maxLength;
    ids[base] = CLS_ID;
    // maxLength − 1 code units give at least maxLength − 1 bytes; one more keeps a surrogate pair whole.
    const bytes = utf8.encode(text.length > maxLength ? text.slice(0, maxLength) : text);
    const n = Math.min(bytes.length, maxLength - 1);
    for (let i = 0; i < n; i++) ids[base + 1 + i] = bytes[i]! + BYTE_OFFSET;
  });
  return ids;
}
