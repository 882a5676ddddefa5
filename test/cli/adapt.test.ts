import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseRunConfig } from '../../src/core/config';
import { specOf, zerosFromSpec } from '../../src/core/param-set';
import { decodeSafetensors } from '../../src/core/safetensors';
import { CheckpointStore } from '../../src/coordinator/checkpoint-store';
import { initMetaParams } from '../../src/meta/meta-params';
import { architectureOf } from '../../src/model/architecture';
import { encodeCompressedModel } from '../../src/compress/compressed-model';
import { quantizePerChannel } from '../../src/compress/quantize';
import { paramSet } from '../../src/core/param-set';
import { runCli, tempDir } from '../support/harness';

/** A small transformer checkpoint as `metatrain run` writes it (params from the seeded init, config recorded). */
async function checkpoint(dir: string): Promise<string> {
  const config = parseRunConfig({
    name: 'adapt-test',
    seed: 1,
    task: { family: 'sotu', ways: 3, shots: 2, queryShots: 2 },
    model: { kind: 'transformer', layers: 1, dModel: 8, heads: 2, dFf: 16, maxLength: 24 },
    algorithm: { name: 'maml', adapt: 'head', innerLr: 0.5 },
  });
  const params = initMetaParams(config, 3, 5);
  const zeros = zerosFromSpec(specOf(params));
  const saved = await new CheckpointStore(join(dir, 'checkpoints'), { keep: 1 }).save({
    step: 1,
    params,
    optimizer: { step: 1, m: zeros, v: zeros },
    configHash: 'test',
    rng: {},
    metrics: {},
    extra: { config },
  });
  return saved.path;
}

function jsonl(dir: string, name: string, labels: string[], perLabel: number): string {
  const lines = labels.flatMap((label, c) => Array.from({ length: perLabel }, (_, i) => JSON.stringify({ text: `${label} says ${'ab'.repeat(c + 1)} number ${i}`, label })));
  const path = join(dir, name);
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

test('metatrain adapt personalizes a checkpoint, chooses its steps on held-out examples and writes the adapted model', async () => {
  const dir = tempDir();
  const ckpt = await checkpoint(dir);
  for (const labels of [['ann', 'bob', 'cy'], ['ann', 'bob', 'cy', 'dee']]) {
    const out = join(dir, `out-${labels.length}`);
    const r = await runCli(['adapt', '--checkpoint', ckpt, '--data', jsonl(dir, `u${labels.length}.jsonl`, labels, 5), '--out', out, '--max-steps', '8']);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(readFileSync(join(out, 'adapted.json'), 'utf8')) as { labels: string[]; steps: number; heldOutAccuracy: number; curve: number[]; headReset: boolean; heldOutExamples: number };
    assert.deepEqual(report.labels, labels);
    assert.equal(report.curve.length, 9);
    assert.equal(report.heldOutAccuracy, report.curve[report.steps]);
    assert.equal(report.heldOutAccuracy, Math.max(...report.curve), 'the chosen step count has the best held-out accuracy');
    assert.equal(report.heldOutExamples, labels.length);
    assert.equal(report.headReset, labels.length !== 3, 'the head is reset only when the number of labels differs from the ways');
    const model = decodeSafetensors(readFileSync(join(out, 'model.safetensors')), 'adapted');
    assert.deepEqual(model.params.get('head.w')!.shape, architectureOf(parseRunConfig({ name: 'x', task: { family: 'sotu' }, model: { kind: 'transformer', layers: 1, dModel: 8, heads: 2, dFf: 16, maxLength: 24 } }).model, labels.length).spec.get('head.w'));
    assert.match(r.stdout, new RegExp(`${report.steps} steps chosen, held-out accuracy ${(100 * report.heldOutAccuracy).toFixed(1)}%`));
  }
});

test('metatrain adapt also starts from a compressed model (int8 weights dequantized), on the cpu backend without tfjs banner', async () => {
  const dir = tempDir();
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
  const mixed = join(dir, 'mixed.jsonl');
  writeFileSync(mixed, `${readFileSync(good, 'utf8')}{"text": "number one", "label": 1}\n{"text": "string one", "label": "1"}\n`);
  const existing = join(dir, 'exists');
  mkdirSync(existing);
  const cases: Array<[string[], RegExp]> = [
    [['--data', bad, '--out', join(dir, 'o1')], /bad\.jsonl:2: .*text/],
    [['--data', one, '--out', join(dir, 'o2')], /at least 2 different labels/],
    [['--data', mixed, '--out', join(dir, 'o5')], /mixed\.jsonl:11: label 1 \(number, line 10\) and "1" \(string, line 11\) would be the same class; use one type/],
    [['--data', good, '--out', existing], /already exists/],
    [['--data', join(dir, 'missing.jsonl'), '--out', join(dir, 'o3')], /missing\.jsonl/],
  ];
  for (const [args, message] of cases) {
    const r = await runCli(['adapt', '--checkpoint', ckpt, ...args]);
    assert.equal(r.code, 1, `${args.join(' ')}: ${r.stdout}`);
    assert.match(r.stderr, message);
  }
  const notCkpt = await runCli(['adapt', '--checkpoint', dir, '--data', good, '--out', join(dir, 'o4')]);
  assert.equal(notCkpt.code, 1);
  assert.match(notCkpt.stderr, /manifest\.json/);
  for (const o of ['o1', 'o2', 'o3', 'o4', 'o5']) assert.equal(existsSync(join(dir, o)), false, `${o} was written`);
});
