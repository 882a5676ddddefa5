/**
 * A Hugging Face `tokenizer.json` (WordPiece, BPE, Unigram …) read with `@huggingface/tokenizers` (the pure-JS
 * port of the Rust `tokenizers` library; no home-made WordPiece). The package ships a CommonJS build beside its
 * ESM one, so it loads synchronously, and each file is read once per process (a cache keyed by absolute path).
 *
 * Encoding follows the tokenizer's own post-processor (BERT: `[CLS] … [SEP]`); a text longer than `maxLength`
 * loses tokens from its end, the special tokens kept (as the Rust library's truncation of a single sequence);
 * rows are right-padded with the tokenizer's pad id ({@link HfTokenizer.padId}), which the model masks.
 */
import { resolve } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import { readBoundedFile } from '../core/bounded-file';
import { echoJson } from '../core/echo-value';
import { parseJsonBytes } from '../core/json-bytes';
import { DatasetError, type FileReadReason } from '../core/errors';

/**
 * The largest tokenizer.json read, in bytes (64 MiB): BERT's is 466 KB, the largest multilingual ones (XLM-R's
 * 250,000 pieces) some 17 MB; a device such as /dev/zero was read until memory ran out.
 */
export const MAX_TOKENIZER_FILE_BYTES = 64 << 20;

/** What a TokenizerFileError for a file that cannot be read says after the reader's reason. */
const ADVICE: Record<FileReadReason, string> = {
  unreadable: '',
  'not-a-file': ': give the tokenizer.json file itself',
  'too-large': ': the largest Hugging Face tokenizers are some 17 MB (MAX_TOKENIZER_FILE_BYTES); give the tokenizer.json of the model',
};

/** A loaded tokenizer.json. */
export interface HfTokenizer {
  /** The absolute path read. */
  readonly path: string;
  /** Ids lie in [0, vocabSize): the size of the tokenizer's vocabulary, added tokens included. */
  readonly vocabSize: number;
  /** Padding id: `padding.pad_id` of tokenizer.json, else the id of `[PAD]` (BERT: 0). */
  readonly padId: number;
  /** Ids of `text` with the special tokens, before truncation. */
  ids(text: string): number[];
  /**
   * Tokens of `text` with the special tokens, before truncation; with `limit`, the count when it is at most `limit`,
   * else a number above `limit` after tokenizing only a prefix of the text (see {@link prefixIds}).
   */
  tokenCount(text: string, limit?: number): number;
  /**
   * Ids row-major `[texts.length, maxLength]`: special tokens kept, content truncated, then padded with `padId`.
   * Tokenizes only the prefix of each text that its first `maxLength` tokens need.
   */
  encode(texts: readonly string[], maxLength: number): Int32Array;
}

/** Thrown when a tokenizer.json cannot be read or is not one the library loads; the message names the file. */
export class TokenizerFileError extends DatasetError {
  constructor(path: string, detail: string, options?: { cause?: unknown }) {
    super(path, detail, undefined, options);
    this.name = 'TokenizerFileError';
  }
}

/** What the `model` field of a tokenizer.json is, for messages. */
const TOKENIZER_MODEL = 'a Hugging Face tokenizer.json has an object model with model.type and model.vocab';

const cache = new Map<string, HfTokenizer>();

/**
 * The tokenizer of `file` (read once per process).
 * @throws TokenizerFileError naming the file when it is missing, not a regular file or a pipe, larger than
 *   {@link MAX_TOKENIZER_FILE_BYTES}, or its contents are refused as {@link hfTokenizerOf} says.
 */
export function loadHfTokenizer(file: string): HfTokenizer {
  const path = resolve(file);
  let t = cache.get(path);
  if (!t) {
    t = readTokenizer(path);
    cache.set(path, t);
  }
  return t;
}

/**
 * The bytes of the tokenizer.json `file`, at most {@link MAX_TOKENIZER_FILE_BYTES}.
 * @throws TokenizerFileError naming the file when it cannot be read, is not a regular file or a pipe (a directory,
 *   a device such as /dev/zero) or is larger than the limit.
 */
export function readTokenizerBytes(file: string): Buffer {
  return readBoundedFile(file, MAX_TOKENIZER_FILE_BYTES, (err) => new TokenizerFileError(err.path, `${err.detail}${ADVICE[err.reason]}`, { cause: err }));
}

function readTokenizer(path: string): HfTokenizer {
  return hfTokenizerOf(path, readTokenizerBytes(path));
}

/**
 * The tokenizer held in `bytes`, the contents of the tokenizer.json at `path` (read by {@link readTokenizerBytes});
 * not cached.
 * @throws TokenizerFileError naming `path` when the bytes are not UTF-8 (a leading byte-order mark is accepted), not
 *   JSON, hold a key twice in one object (naming it), have no object `model` (saying whether it is missing or what it
 *   is instead), are not loadable by `@huggingface/tokenizers`, or have no pad token.
 */
