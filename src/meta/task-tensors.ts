/**
 * Tensor lifetimes of one task's computation: the meta-parameters uploaded as tensors and the support and query
 * sets encoded, freed afterwards whatever happens (also when encoding fails on a task that does not fit).
 */
import * as tf from '@tensorflow/tfjs';
import type { ParamSet } from '../core/param-set';
import type { EncodedBatch, Model } from '../model/model';
import { toTensors } from '../model/params-tf';
import type { Task } from '../tasks/task';

/**
 * Runs `fn` with `metaParams` as float32 tensors (same names and shapes) and `task`'s support and query sets
 * encoded by `model`; disposes all of them when `fn` returns or throws. `fn` must not keep them.
 * @throws ShapeError from `model.encode` when the task does not fit the model, or whatever `fn` throws.
 */
export function withTaskTensors<T>(
  model: Model,
  metaParams: ParamSet,
  task: Task,
  fn: (theta: Record<string, tf.Tensor>, support: EncodedBatch, query: EncodedBatch) => T,
): T {
  const held: tf.Tensor[] = [];
  try {
    const theta = toTensors(metaParams);
    held.push(...Object.values(theta));
    const support = model.encode(task.support);
    held.push(support.x, support.y);
    const query = model.encode(task.query);
    held.push(query.x, query.y);
    return fn(theta, support, query);
  } finally {
    tf.dispose(held);
  }
}
