/**
 * Task-vectorized meta-gradients when only the head adapts (ANIL, Proto-MAML: `adapt: head`) and the body runs once
 * per task (the text models, src/model/task-batched `bodyPerTask`). The body is not tiled: each task's support and
 * query features are computed at the shared θ_body, the head's inner loop and the outer (second-order) gradient run
 * batched on the `[T, n, f]` features with a tiled head, and each task's body gradient is the backward pass of its
 * own features with the cotangents that gradient gives them: ∂Lₜ/∂θ_body = (∂Fₜ/∂θ_body)ᵀ · ∂Lₜ/∂Fₜ, exact since
 * the body reaches the meta-objective only through the features Fₜ (src/meta/algorithm-support: a head-only inner
 * loop differentiates the body first order only). The body's cost is then that of the sequential path; what is
 * batched is everything after it — the many tiny ops of the head's inner loop and their second-order backward.
 */
import * as tf from '@tensorflow/tfjs';
import { paramSet, type ParamSet } from '../core/param-set';
import { toTensors } from '../model/params-tf';
import type { TaskBatch, TaskBatchedModel } from '../model/task-batched';
import { tileTensors } from '../model/task-stack';
import { headOnlyModel } from './frozen-body';
import { disposeAdapted, innerLoop, type InnerLr } from './inner-loop';
import type { MetaGradient } from './meta-gradient';
import { isLrName, lrName, type AlgorithmConfig } from './meta-params';
import { perTaskGradients, taskGradientTensors, taskObjective } from './task-objective';

/** Names of the feature inputs differentiated beside the head (not parameter names: they contain a space). */
const SUPPORT_FEATURES = 'support features';
const QUERY_FEATURES = 'query features';

/**
 * The meta-gradients of the tasks of `support`/`query` (stacked by `batched.encodeTasks`) with every adaptable
 * parameter in the head, as `computeMetaGradients` documents; the caller has checked the algorithm and spec.
 */
