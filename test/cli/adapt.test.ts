import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseRunConfig } from '../../src/core/config';
import { decodeSafetensors } from '../../src/core/safetensors';
import { initMetaParams } from '../../src/meta/meta-params';
import { architectureOf } from '../../src/model/architecture';
import { encodeCompressedModel } from '../../src/compress/compressed-model';
import { quantizePerChannel } from '../../src/compress/quantize';
import { paramSet } from '../../src/core/param-set';
import { atChanceLevel } from '../../src/cli/adapt-messages';
import { countOf } from '../../src/core/count-words';
import { runCli, startCli, tempDir, waitExit, waitForOutput } from '../support/harness';
import { checkpoint, jsonl } from './adapt-fixtures';
import { pretrain } from '../../src/pretrain/pretrain';
import { importHfBert } from '../../src/hf';
import { writeTinyHfBert } from '../hf/fixtures';

test('metatrain adapt personalizes a checkpoint, chooses its steps on held-out examples and writes the adapted model', async () => {
  const dir = tempDir();
  const ckpt = await checkpoint(dir);
  for (const labels of [['ann', 'bob', 'cy'], ['ann', 'bob', 'cy', 'dee']]) {
    const out = join(dir, `out-${labels.length}`);
    const r = await runCli(['adapt', '--checkpoint', ckpt, '--data', jsonl(dir, `u${labels.length}.jsonl`, labels, 5), '--out', out, '--max-steps', '8']);
    assert.equal(r.code, 0, r.stderr);
    // The fourth label's texts are 27 tokens (CLS included); the model reads 24: adapt says so.
    if (labels.length === 4) assert.match(r.stderr, /warning: 5 of 20 texts are longer than the model reads \(model\.maxLength 24 tokens, CLS included\)/);
    else assert.doesNotMatch(r.stderr, /longer than the model reads/);
    const report = JSON.parse(readFileSync(join(out, 'adapted.json'), 'utf8')) as { labels: string[]; steps: number; heldOutAccuracy: number; curve: number[]; headReset: boolean; heldOutExamples: number };
    assert.deepEqual(report.labels, labels);
    assert.equal(report.curve.length, 9);
    assert.equal(report.heldOutAccuracy, report.curve[report.steps]);
    assert.equal(report.heldOutAccuracy, Math.max(...report.curve), 'the chosen step count has the best held-out accuracy');
    assert.equal(report.heldOutExamples, labels.length);
    assert.equal(report.headReset, labels.length !== 3, 'the head is reset only when the number of labels differs from the ways');
    const model = decodeSafetensors(readFileSync(join(out, 'model.safetensors')), 'adapted');
    assert.deepEqual(model.params.get('head.w')!.shape, architectureOf(parseRunConfig({ name: 'x', task: { family: 'sotu' }, model: { kind: 'transformer', layers: 1, dModel: 8, heads: 2, dFf: 16, maxLength: 24 } }).model, labels.length).spec.get('head.w'));
    assert.match(r.stdout, new RegExp(`${report.steps} steps? chosen, held-out accuracy ${(100 * report.heldOutAccuracy).toFixed(1)}%`));
  }
});

