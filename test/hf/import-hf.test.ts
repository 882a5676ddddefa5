/**
 * `metatrain import-hf` on a tiny random BERT written in the Hugging Face layout (./fixtures): the checkpoint it
 * writes loads as `model.init`, and the product's forward pass on it (token states and pooled features) matches
 * an independent NumPy implementation of BertModel (./bert_forward.py, which reads model.safetensors itself)
 * within {@link TOLERANCE}. Bad config.json / model.safetensors / tokenizer.json files give errors naming the
 * file and the field or tensor. Needs the built CLI (`npx tsc -p tsconfig.json`) and python3 with numpy (skipped
 * with a message without numpy).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { MAX_SAFETENSORS_FILE_BYTES } from '../../src/core/safetensors';
import { MAX_HF_CONFIG_BYTES } from '../../src/hf/hf-config';
import { MAX_TOKENIZER_FILE_BYTES } from '../../src/model/hf-tokenizer';
import { join } from 'node:path';
import { packageFile } from '../../src/core/package-root';
import * as tf from '@tensorflow/tfjs';
import { parse } from 'yaml';
import { parseRunConfig, runModelConfig } from '../../src/core/config';
import { initBackend, initParams, toTensors } from '../../src/model';
import { createBert } from '../../src/model/bert';
import { loadPretrainedBody, withPretrainedBody } from '../../src/pretrain/pretrained-body';
import { HfImportError, importHfBert } from '../../src/hf';
import { runCli, tempDir } from '../support/harness';
import { writeTinyHfBert } from './fixtures';

/** Largest absolute difference allowed between float32 tfjs and float64 NumPy (token states are LayerNorm outputs, O(1)). */
const TOLERANCE = 1e-4;

const hasNumpy = spawnSync('python3', ['-c', 'import numpy'], { stdio: 'ignore' }).status === 0;
const numpySkip = hasNumpy ? false : 'python3 with numpy is not installed (apt-get install -y python3-numpy): the independent forward pass needs it';

/** A jsonl run config around `model` (the file need not exist: nothing reads it here). */
function runConfig(model: unknown) {
  return parseRunConfig({ name: 'hf', task: { family: 'jsonl', path: 'x.jsonl', ways: 3 }, model, compression: { enabled: false } });
}

