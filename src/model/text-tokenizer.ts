/**
 * The tokenizer a text model uses, chosen by `model.tokenizer` (tfjs-free: the coordinator sizes the token
 * embedding from it): `bytes` (./tokenizer, 258 ids) or `hashed-words` (./word-hash-tokenizer, `hashBuckets` ids).
 */
import type { RunConfig } from '../core/config';
import { encodeTexts } from './tokenizer';
import { VOCAB_SIZE } from './vocab';
import { encodeHashedWords, hashedTokens } from './word-hash-tokenizer';

const utf8 = new TextEncoder();

/** A text tokenizer: the size of its id range and the encoding of a batch of texts. */
export interface TextTokenizer {
  /** Token ids lie in [0, vocabSize); rows of `embed.token`. */
  readonly vocabSize: number;
  /** Ids row-major `[texts.length, maxLength]`, CLS first, PAD-padded. */
  encode(texts: readonly string[]): Int32Array;
  /** Tokens of `text` before truncation, CLS included: `encode` keeps the first `maxLength` of them. */
  tokenCount(text: string): number;
}

/** The tokenizer of `model` (its `tokenizer`, `maxLength`, `hashBuckets`, `wordBigrams` fields). */
export function textTokenizerFor(model: Pick<RunConfig['model'], 'tokenizer' | 'maxLength' | 'hashBuckets' | 'wordBigrams'>): TextTokenizer {
  if (model.tokenizer === 'hashed-words') {
    const options = { buckets: model.hashBuckets, bigrams: model.wordBigrams };
    return {
      vocabSize: model.hashBuckets,
      encode: (texts) => encodeHashedWords(texts, model.maxLength, options),
      tokenCount: (text) => 1 + hashedTokens(text, options).length,
    };
  }
  return { vocabSize: VOCAB_SIZE, encode: (texts) => encodeTexts(texts, model.maxLength), tokenCount: (text) => 1 + utf8.encode(text).length };
}