test('metatrain adapt --max-steps 0 uses the meta-initialization as it is (0 steps chosen); a negative count is refused', async () => {
  const dir = tempDir();
  const ckpt = await checkpoint(dir);
  const data = jsonl(dir, 'u.jsonl', ['ann', 'bob', 'cy'], 5);
  const r = await runCli(['adapt', '--checkpoint', ckpt, '--data', data, '--out', join(dir, 'zero'), '--max-steps', '0', '--backend', 'cpu']);
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(readFileSync(join(dir, 'zero', 'adapted.json'), 'utf8')) as { steps: number; curve: number[] };
  assert.equal(report.steps, 0);
  assert.equal(report.curve.length, 1);
  assert.match(r.stdout, /0 steps chosen/);
  // Before: 'fine-tuning on 15 examples for up to 0 steps, the number chosen on held-out ones'.
  assert.match(r.stderr, /^no fine-tuning \(--max-steps 0\): keeping the meta-initialization as it is and measuring its accuracy on held-out ones of the 15 examples \(Ctrl-C stops it, writing nothing\)$/m);
  assert.doesNotMatch(r.stderr, /one example only/);
  // A label with one example cannot be held out: said, not silently left out of choosing the steps.
  const withSingle = join(dir, 'single.jsonl');
  writeFileSync(withSingle, `${readFileSync(data, 'utf8')}{"text": "dee once", "label": "dee"}\n`);
  const single = await runCli(['adapt', '--checkpoint', ckpt, '--data', withSingle, '--out', join(dir, 'single'), '--max-steps', '0', '--backend', 'cpu']);
  assert.equal(single.code, 0, single.stderr);
  assert.match(single.stderr, /^warning: 1 label has one example only, which cannot be held out: "dee" \(line 16\); the held-out accuracy is measured without it \(give at least 2 examples of each label\)$/m);
  const bad = await runCli(['adapt', '--checkpoint', ckpt, '--data', data, '--out', join(dir, 'neg'), '--max-steps', '-1']);
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /--max-steps.*expected an integer 0\.\.10,000 written in digits only, got "-1"/);
});

/** A compressed model directory (model.safetensors only, as `encodeCompressedModel` writes it) of a 3-way text classifier. */
function compressedDir(dir: string): string {
  const config = parseRunConfig({ name: 'c', task: { family: 'sotu', ways: 3 }, model: { kind: 'transformer', layers: 1, dModel: 8, heads: 2, dFf: 16, maxLength: 24 }, algorithm: { name: 'maml', adapt: 'head', innerLr: 0.5 } });
  const params = initMetaParams(config, 3, 9);
  const int8 = ['layer0.ff.w1', 'layer0.ff.w2'];
  const compressed = encodeCompressedModel({
    model: config.model,
    outputs: 3,
    algorithm: { name: 'maml', adapt: 'head', innerLr: 0.5 },
    float: paramSet([...params].filter(([n]) => !int8.includes(n))),
    quantized: new Map(int8.map((n) => [n, quantizePerChannel(params.get(n)!, 1, n)] as const)),
    source: { run: 'c', checkpoint: 'none', step: 0, configHash: 'x' },
  });
  mkdirSync(join(dir, 'compressed'));
  writeFileSync(join(dir, 'compressed', 'model.safetensors'), compressed);
  return join(dir, 'compressed');
}