test('metatrain import-hf writes a bert checkpoint whose forward pass matches an independent NumPy BertModel', { skip: numpySkip }, async () => {
  const dir = tempDir();
  const hf = writeTinyHfBert(join(dir, 'hf'));
  const out = join(dir, 'imported');
  const cli = await runCli(['import-hf', hf, '--out', out, '--max-length', '10']);
  assert.equal(cli.code, 0, cli.stderr);
  assert.match(cli.stderr, /bert, 2 layers, hidden 16, 2 heads, vocab 40/);
  const printed = parse(cli.stdout) as { model: Record<string, unknown> };
  assert.deepEqual(
    { ...printed.model, tokenizerPath: undefined, init: undefined },
    { kind: 'bert', layers: 2, dModel: 16, heads: 2, dFf: 32, maxLength: 10, vocabSize: 40, typeVocabSize: 2, layerNormEps: 1e-12, tokenizer: 'hf', tokenizerPath: undefined, init: undefined },
  );
  assert.equal(printed.model.init, out);
  assert.ok(existsSync(printed.model.tokenizerPath as string), 'the tokenizer is copied beside the checkpoint');

  const config = runConfig(printed.model);
  const body = await loadPretrainedBody(config);
  assert.ok(body, 'model.init loads');
  assert.ok(![...body.params.keys()].some((n) => n.startsWith('head.')), 'the body has no head');
  // A PyTorch Linear weight [out, in] is stored transposed: wq[i][o] = query.weight[o][i].
  const hfBytes = readFileSync(join(hf, 'model.safetensors'));
  const header = JSON.parse(hfBytes.toString('utf8', 8, 8 + Number(hfBytes.readBigUInt64LE(0)))) as Record<string, { data_offsets: [number, number] }>;
  const q = header['bert.encoder.layer.1.attention.self.query.weight']!.data_offsets;
  const start = 8 + Number(hfBytes.readBigUInt64LE(0)) + q[0];
  const hfAt = (o: number, i: number) => hfBytes.readFloatLE(start + 4 * (o * 16 + i));
  assert.equal(body.params.get('layer1.attn.wq')!.data[3 * 16 + 5], hfAt(5, 3));

  await initBackend('cpu');
  const bert = createBert(config.model, 3);
  const params = toTensors(withPretrainedBody(initParams(config.model, 3, 1), body));
  const texts = ['The cats sat on the mat.', 'hello world', 'a dog ran very fast , the cat was slow !', 'zebra'];
  const { x, y } = bert.encode({ kind: 'text', texts, labels: Int32Array.from([0, 1, 2, 0]) });
  const ids = x.arraySync() as number[][];
  assert.deepEqual(ids[1], [2, 23, 24, 3, 0, 0, 0, 0, 0, 0], 'hello world: [CLS] hello world [SEP], padded');
  assert.equal(ids[2]![9], 3, 'a truncated text keeps its [SEP]');
  const states = bert.tokenStates(params, x).arraySync();
  const pooled = bert.features(params, x).arraySync() as number[][];
  tf.dispose([x, y, ...Object.values(params)]);

  const idsFile = join(dir, 'ids.json');
  const refFile = join(dir, 'reference.json');
  writeFileSync(idsFile, JSON.stringify({ ids, pad_id: 0 }));
  const py = spawnSync('python3', [packageFile('test/hf/bert_forward.py'), hf, idsFile, refFile], { encoding: 'utf8' });
  assert.equal(py.status, 0, py.stderr);
  const ref = JSON.parse(readFileSync(refFile, 'utf8')) as { states: number[][][]; pooled: number[][] };
  let worstState = 0;
  ids.forEach((row, n) => row.forEach((id, l) => {
    if (id === 0) return; // padding positions: BertModel computes them too, but nothing reads them
    states[n]![l]!.forEach((v, k) => (worstState = Math.max(worstState, Math.abs(v - ref.states[n]![l]![k]!))));
  }));
  let worstPooled = 0;
  pooled.forEach((row, n) => row.forEach((v, k) => (worstPooled = Math.max(worstPooled, Math.abs(v - ref.pooled[n]![k]!)))));
  console.log(`# bert import vs NumPy: max abs diff of token states ${worstState.toExponential(2)}, of pooled features ${worstPooled.toExponential(2)} (tolerance ${TOLERANCE})`);
  assert.ok(worstState <= TOLERANCE, `token states differ by ${worstState}`);
  assert.ok(worstPooled <= TOLERANCE, `pooled features differ by ${worstPooled}`);
});

const scratch = tempDir();
let cases = 0;

/** Imports a fixture edited by `edit` and returns the error message. */
async function importError(edit: Parameters<typeof writeTinyHfBert>[1]): Promise<string> {
  const dir = join(scratch, `case-${++cases}`);
  const hf = writeTinyHfBert(join(dir, 'hf'), edit);
  await assert.rejects(importHfBert(hf, join(dir, 'out')), HfImportError);
  return importHfBert(hf, join(dir, 'out2')).then(
    () => assert.fail('import should fail'),
    (err: Error) => err.message,
  );
}

test('import-hf names config.json and the field when the config is wrong', async () => {
  assert.match(await importError({ config: (c) => (c.hidden_act = 'relu') }), /config\.json: field hidden_act: must be "gelu".*\(got "relu"\)/);
  assert.match(await importError({ config: (c) => delete c.hidden_size }), /config\.json: field hidden_size: /);
  assert.match(await importError({ config: (c) => (c.model_type = 'roberta') }), /config\.json: field model_type: must be "bert".*\(got "roberta"\)/);
  assert.match(await importError({ config: (c) => (c.num_attention_heads = 3) }), /config\.json: field num_attention_heads: must divide hidden_size/);
  assert.match(await importError({ config: (c) => (c.pad_token_id = 3) }), /tokenizer\.json: pad id 0 differs from pad_token_id 3 of .*config\.json/);
});

