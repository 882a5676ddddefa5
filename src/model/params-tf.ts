/**
 * Crossing between plain `ParamSet`s (core, wire, checkpoints) and tfjs tensors (models, inner loop).
 */
import * as tf from '@tensorflow/tfjs';
import { ShapeError } from '../core/errors';
import { paramSet, type ParamSet } from '../core/param-set';
import type { TensorMap } from './model';

/** One float32 tensor per parameter, same names and shapes. The caller disposes them (`tf.dispose(Object.values(m))`). */
export function toTensors(params: ParamSet): Record<string, tf.Tensor> {
  const out: Record<string, tf.Tensor> = {};
  for (const [name, t] of params) out[name] = tf.tensor(t.data, [...t.shape], 'float32');
  return out;
}

/**
 * Reads tensors back into a ParamSet (synchronous download; copies the data).
 * @throws ShapeError when a tensor is not float32.
 */
export function fromTensors(tensors: TensorMap): ParamSet {
  return paramSet(
    Object.entries(tensors).map(([name, t]) => {
      if (t.dtype !== 'float32') throw new ShapeError(`tensor ${name}: expected dtype float32, got ${t.dtype}`);
      return [name, { shape: [...t.shape], data: Float32Array.from(t.dataSync() as Float32Array) }] as const;
    }),
  );
}

/**
 * The tensor named `name` in `params`.
 * @throws ShapeError naming the missing parameter.
 */
export function param<R extends tf.Rank = tf.Rank>(params: TensorMap, name: string): tf.Tensor<R> {
  const t = params[name];
  if (!t) throw new ShapeError(`missing parameter tensor ${name}`);
  return t as tf.Tensor<R>;
}
