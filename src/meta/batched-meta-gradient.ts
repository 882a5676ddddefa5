/**
 * Task-vectorized meta-gradients: the per-task meta-gradients of T tasks computed as one batch, with the same
 * values as T calls of `computeMetaGradient` (./meta-gradient) up to float32 rounding (test/meta/batched-meta-gradient.test.ts).
 *
 * θ is tiled into a `[T, …]` copy per parameter, the T tasks' sets are stacked `[T, n, …]`, and the unchanged inner
 * loop (./inner-loop) runs on the task-batched model (src/model/task-batched), whose loss is Σₜ Lₜ. Its gradient with
 * respect to the tiled θ has slice t = ∂Lₜ/∂θₜ, so each inner step gives every task its own update, and the outer
 * gradient of Σₜ L_query,ₜ(φₜ(θₜ)) with respect to the tiled θ holds each task's own meta-gradient — exact second order
 * for MAML and Meta-SGD (differentiated through the inner loop, `createGraph: true`), ∇_φ for FOMAML, θ − φ for Reptile,
 * ANIL and Proto-MAML through the same frozen-body and prototype-head paths as one task. When the body runs once per
 * task (text models) and only the head adapts, ./batched-head-gradient takes over: the body is not tiled. The
 * coordinator still gets one meta-gradient per task and aggregates them in task-index order.
 */
import * as tf from '@tensorflow/tfjs';
import { ShapeError, UnsupportedGradientError } from '../core/errors';
import { assertMatchesSpec, type ParamSet } from '../core/param-set';
import type { TensorMap } from '../model/model';
import type { TaskBatchedModel } from '../model/task-batched';
import { splitTasks, tileParams } from '../model/task-stack';
import type { Task } from '../tasks/task';
import { checkAlgorithmSupported } from './algorithm-support';
import { headMetaGradients } from './batched-head-gradient';
import { disposeAdapted, innerLoop, type InnerLr } from './inner-loop';
import type { MetaGradient } from './meta-gradient';
import { adaptableNames, frozenNames, isLrName, lrName, metaParamSpec, type AlgorithmConfig } from './meta-params';
import { perTaskGradients, taskGradientTensors, taskObjective, type TaskObjective } from './task-objective';

/**
 * The meta-gradient of each of `tasks` for `algorithm.name` (as `computeMetaGradient`), computed as one batch on
 * `batched` at the shared meta-parameters `metaParams` (spec `metaParamSpec(batched, algorithm)`). Result i belongs
 * to `tasks[i]`.
 * Example: `computeMetaGradients(taskBatched(model, config.model), theta, specs.map(family.build), config.algorithm)`.
 * @throws UnsupportedGradientError as `computeMetaGradient`; ShapeError when `metaParams` does not match the spec,
 *   `tasks` is empty, or the tasks' sets differ in size (they must stack) or do not fit the model.
 */
export function computeMetaGradients(batched: TaskBatchedModel, metaParams: ParamSet, tasks: readonly Task[], algorithm: AlgorithmConfig): MetaGradient[] {
  checkAlgorithmSupported(batched, algorithm);
  assertMatchesSpec(metaParams, metaParamSpec(batched, algorithm), `meta-parameters for ${algorithm.name}`);
  if (tasks.length === 0) throw new ShapeError('computeMetaGradients: no task given');
  const adaptable = adaptableNames(batched, algorithm.adapt);
  const prototypeHead = algorithm.headInit === 'prototypes';
  const held: tf.Tensor[] = [];
  try {
    const support = batched.encodeTasks(tasks.map((t) => t.support));
    held.push(...support.tensors);
    const query = batched.encodeTasks(tasks.map((t) => t.query));
    held.push(...query.tensors);
    if (batched.bodyPerTask && adaptable.every((n) => batched.headNames.includes(n))) return headMetaGradients(batched, metaParams, support, query, algorithm);
    const theta = tileParams(metaParams, tasks.length);
    held.push(...Object.values(theta));
    const frozen = frozenNames(batched, algorithm.adapt);
    switch (algorithm.name) {
      case 'maml':
      case 'metasgd':
        return readBack(theta, (meta) => {
          const params = Object.fromEntries(Object.entries(meta).filter(([n]) => !isLrName(n)));
          const lr: InnerLr = algorithm.name === 'metasgd' ? Object.fromEntries(adaptable.map((n) => [n, meta[lrName(n)]!])) : algorithm.innerLr;
          const phi = innerLoop(batched, params, support, { steps: algorithm.innerSteps, lr, adaptable, createGraph: true, prototypeHead });
          return taskObjective(batched, batched, phi, query);
        }, [...(prototypeHead ? batched.headNames : []), ...frozen]);
      case 'fomaml': {
        const phi = innerLoop(batched, theta, support, { steps: algorithm.innerSteps, lr: algorithm.innerLr, adaptable, createGraph: false, prototypeHead });
        try {
          return readBack(phi, (p) => taskObjective(batched, batched, p, query), frozen);
        } finally {
          disposeAdapted(phi, theta);
        }
      }
      case 'reptile': {
        const phi = innerLoop(batched, theta, support, { steps: algorithm.innerSteps, lr: algorithm.innerLr, adaptable, createGraph: false });
        try {
          const difference = tf.tidy(() => Object.fromEntries(Object.keys(theta).map((n) => [n, tf.sub(theta[n]!, phi[n]!)])));
          const gradients = splitTasks(difference);
          tf.dispose(difference);
          const [losses, metrics] = tf.tidy(() => {
            const out = taskObjective(batched, batched, phi, query);
            return [out.taskLoss.dataSync(), out.taskMetric.dataSync()];
          });
          return gradients.map((gradient, t) => ({ gradient, queryLoss: losses[t]!, queryMetric: metrics[t]! }));
        } finally {
          disposeAdapted(phi, theta);
        }
      }
      default:
        // A registered algorithm without a batched path: the worker's coalescer runs its tasks one at a time.
        throw new UnsupportedGradientError(`computeMetaGradients: no task-vectorized path for algorithm ${JSON.stringify(algorithm.name)}`);
    }
  } finally {
    tf.dispose(held);
  }
}

/** {@link taskGradientTensors} read back as one meta-gradient per task (zero for the `unused` inputs). */
function readBack(inputs: TensorMap, objective: (params: TensorMap) => TaskObjective, unused: readonly string[]): MetaGradient[] {
  const { grads, losses, metrics } = taskGradientTensors(inputs, objective, unused);
  return perTaskGradients(losses.length, grads, unused, inputs).map((gradient, t) => ({ gradient, queryLoss: losses[t]!, queryMetric: metrics[t]! }));
}
