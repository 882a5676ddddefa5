/**
 * The tokenizer a text model uses, chosen by `model.tokenizer` (tfjs-free: the coordinator sizes the token
 * embedding from it): `bytes` (./tokenizer, 258 ids), `hashed-words` (./word-hash-tokenizer, `hashBuckets` ids) or
 * `hf` (./hf-tokenizer: the Hugging Face tokenizer.json at `tokenizerPath`, read on first use; `vocabSize` ids).
 */
import type { RunConfig } from '../core/config';
import { ConfigError, FileReadError } from '../core/errors';
import { loadHfTokenizer, TokenizerFileError } from './hf-tokenizer';
import { encodeTexts } from './tokenizer';
import { PAD_ID, VOCAB_SIZE } from './vocab';
import { encodeHashedWords, hashedTokens } from './word-hash-tokenizer';

const utf8 = new TextEncoder();

/** A text tokenizer: the size of its id range and the encoding of a batch of texts. */
export interface TextTokenizer {
  /** Token ids lie in [0, vocabSize); rows of `embed.token`. */
  readonly vocabSize: number;
  /** The id that pads a row (masked out of attention and pooling): PAD_ID, or the hf tokenizer's pad id. */
  readonly padId: number;
  /** Ids row-major `[texts.length, maxLength]`, CLS first, pad-padded; reads only the prefix of a text those need. */
  encode(texts: readonly string[]): Int32Array;
  /**
   * Tokens of `text` before truncation, CLS (and SEP for hf) included: `encode` keeps `maxLength` of them. With
   * `limit`, counting stops early: the count when it is at most `limit`, else a number above `limit` (not the
   * count), after reading only the prefix of the text that the first `limit + 1` tokens need.
   */
  tokenCount(text: string, limit?: number): number;
}

/** The model fields the tokenizer depends on. */
export type TokenizerFields = Pick<RunConfig['model'], 'tokenizer' | 'maxLength' | 'hashBuckets' | 'wordBigrams' | 'tokenizerPath' | 'vocabSize'>;

/**
 * The tokenizer of `model` (its `tokenizer`, `maxLength`, `hashBuckets`, `wordBigrams`, `tokenizerPath`,
 * `vocabSize` fields). For `hf`, `vocabSize` is `model.vocabSize` without reading the file; the file is read (once
 * per process) when `padId`, `encode` or `tokenCount` is first used. Give `tokenizerPath` resolved
 * (`runModelConfig`): a relative one is taken from the current directory.
 * @throws ConfigError when `hf` lacks `tokenizerPath` or `vocabSize`; TokenizerFileError (on use) as `loadHfTokenizer`,
 *   or when the tokenizer has ids beyond `vocabSize`.
 */
export function textTokenizerFor(model: TokenizerFields): TextTokenizer {
  if (model.tokenizer === 'hf') return hfTextTokenizer(model);
  if (model.tokenizer === 'hashed-words') {
    const options = { buckets: model.hashBuckets, bigrams: model.wordBigrams };
    return {
      vocabSize: model.hashBuckets,
      padId: PAD_ID,
      encode: (texts) => encodeHashedWords(texts, model.maxLength, options),
      tokenCount: (text, limit = Infinity) => 1 + hashedTokens(text, options, limit).length,
    };
  }
  return {
    vocabSize: VOCAB_SIZE,
    padId: PAD_ID,
    encode: (texts) => encodeTexts(texts, model.maxLength),
    // A code unit is at least one byte: past `limit` code units the count is past `limit` too.
    tokenCount: (text, limit = Infinity) => 1 + utf8.encode(text.length > limit ? text.slice(0, limit) : text).length,
  };
}

/**
 * {@link loadHfTokenizer}, saying for a file that is gone where a model's `tokenizerPath` comes from: a model built
 * from an imported BERT (a run's checkpoints, an adapted model written before adapt copied the tokenizer in) names
 * the tokenizer.json of the `metatrain import-hf` directory, which must stay where it was.
 * @throws TokenizerFileError as loadHfTokenizer, with that advice when the file does not exist.
 */
function loadMissingExplained(tokenizerPath: string) {
  try {
    return loadHfTokenizer(tokenizerPath);
  } catch (err) {
    if (!(err instanceof TokenizerFileError && err.cause instanceof FileReadError && err.cause.code === 'ENOENT')) throw err;
    throw new TokenizerFileError(
      tokenizerPath,
      `${err.cause.detail}: the model's tokenizerPath names it (a run's checkpoints and models built from a BERT imported with metatrain import-hf read the tokenizer.json of the import directory: put that directory back where it was, or import the model again there)`,
      { cause: err },
    );
  }
}

function hfTextTokenizer(model: TokenizerFields): TextTokenizer {
  const { tokenizerPath, vocabSize } = model;
  if (!tokenizerPath) throw new ConfigError('model.tokenizerPath', 'tokenizer hf needs tokenizerPath (the tokenizer.json)');
  if (vocabSize === undefined) throw new ConfigError('model.vocabSize', 'tokenizer hf needs vocabSize');
  const load = () => {
    const t = loadMissingExplained(tokenizerPath);
    if (t.vocabSize > vocabSize) {
      throw new ConfigError('model.vocabSize', `${vocabSize} is smaller than the ${t.vocabSize} ids of ${t.path}`);
    }
    return t;
  };
  return {
    vocabSize,
    get padId() {
      return load().padId;
    },
    encode: (texts) => load().encode(texts, model.maxLength),
    tokenCount: (text, limit) => load().tokenCount(text, limit),
  };
}

/**
 * Indices of the `texts` that give `tokenizer` no token of their own (e.g. only punctuation under `hashed-words`,
 * which reads words of letters and digits): encoded, such a text is the bare CLS (and SEP) row of an empty text, so
 * a model's output for it cannot depend on it.
 */
export function tokenlessTexts(tokenizer: TextTokenizer, texts: readonly string[]): number[] {
  const bare = tokenizer.tokenCount('');
  const out: number[] = [];
  texts.forEach((text, i) => {
    if (tokenizer.tokenCount(text, bare) <= bare) out.push(i);
  });
  return out;
}