/** Records model.safetensors' size and sha256 in a compression.json beside it, as a compression job does. */
function writeReport(compressed: string): void {
  const bytes = readFileSync(join(compressed, 'model.safetensors'));
  const files = { 'model.safetensors': { bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') } };
  writeFileSync(join(compressed, 'compression.json'), JSON.stringify({ format: 'metatrain-compression-report', files }));
}

test('metatrain adapt also starts from a compressed model (int8 weights dequantized), on the cpu backend without tfjs banner', async () => {
  const dir = tempDir();
  compressedDir(dir);
  const out = join(dir, 'out');
  const r = await runCli(['adapt', '--checkpoint', join(dir, 'compressed'), '--data', jsonl(dir, 'u.jsonl', ['x', 'y', 'z'], 4), '--out', out, '--max-steps', '4', '--backend', 'cpu']);
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stdout + r.stderr, /TensorFlow\.js in Node\.js|install our node backend/, 'no tfjs banner on the cpu backend');
  const report = JSON.parse(readFileSync(join(out, 'adapted.json'), 'utf8')) as { compressed: boolean; headReset: boolean; curve: number[] };
  assert.equal(report.compressed, true);
  assert.equal(report.headReset, false);
  assert.equal(report.curve.length, 5);
});

test('metatrain adapt refuses bad input and writes nothing', async () => {
  const dir = tempDir();
  const ckpt = await checkpoint(dir);
  const good = jsonl(dir, 'good.jsonl', ['a', 'b', 'c'], 3);
  const bad = join(dir, 'bad.jsonl');
  writeFileSync(bad, '{"text": "fine", "label": "a"}\n{"text": "", "label": "b"}\n');
  const one = jsonl(dir, 'one.jsonl', ['only'], 4);
  const single = jsonl(dir, 'single.jsonl', ['a', 'b', 'c'], 1);
  const mixed = join(dir, 'mixed.jsonl');
  writeFileSync(mixed, `${readFileSync(good, 'utf8')}{"text": "number one", "label": 1}\n{"text": "string one", "label": "1"}\n`);
  const existing = join(dir, 'exists');
  mkdirSync(existing);
  const cases: Array<[string[], RegExp]> = [
    [['--data', bad, '--out', join(dir, 'o1')], /bad\.jsonl:2: .*text/],
    [['--data', one, '--out', join(dir, 'o2')], /one\.jsonl: needs at least 2 different labels, got 1 \(only\)/],
    [['--data', single, '--out', join(dir, 'o6')], /single\.jsonl: needs at least 2 examples of some label to hold one out/],
    [['--data', mixed, '--out', join(dir, 'o5')], /mixed\.jsonl:11: label 1 \(number, line 10\) and "1" \(string, line 11\) would be the same class; use one type/],
    // An empty one too: the result, renamed to the path, would replace it and its permissions.
    [['--data', good, '--out', existing], /exists already exists \(empty, but the result is a new directory renamed to this path: it would replace this one and its permissions/],
    // Before: "already exists" for a file too.
    [['--data', good, '--out', bad], /bad\.jsonl is a file, not a directory; choose a new --out directory/],
    [['--data', join(dir, 'missing.jsonl'), '--out', join(dir, 'o3')], /missing\.jsonl/],
  ];
  for (const [args, message] of cases) {
    const r = await runCli(['adapt', '--checkpoint', ckpt, ...args]);
    assert.equal(r.code, 1, `${args.join(' ')}: ${r.stdout}`);
    assert.match(r.stderr, message);
    // Before: the label checks came after "fine-tuning on N examples …" was announced.
    assert.doesNotMatch(r.stderr, /fine-tuning/, args.join(' '));
  }
  const notCkpt = await runCli(['adapt', '--checkpoint', dir, '--data', good, '--out', join(dir, 'o4')]);
  assert.equal(notCkpt.code, 1);
  assert.match(notCkpt.stderr, /is a run directory, not a checkpoint/);
  for (const o of ['o1', 'o2', 'o3', 'o4', 'o5', 'o6']) assert.equal(existsSync(join(dir, o)), false, `${o} was written`);
});

test('metatrain adapt verifies a compressed model against compression.json and refuses corrupt or non-finite weights, writing nothing', async () => {
  const dir = tempDir();
  const compressed = compressedDir(dir);
  writeReport(compressed);
  const data = jsonl(dir, 'u.jsonl', ['x', 'y', 'z'], 4);
  const adapt = (out: string) => runCli(['adapt', '--checkpoint', compressed, '--data', data, '--out', join(dir, out), '--max-steps', '2', '--backend', 'cpu']);
  const intact = await adapt('ok');
  assert.equal(intact.code, 0, intact.stderr);

  // 36 bytes near the end overwritten with 0xFF: the structure stays valid, the weights become NaN.
  const file = join(compressed, 'model.safetensors');
  const original = readFileSync(file);
  const corrupt = Buffer.from(original);
  corrupt.fill(0xff, corrupt.length - 40, corrupt.length - 4);
  writeFileSync(file, corrupt);
  const flipped = await adapt('o1');
  assert.equal(flipped.code, 1, flipped.stdout);
  assert.match(flipped.stderr, /compressed[/\\]model\.safetensors.*model\.safetensors fails its sha256 check/);
  assert.equal(existsSync(join(dir, 'o1')), false, 'nothing written for a file failing its sha256 check');

  // A shorter file than recorded.
  writeFileSync(file, original.subarray(0, original.length - 10));
  const truncated = await adapt('o2');
  assert.equal(truncated.code, 1, truncated.stdout);
  assert.match(truncated.stderr, /truncated: model\.safetensors holds \d+ bytes, compression\.json says \d+/);
  assert.equal(existsSync(join(dir, 'o2')), false);

  // Without a report to check against, the NaN weights are still refused, naming the tensor.
  writeFileSync(file, corrupt);
  writeFileSync(join(compressed, 'compression.json'), JSON.stringify({ files: {} }));
  const nan = await adapt('o3');
  assert.equal(nan.code, 1, nan.stdout);
  assert.match(nan.stderr, /model\.safetensors: (tensor \S+|int8 weight \S+: scales \(int8\.scales\)) holds a non-finite value \(NaN at index \d+\)/);
  assert.equal(existsSync(join(dir, 'o3')), false);
});

test('metatrain adapt warns at chance level for 3 labels (float32 accuracy 1/3) and says "1 step" in the singular', async () => {
  assert.equal(atChanceLevel(Math.fround(1 / 3), 3), true, 'float32 1/3 = 0.33333334 is chance for 3 labels');
  assert.equal(atChanceLevel(Math.fround(1 / 2), 2), true);
  assert.equal(atChanceLevel(Math.fround(2 / 3), 3), false);
  assert.equal(atChanceLevel(Math.fround(2 / 5), 3), false);
  assert.equal(countOf(1, 'step'), '1 step');
  assert.equal(countOf(0, 'step'), '0 steps');
  assert.equal(countOf(8, 'step'), '8 steps');
  assert.equal(countOf(1, 'wasm worker'), '1 wasm worker', 'metatrain run: "1 wasm worker", not "1 wasm workers"');
  assert.equal(countOf(1, 'has a label', 'have labels'), '1 has a label', 'metatrain predict: not "1 have labels"');
  assert.equal(countOf(2, 'has a label', 'have labels'), '2 have labels');

  // Every example has the same text: the model predicts one label for all held-out examples, 1 of 3 right.
  const dir = tempDir();
  const data = join(dir, 'same.jsonl');
  writeFileSync(data, `${['a', 'b', 'c'].flatMap((label) => Array.from({ length: 5 }, () => JSON.stringify({ text: 'the very same words', label }))).join('\n')}\n`);
  const r = await runCli(['adapt', '--checkpoint', compressedDir(dir), '--data', data, '--out', join(dir, 'out'), '--max-steps', '2', '--backend', 'cpu']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /held-out accuracy 33\.3% on 3 examples/);
  assert.match(r.stderr, /^warning: held-out accuracy 33\.3% is at or below chance level for 3 labels: the adapted model is no better than guessing; the estimate rests on 3 held-out examples only; more examples per label may help$/m);
});

test('metatrain adapt reads a text of 200,000 words at once: it warns and uses its first maxLength tokens (hashed words)', async () => {
  // Before: one text of 50,000 words made adapt take 75 s (the segmenter was quadratic in the length).
  const dir = tempDir();
  const ckpt = await checkpoint(dir, { tokenizer: 'hashed-words', hashBuckets: 64 });
  const data = jsonl(dir, 'u.jsonl', ['ann', 'bob', 'cy'], 4);
  writeFileSync(data, `${readFileSync(data, 'utf8')}${JSON.stringify({ text: 'word '.repeat(200_000), label: 'ann' })}\n`);
  const r = await runCli(['adapt', '--checkpoint', ckpt, '--data', data, '--out', join(dir, 'out'), '--max-steps', '2', '--backend', 'cpu'], {}, 30_000);
  assert.equal(r.signal, null, 'finished within 30 s');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /warning: 1 of 13 texts is longer than the model reads \(model\.maxLength 24 tokens, CLS included\)/);
});

test('adapt and predict refuse a checkpoint of an encoder body only (MLM pretraining, import-hf) and say what to give instead', async () => {
  const dir = tempDir();
  const config = parseRunConfig({
    name: 'pt',
    seed: 3,
    task: { family: 'jsonl', path: 'unused.jsonl' },
    model: { kind: 'transformer', layers: 0, dModel: 8, heads: 2, dFf: 16, maxLength: 12, tokenizer: 'hashed-words', hashBuckets: 64 },
    pretraining: { steps: 2, batchSize: 2, lr: 0.01, checkpointEverySteps: 1 },
    runtime: { outDir: join(dir, 'runs') },
  });
  const pretrained = await pretrain({ config, texts: ['the union of states', 'liberty and law', 'peace and trade'] });
  const imported = await importHfBert(writeTinyHfBert(join(dir, 'hf')), join(dir, 'bert'));
  const data = jsonl(dir, 'u.jsonl', ['a', 'b', 'c'], 3);
  for (const [from, what] of [
    [pretrained.path, /is an MLM pretraining checkpoint \(the encoder body only, for model\.init\)/],
    [dirname(pretrained.path), /is an MLM pretraining checkpoint \(the encoder body only, for model\.init\)/],
    [imported.dir, /is a Hugging Face checkpoint imported by metatrain import-hf \(the encoder body only, for model\.init\)/],
  ] as const) {
    const adapt = await runCli(['adapt', '--checkpoint', from, '--data', data, '--out', join(dir, 'out'), '--backend', 'cpu']);
    assert.equal(adapt.code, 1, adapt.stdout);
    assert.match(adapt.stderr, new RegExp(`--checkpoint ${from} ${what.source}: give a meta-training checkpoint \\(runs/NAME/checkpoints/step-N\\) or a compressed model \\(runs/NAME/compressed\\)`));
    const predict = await runCli(['predict', '--model', from, '--text', 'hello', '--backend', 'cpu']);
    assert.equal(predict.code, 1, predict.stdout);
    assert.match(predict.stderr, new RegExp(`--model ${from} ${what.source}: adapt a meta-training checkpoint`));
    // Before: compress said "was written by another config (hash …)" of a pretraining checkpoint.
    const compress = await runCli(['compress', '--checkpoint', from, '--out', join(dir, 'out'), '--backend', 'cpu']);
    assert.equal(compress.code, 1, compress.stdout);
    assert.match(compress.stderr, new RegExp(`--checkpoint ${from} ${what.source}: give a meta-training checkpoint \\(runs/NAME/checkpoints/step-N\\)`));
  }
  assert.equal(existsSync(join(dir, 'out')), false);
});

test('adapt, compress and predict pointed at a run directory, its checkpoints directory, a directory without a checkpoint or a file say what to give instead', async () => {
  // Before: adapt and compress said only "checkpoint DIR: missing manifest.json" (or "cannot read manifest.json (ENOTDIR)").
  const dir = tempDir();
  const ckpt = await checkpoint(dir);
  const data = jsonl(dir, 'u.jsonl', ['a', 'b', 'c'], 3);
  const store = join(dir, 'checkpoints');
  const empty = join(dir, 'empty');
  mkdirSync(empty);
  const give = 'a meta-training checkpoint \\(runs/NAME/checkpoints/step-N\\)';
  const cases: Array<[string, string]> = [
    [store, `is a directory of checkpoints, not one checkpoint: give one of them, e.g. ${ckpt} \\(the newest\\)`],
    [dir, `is a run directory, not a checkpoint: give one of its checkpoints, e.g. ${ckpt} \\(the newest\\)`],
    [empty, `holds no checkpoint \\(no manifest\\.json\\): give ${give}`],
    [data, `is a file, not a checkpoint directory: give ${give}`],
  ];
  for (const [from, message] of cases) {
    const adapt = await runCli(['adapt', '--checkpoint', from, '--data', data, '--out', join(dir, 'out'), '--backend', 'cpu']);
    assert.equal(adapt.code, 1, adapt.stdout);
    assert.match(adapt.stderr, new RegExp(`^metatrain: --checkpoint ${from} ${message}`));
    const compress = await runCli(['compress', '--checkpoint', from, '--out', join(dir, 'compressed'), '--backend', 'cpu']);
    assert.equal(compress.code, 1, compress.stdout);
    assert.match(compress.stderr, new RegExp(`^metatrain: --checkpoint ${from} ${message}`));
  }
  // best.json chooses the step suggested; predict says to adapt it first.
  writeFileSync(join(store, 'best.json'), `${JSON.stringify({ step: 1, dir: 'step-00000001' })}\n`);
  mkdirSync(join(store, 'step-00000002'));
  const predict = await runCli(['predict', '--model', store, '--text', 'hello', '--backend', 'cpu']);
  assert.equal(predict.code, 1, predict.stdout);
  assert.match(predict.stderr, new RegExp(`--model ${store} is a directory of checkpoints, not one checkpoint, and not an adapted model: adapt one of them, e.g. ${ckpt} \\(the best, per best\\.json\\) with metatrain adapt --checkpoint`));
  const missing = await runCli(['compress', '--checkpoint', join(dir, 'nope'), '--backend', 'cpu']);
  assert.match(missing.stderr, /--checkpoint .*nope does not exist: give a meta-training checkpoint/);
  assert.equal(existsSync(join(dir, 'out')), false);
  assert.equal(existsSync(join(dir, 'compressed')), false);
});

test('compress pointed at a model written by adapt says what it is and gives the checkpoint it was adapted from', async () => {
  // Before: "--checkpoint DIR holds no checkpoint (no manifest.json)", though adapt and predict recognise such a folder.
  const dir = tempDir();
  const ckpt = await checkpoint(dir);
  const adapted = join(dir, 'adapted');
  const adapt = await runCli(['adapt', '--checkpoint', ckpt, '--data', jsonl(dir, 'u.jsonl', ['a', 'b', 'c'], 3), '--out', adapted, '--max-steps', '1', '--backend', 'cpu']);
  assert.equal(adapt.code, 0, adapt.stderr);
  const compress = await runCli(['compress', '--checkpoint', adapted, '--out', join(dir, 'compressed'), '--backend', 'cpu']);
  assert.equal(compress.code, 1, compress.stdout);
  assert.equal(compress.stderr, `metatrain: --checkpoint ${adapted}: it is a model adapted by metatrain adapt (for metatrain predict), not a checkpoint: give the checkpoint it was adapted from, ${ckpt}\n`);
  assert.equal(existsSync(join(dir, 'compressed')), false);
});

test('metatrain adapt under hashed words warns about texts of punctuation only, and refuses data that has nothing else', async () => {
  const dir = tempDir();
  const ckpt = await checkpoint(dir, { tokenizer: 'hashed-words', hashBuckets: 64 });
  const some = join(dir, 'some.jsonl');
  writeFileSync(some, `${readFileSync(jsonl(dir, 'words.jsonl', ['a', 'b'], 3), 'utf8')}{"text": "!!! ???", "label": "a"}\n`);
  const warned = await runCli(['adapt', '--checkpoint', ckpt, '--data', some, '--out', join(dir, 'ok'), '--max-steps', '1']);
  assert.equal(warned.code, 0, warned.stderr);
  assert.match(warned.stderr, /warning: 1 of 7 texts \(line 7\) has no token the hashed-words tokenizer reads \(only punctuation or symbols\); the model sees them all as the same empty text, and they still count for their labels/);
  const none = join(dir, 'none.jsonl');
  writeFileSync(none, ['!!!', '???', '...', '—'].map((text, i) => JSON.stringify({ text, label: i % 2 ? 'a' : 'b' })).join('\n'));
  const refused = await runCli(['adapt', '--checkpoint', ckpt, '--data', none, '--out', join(dir, 'no')]);
  assert.equal(refused.code, 1, refused.stdout);
  assert.match(refused.stderr, /none\.jsonl: 4 of 4 texts \(line 1, line 2, line 3, line 4\) have no token the hashed-words tokenizer reads \(only punctuation or symbols\): nothing to adapt on/);
  assert.equal(existsSync(join(dir, 'no')), false);
});

/** What adapt's stderr ends with when `signal` stopped it before it wrote `out`. */
function interruptedWritingNothing(signal: NodeJS.Signals, out: string): RegExp {
  return new RegExp(`\nadapt interrupted \\(${signal}\\); nothing was written to ${out.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}\n$`);
}

test('adapt stopped by SIGINT or SIGTERM removes what it staged, says nothing was written and exits 130 / 143; a dead process\'s leftovers beside --out go', async () => {
  // Before: it exited silently, leaving .tmp-OUT-PID-2/model.safetensors beside --out on every interruption.
  const dir = tempDir();
  const ckpt = await checkpoint(dir);
  const data = jsonl(dir, 'u4.jsonl', ['ann', 'bob', 'cy', 'dee'], 5);
  const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    const out = join(dir, `ad-${signal}`);
    mkdirSync(join(dir, `.tmp-ad-${signal}-${dead}-2`));
    const child = startCli(['adapt', '--checkpoint', ckpt, '--data', data, '--out', out, '--max-steps', '60', '--backend', 'cpu']);
    try {
      // Printed as the fine-tuning starts, after the dead process's leftovers were removed (once the inputs were
      // checked); the signal is handled before anything is written.
      await waitForOutput(child, (text) => /fine-tuning on \d+ examples/.test(text));
      child.kill(signal);
      const result = await waitExit(child);
      assert.equal(result.code, code, result.stderr);
      assert.match(result.stderr, interruptedWritingNothing(signal, out));
      assert.deepEqual(readdirSync(dir).filter((e) => e.includes(`ad-${signal}`)), [], 'no --out, no staging directory, the dead one removed');
    } finally {
      child.kill('SIGKILL');
    }
  }
});

