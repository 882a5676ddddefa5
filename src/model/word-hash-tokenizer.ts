/**
 * Hashed word tokenizer (the hashing trick, Weinberger et al. 2009, as fastText uses it for word n-grams,
 * Joulin et al. 2017): a text is segmented into words by `wordsIn` (src/core/words: ICU word boundaries,
 * UAX #29, built into Node.js), lower-cased; each word — and, with `bigrams`, each pair of neighbouring words —
 * is the token `HASH_OFFSET + fnv1a(word) mod (buckets − HASH_OFFSET)`, after a leading CLS token. Tokens are
 * interleaved in text order (w₁, w₁w₂, w₂, w₂w₃, …), truncated and right-padded with PAD to a fixed length. No
 * vocabulary is learned or stored: any text maps into a fixed table of `buckets` embeddings; different words that
 * share a bucket share an embedding.
 */
import { ShapeError } from '../core/errors';
import { wordsIn } from '../core/words';
import { CLS_ID, PAD_ID } from './vocab';

/** First hashed token id (ids below it are PAD and CLS). */
export const HASH_OFFSET = 2;

/** Options of {@link encodeHashedWords}. */
export interface WordHashOptions {
  /** Embedding rows: token ids lie in [0, buckets). An integer > HASH_OFFSET. */
  readonly buckets: number;
  /** Also emit a token per pair of neighbouring words. */
  readonly bigrams: boolean;
}

/** 32-bit FNV-1a hash of the UTF-16 code units of `s` (Fowler–Noll–Vo, IETF draft-eastlake-fnv). */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/**
 * Hashed tokens of one text, without CLS or padding, in text order (see the module doc): the first `maxTokens` of
 * them. Words are segmented only as far as those tokens need, so a long text costs time in proportion to the part
 * read (a bounded prefix when `maxTokens` is finite).
 * @param maxTokens Tokens wanted at most (an integer ≥ 0, or Infinity for all). @default Infinity
 * @throws ShapeError as {@link encodeHashedWords}.
 */
export function hashedTokens(text: string, options: WordHashOptions, maxTokens = Infinity): number[] {
  checkOptions(options);
  const span = options.buckets - HASH_OFFSET;
  const ids: number[] = [];
  let previous: string | undefined;
  for (const w of wordsIn(text)) {
    if (ids.length >= maxTokens) break;
    if (options.bigrams && previous !== undefined) ids.push(HASH_OFFSET + (fnv1a(`${previous} ${w}`) % span));
    if (ids.length >= maxTokens) break;
    ids.push(HASH_OFFSET + (fnv1a(w) % span));
    previous = w;
  }
  return ids;
}

/**
 * Token ids of `texts`, row-major `[texts.length, maxLength]`: `[CLS, hashed tokens…]` truncated to `maxLength`,
 * then right-padded with PAD. Reads of each text only the words its first `maxLength − 1` tokens need.
 * @throws ShapeError when `maxLength` is not an integer ≥ 1 or `buckets` is not an integer > HASH_OFFSET.
 */
export function encodeHashedWords(texts: readonly string[], maxLength: number, options: WordHashOptions): Int32Array {
  if (!Number.isInteger(maxLength) || maxLength < 1) throw new ShapeError(`encodeHashedWords: maxLength must be an integer ≥ 1, got ${maxLength}`);
  const ids = new Int32Array(texts.length * maxLength).fill(PAD_ID);
  texts.forEach((text, row) => {
    const base = row * maxLength;
    ids[base] = CLS_ID;
    hashedTokens(text, options, maxLength - 1).forEach((id, i) => (ids[base + 1 + i] = id));
  });
  return ids;
}

function checkOptions(options: WordHashOptions): void {
  if (!Number.isInteger(options.buckets) || options.buckets <= HASH_OFFSET) {
    throw new ShapeError(`hashed word tokenizer: buckets must be an integer > ${HASH_OFFSET}, got ${options.buckets}`);
  }
}
