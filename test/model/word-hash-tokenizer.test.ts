import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ShapeError } from '../../src/core/errors';
import { MAX_PIECE_CHARS, PIECE_CHARS, wordsOf } from '../../src/core/words';
import { textTokenizerFor, tokenlessTexts } from '../../src/model/text-tokenizer';
import { encodeHashedWords, HASH_OFFSET, hashedTokens } from '../../src/model/word-hash-tokenizer';
import { CLS_ID, PAD_ID, VOCAB_SIZE } from '../../src/model/vocab';
import { modelConfig } from './fixtures';

test('words are lower-cased ICU word segments without punctuation or spaces', () => {
  assert.deepEqual(wordsOf('Hello, World! It\'s 1862.'), ['hello', 'world', "it's", '1862']);
  assert.deepEqual(wordsOf('  ...  '), []);
});

/** Words of the whole text at once, as Intl.Segmenter gives them (what wordsOf must equal). */
function wholeTextWords(text: string): string[] {
  const out: string[] = [];
  for (const s of new Intl.Segmenter('en', { granularity: 'word' }).segment(text.toLowerCase())) if (s.isWordLike) out.push(s.segment);
  return out;
}

test('a long text is segmented piece by piece into the same words as the whole text', () => {
  // Pieces are cut after spaces and line feeds; Greek final sigma, combining marks, apostrophes, CJK and Thai runs,
  // emoji flags, no-break spaces and numbers with dots meet the cuts.
  const parts = ['ΟΔΟΣ', 'Σ', "don't", 'e\u0301', '\u0301x', '日本語のテキスト', 'ภาษาไทย', '🇺🇸🇬🇧', '3.14', 'a.b', 'İ', '\ufeffz', 'x\u00a0y', ',', 'q'];
  const seps = [' ', '  ', '\n', '\r\n', '\t', ''];
  let seed = 7;
  const next = (n: number) => (seed = (seed * 1103515245 + 12345) >>> 0) % n;
  for (let k = 0; k < 8; k++) {
    let text = '';
    while (text.length < 4 * PIECE_CHARS) text += parts[next(parts.length)]! + seps[next(seps.length)]!;
    assert.deepEqual(wordsOf(text), wholeTextWords(text), `text ${k}`);
  }
  const cjk = '日本語のテキスト'.repeat(300);
  assert.deepEqual(wordsOf(`${cjk} ${cjk}`), wholeTextWords(`${cjk} ${cjk}`), 'runs without spaces longer than a piece');
  assert.deepEqual(wordsOf('x'.repeat(MAX_PIECE_CHARS + 5)), ['x'.repeat(MAX_PIECE_CHARS), 'xxxxx'], 'a longer run is cut at MAX_PIECE_CHARS');
  assert.deepEqual(wordsOf(`${'x'.repeat(MAX_PIECE_CHARS - 1)}😀y`).map((w) => w.length), [MAX_PIECE_CHARS - 1, 1], 'never inside a surrogate pair');
});

test('200,000 words are segmented in linear time', () => {
  // In a child process killed after 30 s: segmenting the whole string at once costs the square of its length
  // (50,000 words took 20 s, 100,000 words 82 s), synchronously, so no in-process timeout could stop it.
  const code = `const { wordsOf } = require(${JSON.stringify(join(__dirname, '../../src/core/words'))});
    const words = wordsOf('Word '.repeat(200000));
    process.stdout.write(JSON.stringify({ n: words.length, all: words.every((w) => w === 'word') }));`;
  const execArgv = process.execArgv.filter((a) => !a.startsWith('--test'));
  const child = spawnSync(process.execPath, [...execArgv, '-e', code], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(child.signal, null, 'finished within 30 s');
  assert.deepEqual(JSON.parse(child.stdout), { n: 200_000, all: true });
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
  for (let max = 0; max <= 8; max++) assert.deepEqual(hashedTokens('The Union, the union', options, max), ids.slice(0, max), `first ${max}`);
});

test('a token count with a limit stops past it: exact up to the limit, above it otherwise, for every tokenizer', { timeout: 30_000 }, () => {
  const long = 'word '.repeat(200_000);
  for (const tokenizer of ['hashed-words', 'bytes'] as const) {
    const t = textTokenizerFor(modelConfig({ kind: 'transformer', tokenizer, maxLength: 6 }));
    assert.equal(t.tokenCount('a b', 10), t.tokenCount('a b'), tokenizer);
    assert.ok(t.tokenCount('a b c d e f g', 3) > 3, tokenizer);
    assert.equal(t.tokenCount(long, 95), 96, `${tokenizer}: counting stops at the limit + 1`);
    assert.equal(t.encode([long]).length, 6);
  }
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

test('tokenlessTexts finds the texts that hashed words encode like an empty one (only punctuation or symbols); bytes have none but the empty text', () => {
  const texts = ['The cats sat.', '!!! ???', '', '→ 42'];
  assert.deepEqual(tokenlessTexts(textTokenizerFor(modelConfig({ kind: 'transformer', tokenizer: 'hashed-words', maxLength: 6 })), texts), [1, 2]);
  assert.deepEqual(tokenlessTexts(textTokenizerFor(modelConfig({ kind: 'transformer', maxLength: 6 })), texts), [2]);
});
