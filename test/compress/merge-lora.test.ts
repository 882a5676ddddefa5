import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { parseRunConfig } from '../../src/core/config';
import { paramSet } from '../../src/core/param-set';
import { Rng } from '../../src/core/rng';
import { initBackend } from '../../src/model/backend';
import { createModel } from '../../src/model/create-model';
import { toTensors } from '../../src/model/params-tf';
import { initMetaParams } from '../../src/meta/meta-params';
import { compressJob } from '../../src/compress/compress-job';
import type { CompressionReport } from '../../src/compress/compression-report';
import { loadCompressedModel } from '../../src/compress/compressed-model';
import { mergeLora } from '../../src/compress/merge-lora';
import { textRun, writeTeacherCheckpoint } from './fixtures';

before(async () => {
  await initBackend('wasm');
});

const lora = (name: 'fomaml' | 'metasgd') => ({ model: { kind: 'transformer', layers: 2, dModel: 16, heads: 2, dFf: 24, maxLength: 32, loraRank: 4, loraAlpha: 8 }, algorithm: { name, adapt: 'lora', innerSteps: 1, innerLr: 0.05 } }) as const;

test('mergeLora: the merged plain model computes what the LoRA model computes; adapters and their Meta-SGD rates are gone', () => {
  const config = parseRunConfig({ name: 'm', task: { family: 'jsonl', path: 'x.jsonl' }, ...lora('metasgd') });
  const rng = new Rng(8);
  // Non-zero B, so that the merge has something to add.
  const params = paramSet([...initMetaParams(config, 3, 1)].map(([n, t]) => [n, n.endsWith('.lora_b') ? { shape: t.shape, data: Float32Array.from(t.data, () => rng.normal() * 0.3) } : t] as const));
  const merged = mergeLora(params, config.model, config.algorithm);
  assert.equal(merged.model.loraRank, 0);
  assert.equal(merged.algorithm.adapt, 'head');
  assert.ok(![...merged.params.keys()].some((n) => n.includes('lora')), 'an adapter survived the merge');
  assert.ok(merged.params.has('lr/head.w'));
  const texts = { kind: 'text' as const, texts: ['the union is strong', 'we the people', 'four score and seven years'], labels: Int32Array.from([0, 1, 2]) };
  const run = (model: typeof config.model, p: typeof params) => {
    const m = createModel(model, 3);
    return tf.tidy(() => Array.from(m.forward(toTensors(p), m.encode(texts).x).dataSync()));
  };
  const before = run(config.model, params);
  const after = run(merged.model, merged.params);
  const worst = Math.max(...before.map((v, i) => Math.abs(v - after[i]!)));
  assert.ok(worst < 1e-4, `logits differ by ${worst}`);
  const unadapted = run({ ...config.model, loraRank: 0 }, paramSet([...params].filter(([n]) => !n.includes('lora'))));
  assert.ok(Math.max(...before.map((v, i) => Math.abs(v - unadapted[i]!))) > 1e-3, 'the adapters changed nothing: the test would not see a bad merge');
});

test('a LoRA run compresses: the student has no adapters, adapts its head, and its ONNX export agrees with TypeScript', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'metatrain-lora-compress-'));
  const base = textRun(dir);
  const config = parseRunConfig({ ...base, ...lora('fomaml') });
  const checkpoint = await writeTeacherCheckpoint(config);
  const outDir = join(dir, 'run', 'compressed');
  const report = JSON.parse(readFileSync(await compressJob({ jobId: 'job-lora', run: config.name, checkpoint, config, outDir }), 'utf8')) as CompressionReport;
  assert.equal(report.student.model.loraRank, 0);
  assert.ok(report.onnx.agreement.exact <= report.onnx.tolerance);
  const compressed = await loadCompressedModel(outDir);
  assert.equal(compressed.algorithm.adapt, 'head');
  assert.ok(![...compressed.float.keys(), ...compressed.quantized.keys()].some((n) => n.includes('lora')));
});