test('import-hf names model.safetensors and the tensor when a weight is missing, not F32 or of another shape', async () => {
  const name = 'bert.encoder.layer.1.output.dense.weight';
  assert.match(await importError({ tensors: (t) => t.delete(name) }), new RegExp(`model\\.safetensors: tensor ${name.replace(/\./g, '\\.')} is missing`));
  assert.match(
    await importError({ tensors: (t) => t.set(name, { dtype: 'F16', shape: [16, 32], bytes: new Uint8Array(2 * 16 * 32) }) }),
    /model\.safetensors: tensor bert\.encoder\.layer\.1\.output\.dense\.weight has dtype F16; import-hf reads F32 only/,
  );
  assert.match(
    await importError({ tensors: (t) => t.set(name, { dtype: 'F32', shape: [32, 16], bytes: new Uint8Array(4 * 16 * 32) }) }),
    /model\.safetensors: tensor bert\.encoder\.layer\.1\.output\.dense\.weight has shape \[32, 16\], but config\.json implies \[16, 32\]/,
  );
  assert.match(await importError({ config: (c) => (c.vocab_size = 50) }), /tensor bert\.embeddings\.word_embeddings\.weight has shape \[40, 16\], but config\.json implies \[50, 16\]/);
});

test('import-hf names tokenizer.json when the tokenizer cannot be loaded or has more ids than vocab_size', async () => {
  assert.match(await importError({ tokenizer: () => '{"model": ' }), /tokenizer\.json: cannot read the tokenizer: /);
  assert.match(await importError({ tokenizer: (j) => JSON.stringify({ ...j, model: { type: 'NoSuchModel' } }) }), /tokenizer\.json: @huggingface\/tokenizers cannot load it: /);
  assert.match(await importError({ config: (c) => (c.vocab_size = 30) }), /tokenizer\.json: has token ids up to 33, beyond vocab_size 30/);
});

test('import-hf refuses a device, a pipe or an over-size file among its inputs at once, naming the file and the limit', { skip: process.platform === 'win32' }, async () => {
  // Before: a config.json or model.safetensors that was /dev/zero was read until memory ran out, and a tokenizer.json
  // that was a named pipe was copied (copyFileSync) by waiting for a writer forever.
  const dir = tempDir();
  const inputs = (name: string) => {
    const hf = writeTinyHfBert(join(dir, name));
    return { hf, file: (f: string) => join(hf, f) };
  };
  const refusedWith = async (hf: string, message: RegExp) => {
    const started = Date.now();
    await assert.rejects(importHfBert(hf, join(hf, '..', `${hf.split('/').pop()}-out`)), (err: Error) => err instanceof HfImportError && message.test(err.message));
    assert.ok(Date.now() - started < 10_000, 'refused without reading');
  };
  const zero = inputs('zero-config');
  rmSync(zero.file('config.json'));
  symlinkSync('/dev/zero', zero.file('config.json'));
  await refusedWith(zero.hf, /config\.json: not a regular file but a character device: give the file itself, as save_pretrained writes it$/);
  const bigConfig = inputs('big-config');
  truncateSync(bigConfig.file('config.json'), MAX_HF_CONFIG_BYTES + 1);
  await refusedWith(bigConfig.hf, /config\.json: 1048577 bytes, more than the 1048576 bytes \(1 MiB\) allowed: a BERT config\.json is about 1 KB/);
  const bigWeights = inputs('big-weights');
  truncateSync(bigWeights.file('model.safetensors'), MAX_SAFETENSORS_FILE_BYTES + 1);
  await refusedWith(bigWeights.hf, /model\.safetensors: 2147483649 bytes, more than the 2147483648 bytes \(2 GiB\) allowed: import-hf reads a BERT of at most 2 GiB/);
  const zeroWeights = inputs('zero-weights');
  rmSync(zeroWeights.file('model.safetensors'));
  symlinkSync('/dev/zero', zeroWeights.file('model.safetensors'));
  await refusedWith(zeroWeights.hf, /model\.safetensors: not a regular file but a character device/);
  const bigTokenizer = inputs('big-tokenizer');
  truncateSync(bigTokenizer.file('tokenizer.json'), MAX_TOKENIZER_FILE_BYTES + 1);
  await refusedWith(bigTokenizer.hf, /tokenizer\.json: 67108865 bytes, more than the 67108864 bytes \(64 MiB\) allowed/);
  // A named pipe: read through the bounded reader (with no writer, as empty at once), not copied by waiting for one.
  const fifo = inputs('fifo-tokenizer');
  rmSync(fifo.file('tokenizer.json'));
  execFileSync('mkfifo', [fifo.file('tokenizer.json')]);
  await refusedWith(fifo.hf, /tokenizer\.json: cannot read the tokenizer: /);
});

