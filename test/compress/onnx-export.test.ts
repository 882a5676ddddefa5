import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { parseRunConfig } from '../../src/core/config';
import { Rng } from '../../src/core/rng';
import type { ParamSet } from '../../src/core/param-set';
import { initParams, type ModelConfig } from '../../src/model/architecture';
import { initBackend } from '../../src/model/backend';
import { createModel } from '../../src/model/create-model';
import { toTensors } from '../../src/model/params-tf';
import { encodeTexts } from '../../src/model/tokenizer';
import { exportOnnx } from '../../src/compress/onnx-export';
import { loadOnnx } from '../../src/compress/onnx-run';
import { dequantize, quantizePerChannel } from '../../src/compress/quantize';
import type { ExportWeight } from '../../src/compress/onnx-graph';
import { onnx } from 'onnx-proto';

/** Largest |onnx − ts| allowed, relative to max(1, max |ts|): float32 sums in another order. */
const TOLERANCE = 1e-4;
/**
 * The same with onnxruntime's full optimizations, which run the int8 matmuls on dynamically quantized uint8
 * activations (onnx-run.ts): measured about 5e-3 on this model.
 */
const FULL_OPTIMIZATION_TOLERANCE = 3e-2;

before(async () => {
  await initBackend('cpu');
});

function tsForward(model: ModelConfig, outputs: number, params: ParamSet, x: tf.Tensor): Float32Array {
  const m = createModel(model, outputs);
  const tensors = toTensors(params);
  try {
    return tf.tidy(() => m.forward(tensors, x).dataSync() as Float32Array).slice();
  } finally {
    tf.dispose(Object.values(tensors));
  }
}

/** Int8 weights for every 2-D tensor except the head, one scale per output column. */
function int8Weights(params: ParamSet): { weights: Map<string, ExportWeight>; dequantized: ParamSet } {
  const weights = new Map<string, ExportWeight>();
  const dequantized = new Map(params);
  for (const [name, t] of params) {
    if (t.shape.length === 2 && !name.startsWith('head.')) {
      const q = quantizePerChannel(t, 1, name);
      weights.set(name, { kind: 'int8', tensor: q });
      dequantized.set(name, dequantize(q));
    } else weights.set(name, { kind: 'float', tensor: t });
  }
  return { weights, dequantized };
}

function maxRelDiff(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  const scale = Math.max(1, ...Array.from(b, Math.abs));
  return Math.max(...Array.from(a, (v, i) => Math.abs(v - b[i]!))) / scale;
}

function randomTexts(rng: Rng, n: number): string[] {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz ,.é€';
  return Array.from({ length: n }, () => Array.from({ length: rng.int(40) }, () => alphabet[rng.int(alphabet.length)]).join(''));
}

const transformer: ModelConfig = parseRunConfig({
  name: 't',
  task: { family: 'sotu' },
  model: { kind: 'transformer', layers: 2, dModel: 16, heads: 2, dFf: 24, maxLength: 24 },
}).model;

test('the transformer exported to ONNX (float and int8 weights) matches the TypeScript model on random texts, padding included', async () => {
  const params = initParams(transformer, 5, 11);
  const rng = new Rng(5);
  const texts = randomTexts(rng, 9); // lengths 0..39: some shorter than maxLength (padded), some truncated
  const ids = encodeTexts(texts, transformer.maxLength);
  const x = tf.tensor2d(ids, [texts.length, transformer.maxLength], 'int32');
  const floatWeights = new Map<string, ExportWeight>([...params].map(([n, t]) => [n, { kind: 'float', tensor: t }]));
  const { weights, dequantized } = int8Weights(params);
  for (const [w, p] of [[floatWeights, params], [weights, dequantized]] as const) {
    const onnx = await loadOnnx(exportOnnx(transformer, 5, w), transformer);
    const out = await onnx.run(ids, texts.length);
    await onnx.release();
    const expected = tsForward(transformer, 5, p, x);
    assert.ok(maxRelDiff(out, expected) < TOLERANCE, `${w === floatWeights ? 'float' : 'int8'}: max relative difference ${maxRelDiff(out, expected)}`);
  }
  const full = await loadOnnx(exportOnnx(transformer, 5, weights), transformer, 'full');
  const fullOut = await full.run(ids, texts.length);
  await full.release();
  const fullDiff = maxRelDiff(fullOut, tsForward(transformer, 5, dequantized, x));
  assert.ok(fullDiff < FULL_OPTIMIZATION_TOLERANCE, `full optimization: max relative difference ${fullDiff}`);
  // Shorter inputs than maxLength are accepted too (positions sliced to L).
  const short = encodeTexts(texts, 10);
  const onnx = await loadOnnx(exportOnnx(transformer, 5, weights), transformer);
  const out = await onnx.run(short, texts.length);
  await onnx.release();
  const expected = tsForward(transformer, 5, dequantized, tf.tensor2d(short, [texts.length, 10], 'int32'));
  assert.ok(maxRelDiff(out, expected) < TOLERANCE);
  x.dispose();
});