export function headMetaGradients(batched: TaskBatchedModel, metaParams: ParamSet, support: TaskBatch, query: TaskBatch, algorithm: AlgorithmConfig): MetaGradient[] {
  const tasks = support.inputs.length;
  const head = headOnlyModel(batched);
  const adaptable = [...batched.headNames].sort();
  const prototypeHead = algorithm.headInit === 'prototypes';
  const theta = toTensors(metaParams);
  const body = Object.keys(theta).filter((n) => !isLrName(n) && !batched.headNames.includes(n)).sort();
  const tiledNames = Object.keys(theta).filter((n) => !body.includes(n));
  const held: tf.Tensor[] = [...Object.values(theta)];
  try {
    const tiled = tileTensors(Object.fromEntries(tiledNames.map((n) => [n, theta[n]!])), tasks);
    held.push(...Object.values(tiled));
    const supportFeatures = batched.taskFeatures(theta, support.inputs);
    const queryFeatures = batched.taskFeatures(theta, query.inputs);
    held.push(supportFeatures, queryFeatures);
    const headParams = (m: Record<string, tf.Tensor>) => Object.fromEntries(batched.headNames.map((n) => [n, m[n]!]));
    if (algorithm.name === 'reptile') {
      const phi = innerLoop(head, tiled, { x: supportFeatures, y: support.y }, { steps: algorithm.innerSteps, lr: algorithm.innerLr, adaptable, createGraph: false });
      try {
        const difference = tf.tidy(() => Object.fromEntries(adaptable.map((n) => [n, tf.sub(tiled[n]!, phi[n]!)])));
        const [losses, metrics] = tf.tidy(() => {
          const out = taskObjective(batched, head, phi, { x: queryFeatures, y: query.y });
          return [out.taskLoss.dataSync(), out.taskMetric.dataSync()];
        });
        return perTaskGradients(tasks, difference, body, tiledShapes(theta, body, tasks)).map((gradient, t) => ({ gradient, queryLoss: losses[t]!, queryMetric: metrics[t]! }));
      } finally {
        disposeAdapted(phi, tiled);
      }
    }
    let result;
    if (algorithm.name === 'fomaml') {
      const phi = innerLoop(head, tiled, { x: supportFeatures, y: support.y }, { steps: algorithm.innerSteps, lr: algorithm.innerLr, adaptable, createGraph: false, prototypeHead });
      try {
        result = taskGradientTensors({ ...headParams(phi), [QUERY_FEATURES]: queryFeatures }, (m) => taskObjective(batched, head, headParams(m), { x: m[QUERY_FEATURES]!, y: query.y }), []);
      } finally {
        disposeAdapted(phi, tiled);
      }
    } else {
      const inputs = { ...tiled, [SUPPORT_FEATURES]: supportFeatures, [QUERY_FEATURES]: queryFeatures };
      result = taskGradientTensors(
        inputs,
        (m) => {
          const lr: InnerLr = algorithm.name === 'metasgd' ? Object.fromEntries(adaptable.map((n) => [n, m[lrName(n)]!])) : algorithm.innerLr;
          const phi = innerLoop(head, headParams(m), { x: m[SUPPORT_FEATURES]!, y: support.y }, { steps: algorithm.innerSteps, lr, adaptable, createGraph: true, prototypeHead });
          return taskObjective(batched, head, phi, { x: m[QUERY_FEATURES]!, y: query.y });
        },
        prototypeHead ? batched.headNames : [],
      );
    }
    const { [SUPPORT_FEATURES]: dSupport, [QUERY_FEATURES]: dQuery, ...grads } = result.grads;
    held.push(...[dSupport, dQuery].filter((t): t is tf.Tensor => t !== undefined));
    const bodyGradients = bodyBackward(batched, theta, body, [
      [support.inputs, dSupport],
      [query.inputs, dQuery],
    ]);
    const zeros = tiledNames.filter((n) => !(n in grads));
    return perTaskGradients(tasks, grads, zeros, tiled, bodyGradients).map((gradient, t) => ({ gradient, queryLoss: result.losses[t]!, queryMetric: result.metrics[t]! }));
  } finally {
    tf.dispose(held);
  }
}

/**
 * Each task's gradient of the body parameters `body`, given the cotangents `[T, n, f]` of its features of each set:
 * one first-order backward pass of `batched.single.features` per task. Sets without cotangent are skipped.
 */
function bodyBackward(batched: TaskBatchedModel, theta: Record<string, tf.Tensor>, body: readonly string[], sets: Array<[readonly tf.Tensor[], tf.Tensor | undefined]>): ParamSet[] {
  const used = sets.filter((s): s is [readonly tf.Tensor[], tf.Tensor] => s[1] !== undefined);
  const tasks = used[0]?.[0].length ?? 0;
  return Array.from({ length: tasks }, (_, t) => {
    const grads = tf.tidy(() => {
      const cotangents = used.map(([, d]) => tf.squeeze(tf.slice(d, t, 1), [0]));
      return tf.grads((...bs: tf.Tensor[]) => {
        const params = { ...theta, ...Object.fromEntries(body.map((n, i) => [n, bs[i]!])) };
        return tf.addN(used.map(([inputs], i) => tf.sum(tf.mul(batched.single.features(params, inputs[t]!), cotangents[i]!)))) as tf.Scalar;
      })(body.map((n) => theta[n]!));
    });
    try {
      return paramSet(body.map((n, i) => [n, { shape: [...theta[n]!.shape], data: Float32Array.from(grads[i]!.dataSync()) }] as const));
    } finally {
      tf.dispose(grads);
    }
  });
}

/** Shapes `[T, …]` of `names` in `theta`, as placeholders for zero gradients (no data is read from them). */
function tiledShapes(theta: Record<string, tf.Tensor>, names: readonly string[], tasks: number): Record<string, { shape: number[]; size: number }> {
  return Object.fromEntries(names.map((n) => [n, { shape: [tasks, ...theta[n]!.shape], size: tasks * theta[n]!.size }]));
}
