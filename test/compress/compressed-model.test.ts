import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRunConfig } from '../../src/core/config';
import { CheckpointError } from '../../src/core/errors';
import { paramSet } from '../../src/core/param-set';
import { Rng } from '../../src/core/rng';
import { decodeCompressedModel, dequantizedParams, encodeCompressedModel, type CompressedModel } from '../../src/compress/compressed-model';
import { magnitudeMask } from '../../src/compress/prune';
import { quantizePerChannel } from '../../src/compress/quantize';

function compressedFixture(): CompressedModel {
  const model = parseRunConfig({ name: 'c', task: { family: 'sinusoid' }, model: { kind: 'sinusoid-mlp', hidden: [16] } }).model;
  const rng = new Rng(1);
  const w = Float32Array.from({ length: 16 }, () => rng.normal());
  const mask = magnitudeMask(w, 0.75);
  const pruned = w.map((v, i) => v * mask[i]!);
  return {
    model,
    outputs: 1,
    algorithm: { name: 'fomaml', adapt: 'head', innerLr: 0.01 },
    float: paramSet([
      ['layer0.b', { shape: [16], data: Float32Array.from({ length: 16 }, () => rng.normal()) }],
      ['head.w', { shape: [16, 1], data: Float32Array.from({ length: 16 }, () => rng.normal()) }],
      ['head.b', { shape: [1], data: Float32Array.of(0.5) }],
    ]),
    quantized: new Map([
      ['layer0.w', quantizePerChannel({ shape: [1, 16], data: pruned }, 1)],
      ['extra.w', quantizePerChannel({ shape: [3, 5], data: Float32Array.from({ length: 15 }, () => rng.normal()) }, 1)],
    ]),
    source: { run: 'c', checkpoint: '/ck', step: 7, configHash: 'ab'.repeat(32) },
  };
}

test('a compressed model survives encoding bit for bit, and sparse storage shrinks the pruned int8 tensor', () => {
  const c = compressedFixture();
  const bytes = encodeCompressedModel(c);
  const back = decodeCompressedModel(bytes, 'model.safetensors');
  assert.deepEqual(back.model, c.model);
  assert.deepEqual(back.algorithm, c.algorithm);
  assert.deepEqual(back.source, c.source);
  for (const name of ['layer0.w', 'extra.w']) assert.deepEqual(back.quantized.get(name), c.quantized.get(name), name);
  const a = dequantizedParams(c);
  const b = dequantizedParams(back);
  for (const [name, t] of a) assert.deepEqual(b.get(name)!.data, t.data, name);
  // All int8 weights share three tensors: layer0.w has 4 non-zero codes (75% pruned) and a 2-byte bitmap,
  // extra.w (15 values, none zero) 15 codes and a 2-byte bitmap.
  const header = JSON.parse(bytes.subarray(8, 8 + Number(bytes.readBigUInt64LE(0))).toString()) as Record<string, { dtype: string; shape: number[] }>;
  assert.equal(header['int8.codes']!.dtype, 'I8');
  assert.deepEqual(header['int8.codes']!.shape, [19]);
  assert.deepEqual(header['int8.nonzero']!.shape, [4]);
  assert.deepEqual(header['int8.scales']!.shape, [21]);
});

test('a truncated or foreign file is refused with a CheckpointError naming it', () => {
  const bytes = encodeCompressedModel(compressedFixture());
  assert.throws(() => decodeCompressedModel(bytes.subarray(0, bytes.length - 3), 'x/model.safetensors'), (e: Error) => e instanceof CheckpointError && /x\/model\.safetensors/.test(e.message));
  const foreign = Buffer.from(bytes);
  const text = foreign.toString('latin1').replace('metatrain-compressed-model', 'metatrain-compressed-XXXXX');
  assert.throws(() => decodeCompressedModel(Buffer.from(text, 'latin1'), 'y'), /not a compressed model/);
});

test('decoding refuses NaN or infinite float weights and int8 scales, naming the tensor', () => {
  const c = compressedFixture();
  const nanHead = { ...c, float: paramSet([...c.float].map(([n, t]) => [n, n === 'head.w' ? { shape: t.shape, data: t.data.map((v, i) => (i === 3 ? NaN : v)) } : t] as const)) };
  assert.throws(() => decodeCompressedModel(encodeCompressedModel(nanHead), 'model.safetensors'), (e: Error) => e instanceof CheckpointError && /model\.safetensors: tensor head\.w holds a non-finite value \(NaN at index 3\)/.test(e.message));
  const q = c.quantized.get('extra.w')!;
  const infScale = { ...c, quantized: new Map([...c.quantized, ['extra.w', { ...q, scales: q.scales.map((v, i) => (i === 0 ? Infinity : v)) }]]) };
  assert.throws(() => decodeCompressedModel(encodeCompressedModel(infScale), 'model.safetensors'), (e: Error) => e instanceof CheckpointError && /int8 weight extra\.w: scales \(int8\.scales\) holds a non-finite value \(Infinity at index 0\)/.test(e.message));
});