test('the sinusoid MLP exported with int8 weights matches the TypeScript model on random inputs', async () => {
  const mlp = parseRunConfig({ name: 'm', task: { family: 'sinusoid' }, model: { kind: 'sinusoid-mlp', hidden: [40, 40] } }).model;
  const params = initParams(mlp, 1, 3);
  const { weights, dequantized } = int8Weights(params);
  const rng = new Rng(9);
  const xs = Float32Array.from({ length: 64 }, () => rng.uniform(-5, 5));
  const onnx = await loadOnnx(exportOnnx(mlp, 1, weights), mlp);
  const out = await onnx.run(xs, 64);
  await onnx.release();
  const x = tf.tensor2d(xs, [64, 1]);
  const expected = tsForward(mlp, 1, dequantized, x);
  x.dispose();
  assert.ok(maxRelDiff(out, expected) < TOLERANCE, `max relative difference ${maxRelDiff(out, expected)}`);
});

test('the int8 export stores every quantized weight as an int8 initializer behind a per-column DequantizeLinear', () => {
  const params = initParams(transformer, 5, 1);
  const { weights } = int8Weights(params);
  const model = onnx.ModelProto.decode(exportOnnx(transformer, 5, weights));
  const graph = model.graph!;
  const inits = new Map(graph.initializer!.map((t) => [t.name!, t]));
  for (const [name, w] of weights) {
    if (w.kind === 'float') {
      assert.equal(inits.get(name)?.dataType, onnx.TensorProto.DataType.FLOAT, name);
      continue;
    }
    assert.equal(inits.get(`${name}.int8`)?.dataType, onnx.TensorProto.DataType.INT8, name);
    assert.equal(inits.get(`${name}.int8`)?.rawData?.length, w.tensor.values.length);
    assert.deepEqual(inits.get(`${name}.scales`)?.dims?.map(Number), [w.tensor.shape[1]]);
    const dq = graph.node!.find((n) => n.opType === 'DequantizeLinear' && n.input![0] === `${name}.int8`);
    assert.equal(Number(dq?.attribute?.find((a) => a.name === 'axis')?.i), 1, name);
  }
  assert.equal(Number(model.opsetImport![0]!.version), 17);
  // Every node is named (an onnxruntime error then points at one), uniquely.
  const names = graph.node!.map((n) => n.name ?? '');
  assert.ok(names.every((n) => n.length > 0), 'a node has no name');
  assert.equal(new Set(names).size, names.length, 'node names repeat');
});

test('every initializer and node output of the exported graph is used, for 0, 1 and 2 attention layers', () => {
  for (const layers of [0, 1, 2]) {
    const model: ModelConfig = { ...transformer, layers };
    const params = initParams(model, 5, 2);
    const weights = new Map<string, ExportWeight>([...params].map(([n, t]) => [n, { kind: 'float', tensor: t }]));
    const graph = onnx.ModelProto.decode(exportOnnx(model, 5, weights)).graph!;
    const consumed = new Set(graph.node!.flatMap((n) => n.input!));
    const outputs = new Set(graph.output!.map((o) => o.name!));
    // onnxruntime warns "Removing initializer …" for each unused one (it did for the 0-layer quickstart model).
    const unused = [...graph.initializer!.map((t) => t.name!), ...graph.node!.flatMap((n) => n.output!)].filter((v) => !consumed.has(v) && !outputs.has(v));
    assert.deepEqual(unused, [], `${layers} layers: unused values`);
  }
});
