/**
 * Running exported models in onnxruntime-node (CPU execution provider): the check that an export is right, and
 * the latency measurement of the benchmark.
 */
import * as ort from 'onnxruntime-node';
import type { ModelConfig } from '../model/architecture';
import { ONNX_IO } from './onnx-export';

/** A loaded ONNX model. */
export interface OnnxModel {
  /**
   * Runs the model on a batch: `input` row-major, `[n, 1]` float32 (MLP) or `[n, L]` int32 token ids
   * (transformer). Resolves with the output, row-major `[n, outputs]`.
   */
  run(input: Float32Array | Int32Array, n: number): Promise<Float32Array>;
  release(): Promise<void>;
}

/**
 * How onnxruntime may rewrite the graph:
 * - `exact`: basic optimizations only (constant folding, redundant-node removal): the graph computes what it
 *   says — int8 weights dequantized to float32, float32 arithmetic — and matches the TypeScript model to float32
 *   rounding;
 * - `full`: every optimization, as a deployment gets by default. onnxruntime then fuses `DequantizeLinear` →
 *   `MatMul` on 3-D activations into integer matmuls with dynamically quantized uint8 activations
 *   (`MatMulIntegerToFloat`), which adds activation-quantization error (about 1e-3 relative on logits).
 */
export type OnnxOptimization = 'exact' | 'full';

/**
 * Loads serialized ONNX bytes for a model of `model.kind`, single-threaded (intra-op 1: comparable timings on a
 * shared machine).
 * @throws Error from onnxruntime when the model is invalid (the message names the node or type at fault).
 */
export async function loadOnnx(bytes: Uint8Array, model: ModelConfig, optimization: OnnxOptimization = 'exact'): Promise<OnnxModel> {
  const session = await ort.InferenceSession.create(bytes, {
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    executionProviders: ['cpu'],
    graphOptimizationLevel: optimization === 'exact' ? 'basic' : 'all',
  });
  if (model.kind === 'bert') throw new Error('ONNX export does not know the bert layout yet (config refuses compression.enabled for bert)');
  const io = ONNX_IO[model.kind];
  return {
    async run(input, n) {
      const dims = [n, input.length / n];
      const tensor = input instanceof Int32Array ? new ort.Tensor('int32', input, dims) : new ort.Tensor('float32', input, dims);
      const out = await session.run({ [io.input]: tensor });
      return Float32Array.from(out[io.output]!.data as Float32Array);
    },
    release: () => session.release(),
  };
}
