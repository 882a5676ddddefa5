import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../support/harness';
import { parseRunConfig, type RunConfigInput } from '../../src/core/config';
import { ConfigError } from '../../src/core/errors';
import { MAX_PRETRAINING_TEXT_BYTES, pretrainingTexts } from '../../src/pretrain/pretraining-texts';
import type { TextTaskFamily } from '../../src/tasks/text-corpus';

/** A family with no meta-train class: only the files of pretraining.texts give passages. */
const noMetaTrain = { splits: { train: [] }, corpus: { examples: [] } } as unknown as TextTaskFamily;

const config = (dir: string, texts: string[]) =>
  parseRunConfig({
    name: 'pt',
    task: { family: 'jsonl', path: 'unused.jsonl', passageChars: 40 },
    model: { kind: 'transformer', layers: 0, dModel: 8, maxLength: 12, tokenizer: 'hashed-words', hashBuckets: 64 },
    pretraining: { steps: 1, texts },
    runtime: { outDir: join(dir, 'run'), baseDir: dir },
  } satisfies RunConfigInput);

test('pretraining.texts: a file that is not UTF-8 is refused naming the field, the file, the line and the byte, with the fix', async () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'good.txt'), 'liberty and union\n');
  writeFileSync(join(dir, 'latin1.txt'), Buffer.concat([Buffer.from('first line\ncaf'), Buffer.from([0xe9]), Buffer.from(' au lait\n')]));
  await assert.rejects(pretrainingTexts(config(dir, ['good.txt', 'latin1.txt']), noMetaTrain), (err: unknown) => {
    assert.ok(err instanceof ConfigError);
    // Before: `pretraining.texts[1]`, while every other config error (and the readability check) writes `pretraining.texts.1`.
    assert.equal(err.path, 'pretraining.texts.1');
    assert.match(err.message, /^invalid config at pretraining\.texts\.1: /);
    assert.match(err.message, /latin1\.txt:2: not UTF-8 text: byte 0xE9 \(byte 4 of the line\)/);
    assert.match(err.message, /iconv/);
    assert.doesNotMatch(err.message, /ERR_ENCODING/);
    return true;
  });
});

test('pretraining.texts: a UTF-8 file (with a byte-order mark) gives its passages', async () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'bom.txt'), Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('café au lait with liberty\n')]));
  const got = await pretrainingTexts(config(dir, ['bom.txt']), noMetaTrain);
  assert.deepEqual(got.texts, ['café au lait with liberty']);
  assert.equal(got.files[0]!.passages, 1);
});

test('pretraining.texts: a large file (hundreds of thousands of passages) is read, not a stack overflow', async () => {
  // Before: texts.push(...passages) threw "Maximum call stack size exceeded" (a 45 MB file at passageChars 256).
  const dir = tempDir();
  const line = 'liberty union congress nation people\n'; // 37 characters: one 40-character passage each
  writeFileSync(join(dir, 'big.txt'), line.repeat(300_000));
  const got = await pretrainingTexts(config(dir, ['big.txt']), noMetaTrain);
  assert.equal(got.files[0]!.passages, 300_000);
  assert.equal(got.texts.length, 300_000);
});

test('pretraining.texts: a device (/dev/zero, endless), a directory or a file over the size limit is refused before it is read; a missing file by name', async () => {
  const dir = tempDir();
  const big = join(dir, 'big.txt');
  writeFileSync(big, '');
  truncateSync(big, MAX_PRETRAINING_TEXT_BYTES + 1); // sparse: nothing is written
  mkdirSync(join(dir, 'folder'));
  const refused = async (file: string, why: RegExp) =>
    assert.rejects(pretrainingTexts(config(dir, [file]), noMetaTrain), (err: unknown) => err instanceof ConfigError && err.path === 'pretraining.texts.0' && why.test(err.message));
  await refused('/dev/zero', /\/dev\/zero: not a regular file but a character device: give a UTF-8 text file$/);
  await refused('folder', /folder: not a regular file but a directory: give a UTF-8 text file$/);
  await refused('big.txt', new RegExp(`big\\.txt: ${MAX_PRETRAINING_TEXT_BYTES + 1} bytes, more than the ${MAX_PRETRAINING_TEXT_BYTES} bytes \\(128 MiB\\) allowed; its passages take about 35 times that in memory: give a sample of it, or split it over several runs$`));
  await refused('missing.txt', /missing\.txt: cannot read it: no such file$/);
});
