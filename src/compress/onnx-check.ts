/**
 * The check every compression job runs on its export: the ONNX model, loaded in onnxruntime-node, against the
 * TypeScript model with the same (dequantized) parameters, on seeded random inputs — token ids of random lengths
 * (padding included), drawn from the model's own tokenizer's id range, for the transformer; x ∈ U[−5, 5] for the MLP.
 */
import * as tf from '@tensorflow/tfjs';
import { CompressionError } from '../core/errors';
import type { ParamSet } from '../core/param-set';
import { Rng } from '../core/rng';
import type { ModelConfig } from '../model/architecture';
import { createModel } from '../model/create-model';
import { textTokenizerFor } from '../model/text-tokenizer';
import { CLS_ID, FIRST_ORDINARY_ID, PAD_ID } from '../model/vocab';
import { loadOnnx, type OnnxOptimization } from './onnx-run';

/**
 * Largest |ONNX − TypeScript| accepted, relative to max(1, max |TypeScript output|), with the graph run as
 * written (`exact`): float32 arithmetic in another order. A larger difference means a wrong export.
 */
export const ONNX_EXACT_TOLERANCE = 1e-4;
/** Random inputs per check. */
export const ONNX_CHECK_INPUTS = 16;

/** Largest relative differences found, per onnxruntime optimization level. */
export type OnnxAgreement = Record<OnnxOptimization, number>;

/**
 * Seeded random model inputs: `[n, 1]` floats for the MLP, or `[n, maxLength]` token ids: CLS, then ordinary ids
 * uniform in [FIRST_ORDINARY_ID, vocabSize) of the model's tokenizer (`textTokenizerFor(model).vocabSize`: 258
 * bytes, `hashBuckets`, or the hf `vocabSize`), then PAD.
 */
export function randomInputs(model: ModelConfig, n: number, seed: number): Int32Array | Float32Array {
  const rng = new Rng(seed);
  if (model.kind === 'sinusoid-mlp') return Float32Array.from({ length: n }, () => rng.uniform(-5, 5));
  const ordinary = textTokenizerFor(model).vocabSize - FIRST_ORDINARY_ID;
  const ids = new Int32Array(n * model.maxLength).fill(PAD_ID);
  for (let r = 0; r < n; r++) {
    const length = 1 + rng.int(model.maxLength);
    ids[r * model.maxLength] = CLS_ID;
    for (let i = 1; i < length; i++) ids[r * model.maxLength + i] = FIRST_ORDINARY_ID + rng.int(ordinary);
  }
  return ids;
}

/** TypeScript model outputs `[n, outputs]` for inputs from {@link randomInputs}. */
export function typescriptOutputs(model: ModelConfig, outputs: number, params: ParamSet, input: Int32Array | Float32Array, n: number): Float32Array {
  const m = createModel(model, outputs);
  return tf.tidy(() => {
    const tensors = Object.fromEntries([...params].filter(([name]) => m.spec.has(name)).map(([name, t]) => [name, tf.tensor(t.data, [...t.shape])]));
    const x = input instanceof Int32Array ? tf.tensor2d(input, [n, input.length / n], 'int32') : tf.tensor2d(input, [n, 1]);
    return m.forward(tensors, x).dataSync() as Float32Array;
  }).slice();
}

/**
 * Runs `onnxBytes` at both optimization levels and compares with the TypeScript model on `ONNX_CHECK_INPUTS`
 * random inputs.
 * @throws CompressionError when the `exact` difference exceeds {@link ONNX_EXACT_TOLERANCE} (the export is wrong).
 */
export async function checkOnnx(onnxBytes: Uint8Array, model: ModelConfig, outputs: number, params: ParamSet, seed: number): Promise<OnnxAgreement> {
  const input = randomInputs(model, ONNX_CHECK_INPUTS, seed);
  const expected = typescriptOutputs(model, outputs, params, input, ONNX_CHECK_INPUTS);
  const scale = Math.max(1, ...Array.from(expected, Math.abs));
  const result = {} as OnnxAgreement;
  for (const level of ['exact', 'full'] as const) {
    const session = await loadOnnx(onnxBytes, model, level);
    try {
      const out = await session.run(input, ONNX_CHECK_INPUTS);
      result[level] = Math.max(...Array.from(out, (v, i) => Math.abs(v - expected[i]!))) / scale;
    } finally {
      await session.release();
    }
  }
  if (!(result.exact <= ONNX_EXACT_TOLERANCE)) {
    throw new CompressionError(`ONNX export disagrees with the TypeScript model: relative difference ${result.exact} > ${ONNX_EXACT_TOLERANCE}`);
  }
  return result;
}
