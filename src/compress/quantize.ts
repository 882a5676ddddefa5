/**
 * Symmetric per-output-channel int8 weight quantization (the weight scheme of Jacob et al. 2018 / Krishnamoorthi
 * 2018 §3, as ONNX `DequantizeLinear` with per-axis scales and zero point 0 expresses it):
 * for each channel c along `axis`, scale_c = max|w_c| / 127 and q = clamp(round(w / scale_c), −127, 127), so
 * w ≈ q · scale_c with |w − q · scale_c| ≤ scale_c / 2 (half a quantization step). −128 is never used (the range
 * stays symmetric). A channel of zeros gets scale 1 and all-zero codes.
 */
import { ShapeError } from '../core/errors';
import type { NamedTensor } from '../core/param-set';

/** An int8 tensor with one float32 scale per channel; zero point 0. */
export interface QuantizedTensor {
  /** Shape `[rows, cols]` of the original tensor. */
  readonly shape: readonly [number, number];
  /** Channel axis: 1 = one scale per column (output channel of `x · W`), 0 = one per row (embedding tables). */
  readonly axis: 0 | 1;
  /** Codes in [−127, 127], row-major, `rows · cols` of them. */
  readonly values: Int8Array;
  /** Scale per channel: `shape[axis]` of them, all > 0. */
  readonly scales: Float32Array;
}

/** Largest int8 code used (symmetric range). */
export const INT8_MAX = 127;

/**
 * Quantizes a 2-D float tensor per channel along `axis`.
 * @throws ShapeError when `t` is not 2-D, or holds NaN/±Inf (the name in `what` is in the message).
 */
export function quantizePerChannel(t: NamedTensor, axis: 0 | 1, what = 'tensor'): QuantizedTensor {
  if (t.shape.length !== 2) throw new ShapeError(`quantize ${what}: needs a 2-D tensor, got shape [${t.shape.join(', ')}]`);
  const [rows, cols] = t.shape as [number, number];
  const channels = axis === 1 ? cols : rows;
  const channelOf = axis === 1 ? (i: number) => i % cols : (i: number) => Math.floor(i / cols);
  const maxAbs = new Float64Array(channels);
  for (let i = 0; i < t.data.length; i++) {
    const v = t.data[i]!;
    if (!Number.isFinite(v)) throw new ShapeError(`quantize ${what}: value ${v} at index ${i} is not finite`);
    const c = channelOf(i);
    if (Math.abs(v) > maxAbs[c]!) maxAbs[c] = Math.abs(v);
  }
  const scales = new Float32Array(channels);
  for (let c = 0; c < channels; c++) scales[c] = maxAbs[c]! > 0 ? maxAbs[c]! / INT8_MAX : 1;
  const values = new Int8Array(t.data.length);
  for (let i = 0; i < t.data.length; i++) {
    const q = Math.round(t.data[i]! / scales[channelOf(i)]!);
    values[i] = Math.max(-INT8_MAX, Math.min(INT8_MAX, q));
  }
  return { shape: [rows, cols], axis, values, scales };
}

/** The float32 tensor a quantized one stands for: w = q · scale (what `DequantizeLinear` computes). */
export function dequantize(q: QuantizedTensor): NamedTensor {
  const [rows, cols] = q.shape;
  const data = new Float32Array(rows * cols);
  for (let i = 0; i < data.length; i++) {
    const c = q.axis === 1 ? i % cols : Math.floor(i / cols);
    data[i] = q.values[i]! * q.scales[c]!;
  }
  return { shape: [rows, cols], data };
}
