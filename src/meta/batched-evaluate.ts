/**
 * Few-shot evaluation of T tasks as one task-vectorized batch: for each task, the query loss and metric after
 * s = 0..S fine-tuning steps on its support set — the curves of T calls of `evaluateAdaptation` (./evaluate), same
 * start, rates, frozen body and prototype head, computed on the task-batched model (src/model/task-batched) with the
 * start tiled into a `[T, …]` copy per parameter.
 */
import * as tf from '@tensorflow/tfjs';
import { ShapeError } from '../core/errors';
import type { ParamSet } from '../core/param-set';
import type { EncodedBatch, TensorMap } from '../model/model';
import type { TaskBatch, TaskBatchedModel } from '../model/task-batched';
import { tileTensors } from '../model/task-stack';
import type { Task } from '../tasks/task';
import { adaptationStart, disposeStart, type AdaptationStart, type AdaptOptions } from './adapt';
import type { AdaptationCurve } from './evaluate';
import { frozenBodyView, headOnlyModel, type FrozenBodyView } from './frozen-body';
import { disposeAdapted, innerLoop, type InnerLr } from './inner-loop';

/**
 * The adaptation curve of each of `tasks` (result i belongs to `tasks[i]`), fine-tuning from `params` (θ, plus `lr/…`
 * for Meta-SGD) as `evaluateAdaptation` does. Tensor count is unchanged on return.
 * @throws ShapeError as `evaluateAdaptation`, when `tasks` is empty, or when the tasks' sets differ in size;
 *   RangeError when `options.steps` is not a non-negative integer.
 */
export function evaluateAdaptations(batched: TaskBatchedModel, params: ParamSet, tasks: readonly Task[], options: AdaptOptions): AdaptationCurve[] {
  if (!Number.isInteger(options.steps) || options.steps < 0) {
    throw new RangeError(`evaluateAdaptations: steps must be a non-negative integer, got ${options.steps}`);
  }
  if (tasks.length === 0) throw new ShapeError('evaluateAdaptations: no task given');
  const curves: AdaptationCurve[] = tasks.map(() => ({ loss: [], metric: [] }));
  const held: tf.Tensor[] = [];
  let start: AdaptationStart | undefined;
  let tiled: TensorMap = {};
  let current: TensorMap = {};
  try {
    const support = batched.encodeTasks(tasks.map((t) => t.support));
    held.push(...support.tensors);
    const query = batched.encodeTasks(tasks.map((t) => t.query));
    held.push(...query.tensors);
    start = adaptationStart(batched.single, params, options);
    // With the body frozen and run per task (text models), only the head is tiled and the features are computed at the
    // shared body parameters (as ./batched-head-gradient does); otherwise every parameter is tiled.
    const headOnly = batched.bodyPerTask && start.adaptable.every((n) => batched.headNames.includes(n));
    const startParams = start.params;
    tiled = tileTensors(headOnly ? Object.fromEntries(batched.headNames.map((n) => [n, startParams[n]!])) : startParams, tasks.length);
    held.push(...Object.values(tiled));
    const lr: InnerLr = typeof start.lr === 'number' ? start.lr : tileTensors(start.lr, tasks.length);
    if (typeof lr !== 'number') held.push(...Object.values(lr));
    current = tiled;
    const view = headOnly ? headOnlyView(batched, startParams, support, query) : frozenBodyView(batched, tiled, start.adaptable, [support, query]);
    held.push(...view.made);
    const [viewSupport, viewQuery] = view.batches as [EncodedBatch, EncodedBatch];
    if (options.algorithm.headInit === 'prototypes') current = innerLoop(view.model, current, viewSupport, { steps: 0, lr, adaptable: start.adaptable, createGraph: false, prototypeHead: true });
    for (let s = 0; ; s++) {
      const [losses, metrics] = tf.tidy(() => {
        const prediction = view.model.forward(current, viewQuery.x);
        return [batched.taskLoss(prediction, viewQuery.y).dataSync(), batched.taskMetric(prediction, viewQuery.y).dataSync()];
      });
      curves.forEach((c, t) => {
        c.loss.push(losses[t]!);
        c.metric.push(metrics[t]!);
      });
      if (s === options.steps) return curves;
      const next = innerLoop(view.model, current, viewSupport, { steps: 1, lr, adaptable: start.adaptable, createGraph: false });
      disposeAdapted(current, tiled);
      current = next;
    }
  } finally {
    disposeAdapted(current, tiled);
    if (start) disposeStart(start);
    tf.dispose(held);
  }
}

/** The head-only view of `batched` on each task's features of `support` and `query` at the shared `params`. */
function headOnlyView(batched: TaskBatchedModel, params: TensorMap, support: TaskBatch, query: TaskBatch): FrozenBodyView {
  const made = [batched.taskFeatures(params, support.inputs), batched.taskFeatures(params, query.inputs)];
  return { model: headOnlyModel(batched), batches: [{ x: made[0]!, y: support.y }, { x: made[1]!, y: query.y }], made };
}