test('import-hf writes the tokenizer it read from a pipe into the checkpoint directory', { skip: process.platform === 'win32' }, async () => {
  const dir = tempDir();
  const hf = writeTinyHfBert(join(dir, 'hf'));
  const tokenizer = readFileSync(join(hf, 'tokenizer.json'));
  rmSync(join(hf, 'tokenizer.json'));
  execFileSync('mkfifo', [join(hf, 'tokenizer.json')]);
  writeFileSync(join(dir, 'tokenizer.copy'), tokenizer);
  // The writer, waiting in its open of the pipe for the reader (the CLI takes longer to get there).
  const writer = spawn('bash', ['-c', 'cat "$1" > "$2"', 'write', join(dir, 'tokenizer.copy'), join(hf, 'tokenizer.json')]);
  const imported = await runCli(['import-hf', hf, '--out', join(dir, 'out')], {}, 60_000);
  writer.kill();
  assert.equal(imported.code, 0, imported.stderr);
  assert.ok(readFileSync(join(dir, 'out', 'tokenizer.json')).equals(tokenizer));
});

test('metatrain import-hf refuses an --out that is a symbolic link, naming it and the directory it points to', async () => {
  const dir = tempDir();
  const hf = writeTinyHfBert(join(dir, 'hf'));
  symlinkSync(join(dir, 'nowhere'), join(dir, 'dangling'));
  mkdirSync(join(dir, 'real'));
  symlinkSync('real', join(dir, 'link'));
  for (const [link, target] of [['dangling', 'nowhere'], ['link', 'real']]) {
    const r = await runCli(['import-hf', hf, '--out', join(dir, link!)]);
    assert.equal(r.code, 1, r.stderr);
    const real = join(dir, target!);
    const instead = target === 'real' ? `give --out the real path of a directory that does not exist yet; ${real} exists` : `give the real directory's path with --out (--out ${real})`;
    assert.equal(r.stderr, `metatrain: --out ${join(dir, link!)}: a symbolic link to ${real}; import-hf writes a new directory in its place by renaming, so the link would be replaced (or the write fail) instead of the result landing in ${real}: ${instead}\n`);
  }
  assert.equal(existsSync(join(dir, 'nowhere')), false);
  assert.deepEqual(readdirSync(join(dir, 'real')), []);
});

test('metatrain import-hf exits 1 with the error on a bad directory, and refuses an existing --out', async () => {
  const dir = tempDir();
  const missing = await runCli(['import-hf', join(dir, 'nothing'), '--out', join(dir, 'o')]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /metatrain: .*nothing: no such directory \(give the directory of a Hugging Face BERT checkpoint: config\.json, model\.safetensors and tokenizer\.json\)/);
  const file = join(dir, 'user.jsonl');
  writeFileSync(file, '{}\n');
  assert.match((await runCli(['import-hf', file, '--out', join(dir, 'o')])).stderr, /user\.jsonl is a file, not a directory/);
  mkdirSync(join(dir, 'empty'));
  assert.match((await runCli(['import-hf', join(dir, 'empty'), '--out', join(dir, 'o')])).stderr, /empty holds no config\.json: not a Hugging Face checkpoint directory/);
  const hf = writeTinyHfBert(join(dir, 'hf'));
  const exists = await runCli(['import-hf', hf, '--out', hf]);
  assert.equal(exists.code, 1);
  assert.match(exists.stderr, /already exists/);
});