test('adapt --data - stopped by SIGINT while a producer keeps standard input open exits 130 at once, writing nothing', async () => {
  // Before: standard input was read synchronously, so the signal waited until the producer closed the pipe.
  const dir = tempDir();
  const ckpt = await checkpoint(dir);
  const data = jsonl(dir, 'big.jsonl', ['ann', 'bob', 'cy', 'dee'], 1000);
  const consumed = join(dir, 'consumed');
  const out = join(dir, 'ad');
  // The producer's write returns once adapt has read all but a pipe's buffer (64 KiB) of it: adapt is reading then.
  assert.ok(readFileSync(data).length > 2 * 65536, 'more than a pipe buffer of data');
  const producer = `<(cat ${data}; touch ${consumed}; sleep 20)`;
  const child = startCli(['adapt', '--checkpoint', ckpt, '--data', '-', '--out', out, '--backend', 'cpu', '<', producer], {}, undefined, true);
  try {
    const end = Date.now() + 30_000;
    while (!existsSync(consumed) && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
    assert.ok(existsSync(consumed), 'adapt read standard input');
    child.kill('SIGINT');
    const result = await waitExit(child, 10_000);
    assert.equal(result.code, 130, `exit ${result.code}: ${result.stderr}`);
    assert.match(result.stderr, interruptedWritingNothing('SIGINT', out));
    assert.equal(existsSync(out), false);
  } finally {
    child.kill('SIGKILL');
  }
});

test('adapt stopped by SIGINT during a long fine-tuning exits 130 at once, writing nothing', async () => {
  // Before: the fine-tuning ran without a turn of the event loop, so Ctrl-C was acted on only when it had ended.
  const dir = tempDir();
  const ckpt = await checkpoint(dir);
  // 4,000 examples and up to 10,000 steps: minutes of fine-tuning (about 15 s per 1,000 steps on an idle machine).
  const data = jsonl(dir, 'big.jsonl', ['ann', 'bob', 'cy', 'dee'], 1000);
  const out = join(dir, 'adapted');
  const child = startCli(['adapt', '--checkpoint', ckpt, '--data', data, '--out', out, '--max-steps', '10000', '--backend', 'cpu']);
  try {
    await waitForOutput(child, (text) => text.includes('fine-tuning on 4000 examples for up to 10000 steps'));
    child.kill('SIGINT');
    // The event loop gets a turn every 50 ms of fine-tuning: the exit comes well within this bound, the end of the
    // fine-tuning far beyond it.
    const result = await waitExit(child, 60_000);
    assert.deepEqual({ code: result.code, signal: result.signal }, { code: 130, signal: null }, result.stderr);
    assert.match(result.stderr, interruptedWritingNothing('SIGINT', out));
    assert.equal(result.stdout, '');
    assert.deepEqual(readdirSync(dir).filter((e) => e.includes('adapted')), [], 'no --out, no staging directory');
  } finally {
    child.kill('SIGKILL');
  }
});
