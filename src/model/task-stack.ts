/**
 * Crossing between T per-task values and one tensor with a leading task axis: the layout of the task-vectorized
 * inner loop (src/meta/batched-meta-gradient), where task t's parameters, inputs and gradients are slice t of
 * `[T, …]` tensors.
 */
import * as tf from '@tensorflow/tfjs';
import { ShapeError } from '../core/errors';
import { paramSet, type ParamSet } from '../core/param-set';
import type { EncodedBatch, TensorMap } from './model';

/**
 * `tasks` float32 copies of every parameter, stacked: tensor `name` has shape `[tasks, ...shape]` and every slice
 * equals `params.get(name)`. The caller disposes them.
 * @throws RangeError when `tasks` is not a positive integer.
 */
export function tileParams(params: ParamSet, tasks: number): Record<string, tf.Tensor> {
  checkTasks(tasks);
  const out: Record<string, tf.Tensor> = {};
  for (const [name, t] of params) {
    const data = new Float32Array(t.data.length * tasks);
    for (let i = 0; i < tasks; i++) data.set(t.data, i * t.data.length);
    out[name] = tf.tensor(data, [tasks, ...t.shape], 'float32');
  }
  return out;
}

/**
 * `tasks` copies of every tensor of `tensors` stacked on a new leading axis (`[tasks, ...shape]`), made in the
 * current scope (differentiable with respect to `tensors`). The caller owns the results.
 * @throws RangeError when `tasks` is not a positive integer.
 */
export function tileTensors(tensors: TensorMap, tasks: number): Record<string, tf.Tensor> {
  checkTasks(tasks);
  return tf.tidy(() => Object.fromEntries(Object.entries(tensors).map(([n, t]) => [n, tf.tile(tf.expandDims(t, 0), [tasks, ...t.shape.map(() => 1)])])));
}

/**
 * Reads `[T, …]` float32 tensors back as T ParamSets (task t gets slice t of every tensor; one download per name).
 * @throws ShapeError when the tensors disagree on T, or one is not float32 or has no task axis.
 */
export function splitTasks(tensors: TensorMap): ParamSet[] {
  const entries = Object.entries(tensors);
  const tasks = entries[0]?.[1].shape[0] ?? 0;
  const columns = entries.map(([name, t]) => {
    if (t.dtype !== 'float32' || t.rank < 1 || t.shape[0] !== tasks) {
      throw new ShapeError(`tensor ${name}: expected float32 [${tasks}, …] (one slice per task), got ${t.dtype} [${t.shape.join(', ')}]`);
    }
    return { name, shape: t.shape.slice(1), data: t.dataSync() as Float32Array, size: t.size / tasks };
  });
  return Array.from({ length: tasks }, (_, i) => paramSet(columns.map((c) => [c.name, { shape: [...c.shape], data: c.data.slice(i * c.size, (i + 1) * c.size) }] as const)));
}

/**
 * The encoded sets of T tasks as one batch: `x` `[T, n, …]`, `y` `[T, n, …]` (new tensors; the caller disposes
 * them and still owns `batches`).
 * @throws ShapeError when the batches differ in shape or dtype (tasks of one batch must have equal set sizes), or
 *   when there is none.
 */
export function stackBatches(batches: readonly EncodedBatch[]): EncodedBatch {
  const first = batches[0];
  if (!first) throw new ShapeError('stackBatches: no task given');
  batches.forEach((b, t) => {
    for (const key of ['x', 'y'] as const) {
      if (b[key].dtype !== first[key].dtype || !tf.util.arraysEqual(b[key].shape, first[key].shape)) {
        throw new ShapeError(`task ${t}: ${key} is ${b[key].dtype} [${b[key].shape.join(', ')}], task 0 has ${first[key].dtype} [${first[key].shape.join(', ')}]; tasks batched together need sets of equal size`);
      }
    }
  });
  return { x: tf.stack(batches.map((b) => b.x)), y: tf.stack(batches.map((b) => b.y)) };
}

function checkTasks(tasks: number): void {
  if (!Number.isInteger(tasks) || tasks < 1) throw new RangeError(`task count must be a positive integer, got ${tasks}`);
}