test('import-hf refuses a config.json whose max_position_embeddings is below 3, naming the field rather than a --max-length not given', async () => {
  const dir = tempDir();
  const hf = writeTinyHfBert(join(dir, 'hf'), { config: (c) => { c.max_position_embeddings = 2; } });
  for (const extra of [[], ['--max-length', '3']]) {
    const cli = await runCli(['import-hf', hf, '--out', join(dir, 'o'), ...extra]);
    assert.equal(cli.code, 1);
    assert.match(cli.stderr, /config\.json: max_position_embeddings 2 is below the 3 positions a bert model needs \(its CLS and SEP tokens and at least one token of text\): this checkpoint cannot be imported/);
    assert.doesNotMatch(cli.stderr, /\[3, 2\]/);
  }
  assert.equal(existsSync(join(dir, 'o')), false, 'nothing is written');
});

test('import-hf refuses a --max-length outside 3..4,096: below 3 (CLS, one token, SEP) naming model.maxLength, the kind and the minimum, above with the range', async () => {
  const dir = tempDir();
  const hf = writeTinyHfBert(join(dir, 'hf'));
  const below = (n: string) => new RegExp(`--max-length.*model\\.maxLength must be at least 3 for model\\.kind bert \\(its CLS and SEP tokens and at least one token of text.*\\), got ${n}`);
  // Before: too large said `expected an integer 0..9,007,199,254,740,991 (2^53-1)`, while 0 was refused as below 3.
  const range = (n: string, how: string) => new RegExp(`option '--max-length <n>' argument '${n}' is invalid\\. ${how}`);
  const cases: Array<[string, RegExp]> = [
    ['2', below('2')],
    ['0', below('0')],
    ['4097', range('4097', 'too large: expected an integer 3\\.\\.4,096, got "4097"\\n')],
    ['99999999999999999999', range('99999999999999999999', 'too large: expected an integer 3\\.\\.4,096, got')],
    ['1e3', range('1e3', 'expected an integer 3\\.\\.4,096 written in digits only, got "1e3"')],
  ];
  for (const [n, message] of cases) {
    const cli = await runCli(['import-hf', hf, '--out', join(dir, 'o'), '--max-length', n]);
    assert.equal(cli.code, 1);
    assert.match(cli.stderr, message, n);
  }
  assert.equal(existsSync(join(dir, 'o')), false, 'nothing is written');
  await assert.rejects(importHfBert(hf, join(dir, 'o'), { maxLength: 1 }), (e: Error) => e instanceof HfImportError && /^--max-length 1: model\.maxLength must be at least 3 for model\.kind bert/.test(e.message));
  const ok = await importHfBert(hf, join(dir, 'o'), { maxLength: 3 });
  assert.equal(ok.model.maxLength, 3);
});

