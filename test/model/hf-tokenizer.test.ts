/**
 * The `hf` tokenizer (src/model/hf-tokenizer.ts, through `textTokenizerFor`) on a BERT WordPiece tokenizer.json
 * built in the test (test/hf/fixtures.ts): the tokenizer's own [CLS] … [SEP], word pieces, truncation that keeps
 * [SEP], padding with the tokenizer's pad id, and the errors for a bad file or a vocabulary larger than vocabSize.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { Tokenizer } from '@huggingface/tokenizers';
import { join } from 'node:path';
import { loadHfTokenizer, TokenizerFileError } from '../../src/model/hf-tokenizer';
import { textTokenizerFor, tokenlessTexts } from '../../src/model/text-tokenizer';
import { tempDir } from '../support/harness';
import { VOCAB, wordPieceTokenizerJson } from '../hf/fixtures';

const id = (t: string) => VOCAB.indexOf(t);
const [PAD, UNK, CLS, SEP] = ['[PAD]', '[UNK]', '[CLS]', '[SEP]'].map(id) as [number, number, number, number];
const dir = tempDir();
const file = join(dir, 'tokenizer.json');
writeFileSync(file, JSON.stringify(wordPieceTokenizerJson()));
const fields = { tokenizer: 'hf', tokenizerPath: file, vocabSize: 40, maxLength: 8, hashBuckets: 16384, wordBigrams: true } as const;

test('the hf tokenizer wraps a text in [CLS] … [SEP], splits word pieces, lower-cases, and pads with [PAD]', () => {
  const t = textTokenizerFor(fields);
  assert.equal(t.vocabSize, 40, 'vocabSize is the model field (what sizes embed.token)');
  assert.equal(t.padId, PAD);
  const ids = Array.from(t.encode(['The cats sat.', 'Hello zebra']));
  assert.deepEqual(ids.slice(0, 8), [CLS, id('the'), id('cat'), id('##s'), id('sat'), id('.'), SEP, PAD]);
  assert.deepEqual(ids.slice(8), [CLS, id('hello'), UNK, SEP, PAD, PAD, PAD, PAD]);
  assert.equal(t.tokenCount('The cats sat.'), 7, '[CLS] and [SEP] count');
});

test('the hf tokenizer truncates the content to maxLength and keeps [SEP]', () => {
  const t = textTokenizerFor(fields);
  const text = 'the cat sat on the mat , the dog ran fast';
  assert.equal(t.tokenCount(text), 13);
  assert.deepEqual(Array.from(t.encode([text])), [CLS, id('the'), id('cat'), id('sat'), id('on'), id('the'), id('mat'), SEP]);
  assert.deepEqual(Array.from(textTokenizerFor({ ...fields, maxLength: 2 }).encode([text])), [CLS, SEP]);
});

test('a long text is tokenized only as far as its first maxLength tokens need, with the same ids as the whole text', () => {
  const longest: number[] = [];
  const encode = Tokenizer.prototype.encode;
  Tokenizer.prototype.encode = function (this: Tokenizer, text: string, ...rest: unknown[]) {
    longest.push(text.length);
    return (encode as (...a: unknown[]) => ReturnType<typeof encode>).call(this, text, ...rest);
  } as typeof encode;
  try {
    const words = ['the', 'cats', 'sat', 'on', 'zebra', 'mat', '.', 'jumping', ',', 'hello   world', '\n', 'dog'];
    const text = Array.from({ length: 200_000 }, (_, i) => words[(i * 7) % words.length]).join(' ');
    const whole = loadHfTokenizer(file).ids(text);
    for (const maxLength of [2, 3, 8, 24, 100]) {
      longest.length = 0;
      const t = textTokenizerFor({ ...fields, maxLength });
      assert.deepEqual(Array.from(t.encode([text])), [...whole.slice(0, maxLength - 1), SEP], `maxLength ${maxLength}`);
      assert.equal(t.tokenCount(text, maxLength) > maxLength, true);
      assert.ok(Math.max(...longest) < 10_000, `maxLength ${maxLength}: tokenized ${Math.max(...longest)} characters of ${text.length}`);
    }
    assert.equal(textTokenizerFor(fields).tokenCount(text), whole.length, 'without a limit: every token');
    assert.equal(textTokenizerFor(fields).tokenCount('the cat', 4), 4, 'exact up to the limit');
  } finally {
    Tokenizer.prototype.encode = encode;
  }
});

test('the pad id comes from the padding section of tokenizer.json when it has one', () => {
  const padded = join(dir, 'padded.json');
  writeFileSync(padded, JSON.stringify({ ...wordPieceTokenizerJson(), padding: { strategy: 'BatchLongest', pad_id: id('[MASK]'), pad_token: '[MASK]' } }));
  const t = textTokenizerFor({ ...fields, tokenizerPath: padded });
  assert.equal(t.padId, id('[MASK]'));
  assert.deepEqual(Array.from(t.encode(['a'])).slice(2), [SEP, id('[MASK]'), id('[MASK]'), id('[MASK]'), id('[MASK]'), id('[MASK]')]);
});

test('a missing or unloadable tokenizer.json, or more ids than vocabSize, is an error naming the file', () => {
  assert.throws(() => loadHfTokenizer(join(dir, 'none.json')), (e: Error) => e instanceof TokenizerFileError && /none\.json: cannot read it: no such file/.test(e.message));
  const bad = join(dir, 'bad.json');
  writeFileSync(bad, JSON.stringify({ version: '1.0' }));
  assert.throws(() => loadHfTokenizer(bad), /bad\.json: field model is missing/);
  assert.throws(() => textTokenizerFor({ ...fields, vocabSize: 20 }).encode(['a']), /model\.vocabSize: 20 is smaller than the 34 ids of .*tokenizer\.json/);
  assert.throws(() => textTokenizerFor({ ...fields, tokenizerPath: undefined }), /model\.tokenizerPath/);
  // A model's tokenizer.json that is gone (the import directory moved) says where the path comes from and what to do.
  assert.throws(
    () => textTokenizerFor({ ...fields, tokenizerPath: join(dir, 'moved', 'tokenizer.json') }).encode(['a']),
    (e: Error) => e instanceof TokenizerFileError && /moved\/tokenizer\.json: cannot read it: no such file: the model's tokenizerPath names it \(a run's checkpoints and models built from a BERT imported with metatrain import-hf read the tokenizer\.json of the import directory: put that directory back where it was/.test(e.message),
  );
});

test('tokenlessTexts: under hf only an empty text is tokenless (word pieces cover punctuation)', () => {
  assert.deepEqual(tokenlessTexts(textTokenizerFor(fields), ['The cats sat.', '!!! ???', '', 'Hello']), [2]);
});