export function hfTokenizerOf(path: string, bytes: Buffer): HfTokenizer {
  const parsed = parseJsonBytes(bytes);
  if ('problem' in parsed) throw new TokenizerFileError(path, `cannot read the tokenizer: ${parsed.problem}`);
  const json = parsed.value as Record<string, unknown>;
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw new TokenizerFileError(path, 'is not a JSON object (a Hugging Face tokenizer.json)');
  const model = json['model'];
  if (model === undefined) throw new TokenizerFileError(path, `field model is missing (${TOKENIZER_MODEL})`);
  if (model === null || typeof model !== 'object' || Array.isArray(model)) {
    throw new TokenizerFileError(path, `field model is ${echoJson(model)}, not an object (${TOKENIZER_MODEL})`);
  }
  let tokenizer: Tokenizer;
  try {
    tokenizer = new Tokenizer(json, {});
    tokenizer.encode('a');
  } catch (err) {
    throw new TokenizerFileError(path, `@huggingface/tokenizers cannot load it: ${(err as Error).message}`, { cause: err });
  }
  const padding = json['padding'] as { pad_id?: unknown } | null | undefined;
  const padId = typeof padding?.pad_id === 'number' ? padding.pad_id : tokenizer.token_to_id('[PAD]');
  if (padId === undefined) throw new TokenizerFileError(path, 'has no pad token: neither padding.pad_id nor a [PAD] token');
  let vocabSize = 0;
  for (const id of tokenizer.get_vocab(true).values()) vocabSize = Math.max(vocabSize, id + 1);
  const ids = (text: string) => tokenizer.encode(text).ids;
  const layout = specialLayout(tokenizer);
  const specials = layout.before + layout.after;
  return {
    path,
    vocabSize,
    padId,
    ids,
    tokenCount: (text, limit = Infinity) => prefixIds(ids, text, limit + 1 - specials, specials).length,
    encode(texts, maxLength) {
      const out = new Int32Array(texts.length * maxLength).fill(padId);
      texts.forEach((text, row) => out.set(truncated(prefixIds(ids, text, maxLength - specials, specials), maxLength, layout), row * maxLength));
      return out;
    },
  };
}

/** Characters of the first prefix {@link prefixIds} tokenizes, per content token wanted; each try takes 4 times more. */
const PREFIX_CHARS_PER_TOKEN = 8;

/**
 * The ids (the `specials` special tokens included) of a prefix of `text` that holds at least `content` content
 * tokens, or of the whole text when it holds fewer. A prefix ends where whitespace follows a word, where the
 * pre-tokenizers of BERT, GPT-2 (byte-level) and SentencePiece (Metaspace) split, so its tokens are the first tokens
 * of the whole text; prefixes 4 times longer each are tried, so the time is linear in the part of the text read.
 */
function prefixIds(ids: (text: string) => number[], text: string, content: number, specials: number): number[] {
  if (!Number.isFinite(content)) return ids(text);
  for (let chars = Math.max(64, PREFIX_CHARS_PER_TOKEN * content); ; chars *= 4) {
    const end = wordEnd(text, chars);
    const prefix = ids(end === text.length ? text : text.slice(0, end));
    if (end === text.length || prefix.length - specials >= content) return prefix;
  }
}

/** The first index ≥ `from` where whitespace follows a non-whitespace character (a word's end), else the text's length. */
function wordEnd(text: string, from: number): number {
  if (from >= text.length) return text.length;
  const end = /\S(?=\s)/g;
  end.lastIndex = Math.max(0, from - 1);
  const m = end.exec(text);
  return m ? m.index + 1 : text.length;
}

/** How many special tokens the post-processor puts before and after a single text's tokens. */
function specialLayout(tokenizer: Tokenizer): { before: number; after: number } {
  const probe = 'a b c';
  const full = tokenizer.encode(probe).ids;
  const content = tokenizer.encode(probe, { add_special_tokens: false }).ids;
  for (let before = 0; before + content.length <= full.length; before++) {
    if (content.every((id: number, i: number) => full[before + i] === id)) return { before, after: full.length - content.length - before };
  }
  return { before: 0, after: 0 };
}

/** Ids with special tokens cut to at most `maxLength`: the content is cut so the leading and trailing specials stay. */
function truncated(full: number[], maxLength: number, layout: { before: number; after: number }): number[] {
  if (full.length <= maxLength) return full;
  const { before, after } = layout;
  const room = maxLength - before - after;
  if (room < 0) return full.slice(0, maxLength);
  return [...full.slice(0, before), ...full.slice(before, before + room), ...full.slice(full.length - after)];
}