test('a bert run config is refused with compression, with LoRA, without its tokenizer, and with another tokenizer', () => {
  const model = { kind: 'bert', layers: 1, dModel: 8, heads: 2, dFf: 16, maxLength: 8, vocabSize: 40, tokenizer: 'hf', tokenizerPath: 'tokenizer.json' };
  const base = { name: 'hf', task: { family: 'jsonl', path: 'x.jsonl' }, model };
  assert.throws(() => parseRunConfig(base), /compression\.enabled: compression of a bert model is not supported yet/);
  assert.throws(() => parseRunConfig({ ...base, compression: { enabled: false }, algorithm: { adapt: 'lora' }, model: { ...model, loraRank: 2 } }), /lora needs a transformer.*got model bert/);
  assert.throws(() => parseRunConfig({ ...base, compression: { enabled: false }, model: { ...model, tokenizerPath: undefined } }), /model\.tokenizerPath: tokenizer hf needs tokenizerPath/);
  assert.throws(() => parseRunConfig({ ...base, compression: { enabled: false }, model: { ...model, tokenizer: 'bytes' } }), /model bert needs tokenizer hf/);
  assert.throws(() => parseRunConfig({ ...base, compression: { enabled: false }, model: { ...model, vocabSize: undefined } }), /model bert needs vocabSize/);
  assert.throws(() => parseRunConfig({ ...base, model: { kind: 'transformer', tokenizer: 'hf', tokenizerPath: 't.json' } }), /tokenizer hf is for model bert/);
  const ok = parseRunConfig({ ...base, compression: { enabled: false }, runtime: { baseDir: '/data/run' } });
  assert.equal(ok.model.tokenizerPath, 'tokenizer.json', 'the config keeps the path as written (its hash does not depend on where it lies)');
  assert.equal(runModelConfig(ok).tokenizerPath, '/data/run/tokenizer.json', 'processes resolve it against runtime.baseDir');
});

test('model.init of an imported BERT refuses a run whose tokenizerPath names another tokenizer.json', async () => {
  const dir = tempDir();
  const hf = writeTinyHfBert(join(dir, 'hf'));
  const imported = await importHfBert(hf, join(dir, 'bert'));
  const copy = join(dir, 'same.json');
  writeFileSync(copy, readFileSync(imported.model.tokenizerPath!));
  assert.ok(await loadPretrainedBody(runConfig({ ...imported.model, tokenizerPath: copy })), 'an identical copy is accepted');
  const other = join(dir, 'other.json');
  writeFileSync(other, readFileSync(imported.model.tokenizerPath!, 'utf8').replace('"cat"', '"kat"'));
  await assert.rejects(loadPretrainedBody(runConfig({ ...imported.model, tokenizerPath: other })), /was written with tokenizer .*bert\/tokenizer\.json, but this run's model\.tokenizerPath .*other\.json is another file/);
});

test("importHfBert removes only a killed import's own leftovers, in and beside --out, once its input was read; a user's entries named like them stay", async () => {
  // Before: an --out holding only `.tmp-draft-2025-12` (read as a temporary of dead pid 2025) was removed whole, and
  // before the input was checked, so `import-hf missing --out DIR` lost DIR and then failed; `.tmp-bert-backup/`
  // beside --out was removed too.
  const dir = tempDir();
  const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
  const users = join(dir, 'users');
  mkdirSync(users);
  writeFileSync(join(users, '.tmp-draft-2025-12'), 'mine\n');
  await assert.rejects(importHfBert(join(dir, 'missing'), users), (e: Error) => e instanceof HfImportError && e.message.startsWith(`--out ${users}: ${users} already exists`));
  assert.deepEqual(readdirSync(users), ['.tmp-draft-2025-12']);

  const out = join(dir, 'bert');
  const leftover = join(out, `.tmp-step-00000000-${dead}-1`);
  mkdirSync(join(leftover, 'half'), { recursive: true });
  mkdirSync(join(dir, '.tmp-bert-backup', 'mine'), { recursive: true });
  mkdirSync(join(dir, `.tmp-bert-${dead}-2`, 'half'), { recursive: true });
  await assert.rejects(importHfBert(join(dir, 'missing'), out), (e: Error) => e instanceof HfImportError && /missing: no such directory/.test(e.message));
  assert.ok(existsSync(join(leftover, 'half')), 'nothing is removed before the input is read');
  assert.ok(existsSync(join(dir, `.tmp-bert-${dead}-2`, 'half')), 'nothing is removed before the input is read');

  await importHfBert(writeTinyHfBert(join(dir, 'hf')), out);
  assert.deepEqual(readdirSync(out).sort(), ['best.json', 'step-00000000', 'tokenizer.json']);
  assert.deepEqual(readdirSync(dir).sort(), ['.tmp-bert-backup', 'bert', 'hf', 'users']);
});
