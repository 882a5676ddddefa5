/**
 * The tokenizer a text model uses, chosen by `model.tokenizer` (tfjs-free: the coordinator sizes the token
 * embedding from it): `bytes` (./tokenizer, 258 ids) or `hashed-words` (./word-hash-tokenizer, `hashBuckets` ids).
 */
import type { RunConfig } from '../core/config';
import { encodeTexts } from './tokenizer';
import { VOCAB_SIZE } from './vocab';
import { encodeHashedWords } from './word-hash-tokenizer';

/** A text tokenizer: the size of its id range and the encoding of a batch of texts. */
export interface TextTokenizer {
  /** Token ids lie in [0, vocabSize); rows of `embed.token`. */
  readonly vocabSize: number;
  /** Ids row-major `[texts.length, maxLength]`, CLS first, PAD-padded. */
  encode(texts: readonly string[]): Int32Array;
}

/** The tokenizer of `model` (its `tokenizer`, `maxLength`, `hashBuckets`, `wordBigrams` fields). */
export function textTokenizerFor(model: Pick<RunConfig['model'], 'tokenizer' | 'maxLength' | 'hashBuckets' | 'wordBigrams'>): TextTokenizer {
  if (model.tokenizer === 'hashed-words') {
    const options = { buckets: model.hashBuckets, bigrams: model.wordBigrams };
    return { vocabSize: model.hashBuckets, encode: (texts) => encodeHashedWords(texts, model.maxLength, options) };
  }
  return { vocabSize: VOCAB_SIZE, encode: (texts) => encodeTexts(texts, model.maxLength) };
}
