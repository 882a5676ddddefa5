/**
 * Few-shot evaluation of a meta-initialization on one task: the query loss and metric after s = 0..S
 * fine-tuning steps on the support set (Finn et al. 2017 Fig. 2 and Table 1 report these curves; Chen et al.
 * 2019 the transfer baseline with a fresh head). Averages over tasks with confidence intervals are
 * `meanCI95` of src/core/stats over the per-task values.
 */
import * as tf from '@tensorflow/tfjs';
import type { ParamSet } from '../core/param-set';
import { runStepwise, type Stepwise } from '../core/stepwise';
import type { EncodedBatch, Model, TensorMap } from '../model/model';
import type { Task } from '../tasks/task';
import { adaptationStart, disposeStart, type AdaptationStart, type AdaptOptions } from './adapt';
import { frozenBodyView } from './frozen-body';
import { disposeAdapted, innerLoop } from './inner-loop';
import { lossAndMetric } from './objective-gradient';
import { topTieShare } from '../model/transformer';

/** Query loss and metric by number of fine-tuning steps: index s = after s steps, s = 0..S (length S + 1). */
export interface AdaptationCurve {
  readonly loss: number[];
  readonly metric: number[];
  /** With {@link EvaluateOptions.ties}: the share of query examples whose highest probability is tied (`topTieShare`), by step. */
  readonly ties?: number[];
}

/** Options of {@link evaluateAdaptation}: those of fine-tuning (`adaptParams`), and how the query set is scored. */
export interface EvaluateOptions extends AdaptOptions {
  /**
   * The metric of the query predictions after each step (`[n, outputs]` and the labels `[n]` → a scalar), for a
   * caller that scores otherwise than training (`metatrain adapt`: a tie is wrong, `accuracyTiesWrong`).
   * @default model.metric
   */
  readonly metric?: Model['metric'];
  /** Also record the share of tied query predictions after each step ({@link AdaptationCurve.ties}). @default false */
  readonly ties?: boolean;
}

/**
 * Fine-tunes from `params` (θ, plus `lr/…` for Meta-SGD) on `task.support` for `options.steps` steps and scores
 * the query set (`options.metric`, else `model.metric`) before the first step and after each one. Same start and
 * rates as `adaptParams`; with `resetHead`, the head starts at zero with the shapes of `model.spec` (pass a model
 * with the task's `ways` outputs). Tensor count is unchanged on return.
 * Example: `evaluateAdaptation(model, theta, family.build(spec), { steps: 10, algorithm: config.algorithm }).metric[10]`.
 * @throws ShapeError as `adaptParams`; RangeError when `options.steps` is not a non-negative integer.
 */
export function evaluateAdaptation(model: Model, params: ParamSet, task: Task, options: EvaluateOptions): AdaptationCurve {
  return runStepwise(evaluateAdaptationSteps(model, params, task, options));
}

/**
 * {@link evaluateAdaptation} as stepwise work (src/core/stepwise.ts): it yields after each fine-tuning step, and
 * returns the same curve. Its tensors are disposed only when it is run to its end.
 * @throws as {@link evaluateAdaptation}, when it is first run.
 */
export function* evaluateAdaptationSteps(model: Model, params: ParamSet, task: Task, options: EvaluateOptions): Stepwise<AdaptationCurve> {
  if (!Number.isInteger(options.steps) || options.steps < 0) {
    throw new RangeError(`evaluateAdaptation: steps must be a non-negative integer, got ${options.steps}`);
  }
  const curve: { loss: number[]; metric: number[]; ties?: number[] } = { loss: [], metric: [], ...(options.ties ? { ties: [] } : {}) };
  const held: tf.Tensor[] = [];
  let start: AdaptationStart | undefined;
  let current: TensorMap = {};
  try {
    const support = model.encode(task.support);
    held.push(support.x, support.y);
    const query = model.encode(task.query);
    held.push(query.x, query.y);
    start = adaptationStart(model, params, options);
    current = start.params;
    const view = frozenBodyView(model, start.params, start.adaptable, [support, query], options.featureCache?.bodyFeatures(model, params, start.params));
    held.push(...view.made);
    const [viewSupport, viewQuery] = view.batches as [EncodedBatch, EncodedBatch];
    // Proto-MAML: the head starts at the prototypes of the support set (0 steps of SGD from there).
    if (options.algorithm.headInit === 'prototypes') current = innerLoop(view.model, current, viewSupport, { steps: 0, lr: start.lr, adaptable: start.adaptable, createGraph: false, prototypeHead: true });
    // The tie share, when asked, is read from the same forward pass as the metric.
    let tieShare = 0;
    const scoring: Model['metric'] | undefined = options.ties
      ? (prediction, y) => {
          tieShare = topTieShare(prediction).dataSync()[0]!;
          return options.metric ? options.metric(prediction, y) : view.model.metric(prediction, y);
        }
      : options.metric;
    for (let s = 0; ; s++) {
      const [loss, metric] = tf.tidy(() => {
        const out = lossAndMetric(view.model, current, viewQuery, scoring);
        return [out.loss.dataSync()[0]!, out.metric.dataSync()[0]!];
      });
      curve.loss.push(loss);
      curve.metric.push(metric);
      curve.ties?.push(tieShare);
      if (s === options.steps) return curve;
      const next = innerLoop(view.model, current, viewSupport, { steps: 1, lr: start.lr, adaptable: start.adaptable, createGraph: false });
      disposeAdapted(current, start.params);
      current = next;
      yield;
    }
  } finally {
    if (start) {
      disposeAdapted(current, start.params);
      disposeStart(start);
    }
    tf.dispose(held);
  }
}
