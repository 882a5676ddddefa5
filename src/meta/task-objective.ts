/**
 * The batched form of ./objective-gradient for task-vectorized meta-gradients: the gradient of Σₜ Lₜ with respect to
 * `[T, …]` tensors, whose slice t is task t's own gradient, with each task's loss and metric read back beside it.
 */
import * as tf from '@tensorflow/tfjs';
import { paramSet, type ParamSet } from '../core/param-set';
import type { EncodedBatch, Model, TensorMap } from '../model/model';
import type { TaskBatchedModel } from '../model/task-batched';
import { splitTasks } from '../model/task-stack';

/** Per-task losses and metrics `[T]` beside the summed loss that is differentiated. */
export interface TaskObjective {
  readonly loss: tf.Scalar;
  readonly taskLoss: tf.Tensor1D;
  readonly taskMetric: tf.Tensor1D;
}

/** Gradient tensors (the caller disposes them) and each task's loss and metric. */
export interface TaskGradientTensors {
  /** ∂Σₜ Lₜ/∂x for every differentiated input x, `[T, …]`. */
  readonly grads: Record<string, tf.Tensor>;
  readonly losses: Float32Array;
  readonly metrics: Float32Array;
}

/**
 * Each task's loss and metric of `forward` (a task-batched model, or its head-only view) with parameters `params` on
 * the stacked `batch`, scored by `batched`.
 */
export function taskObjective(batched: TaskBatchedModel, forward: Model, params: TensorMap, batch: EncodedBatch): TaskObjective {
  const prediction = forward.forward(params, batch.x);
  const taskLoss = batched.taskLoss(prediction, batch.y);
  return { loss: tf.sum(taskLoss), taskLoss, taskMetric: batched.taskMetric(prediction, batch.y) };
}

/**
 * Evaluates `objective(inputs)` and the gradient of its summed loss with respect to every tensor of `inputs` but
 * those in `unused` (`tf.valueAndGrads`; an inner loop with `createGraph: true` inside is differentiated through).
 * Tensors made inside are freed; `inputs` are not.
 */
export function taskGradientTensors(inputs: TensorMap, objective: (params: TensorMap) => TaskObjective, unused: readonly string[]): TaskGradientTensors {
  const names = Object.keys(inputs).filter((n) => !unused.includes(n)).sort();
  const fixed = Object.fromEntries(unused.map((n) => [n, inputs[n]!]));
  let perTask: tf.Tensor | undefined;
  const { value, grads } = tf.tidy(() =>
    tf.valueAndGrads((...xs: tf.Tensor[]) => {
      const out = objective({ ...fixed, ...Object.fromEntries(names.map((n, i) => [n, xs[i]!])) });
      perTask = tf.keep(tf.stack([out.taskLoss, out.taskMetric]));
      return out.loss;
    })(names.map((n) => inputs[n]!)),
  );
  const values = perTask!.dataSync() as Float32Array;
  const tasks = perTask!.shape[1]!;
  tf.dispose([value, perTask!]);
  return { grads: Object.fromEntries(names.map((n, i) => [n, grads[i]!])), losses: values.slice(0, tasks), metrics: values.slice(tasks) };
}

/**
 * One gradient ParamSet per task (`tasks` = T) from `[T, …]` gradient tensors (disposed here), with zeros of the per-task shape for
 * each name in `zeros` (a `[T, …]` tensor of `shapes`), and the other per-task entries of `extra` added.
 */
export function perTaskGradients(
  tasks: number,
  grads: Record<string, tf.Tensor>,
  zeros: readonly string[],
  shapes: Readonly<Record<string, { readonly shape: readonly number[]; readonly size: number }>>,
  extra: readonly ParamSet[] = [],
): ParamSet[] {
  try {
    const split = Object.keys(grads).length > 0 ? splitTasks(grads) : Array.from({ length: tasks }, () => paramSet([]));
    return split.map((g, t) =>
      paramSet([
        ...g,
        ...(extra[t] ?? []),
        ...zeros.map((n) => [n, { shape: shapes[n]!.shape.slice(1), data: new Float32Array(shapes[n]!.size / shapes[n]!.shape[0]!) }] as const),
      ]),
    );
  } finally {
    tf.dispose(Object.values(grads));
  }
}
