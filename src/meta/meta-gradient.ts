/**
 * The per-task meta-gradient: what a worker computes for one task assignment and returns to the coordinator,
 * which sums them in task-index order and takes the outer step. One record per algorithm (./algorithm.ts and
 * ./algorithm-*.ts), each with its gradient (./maml, ./fomaml, ./reptile, ./meta-sgd); ANIL is any of them with
 * `adapt: head`.
 */
import type { ParamSet } from '../core/param-set';
import type { Model } from '../model/model';
import type { Task } from '../tasks/task';
import { checkAlgorithmSupported } from './algorithm-support';
import { algorithms } from './algorithm';
import type { AlgorithmConfig } from './meta-params';

/** Result of one task's meta-gradient computation, as plain values. */
export interface MetaGradient {
  /** Per-task meta-gradient (Reptile: θ − φ), same spec as the meta-parameters. */
  readonly gradient: ParamSet;
  /** Query-set loss after the inner loop (MSE or cross-entropy). */
  readonly queryLoss: number;
  /** Query-set metric after the inner loop (MSE, or accuracy in [0, 1]). */
  readonly queryMetric: number;
}

/**
 * The meta-gradient of `task` for `algorithm.name` (its record's `gradient`, ./algorithm.ts):
 * - `maml`: exact second-order ∇_θ L_query(φ(θ)) (Finn et al. 2017);
 * - `fomaml`: ∇_φ L_query(φ) (first-order approximation, Finn et al. 2017 §5.2);
 * - `reptile`: θ − φ (Nichol et al. 2018);
 * - `metasgd`: exact second order with respect to θ and the learned rates `lr/…` (Li et al. 2017).
 * φ is `algorithm.innerSteps` SGD steps on the support set over the `algorithm.adapt` subset.
 *
 * Arguments: `metaParams` with spec `metaParamSpec(model, algorithm)`; `task` built by its family.
 * Example: `const { gradient, queryLoss } = computeMetaGradient(model, theta, family.build(spec), config.algorithm)`.
 * @throws UnsupportedGradientError when the algorithm needs second order through one of the model's
 *   `secondOrderBlockers` (see ./algorithm-support) — never a silent first-order fallback.
 * @throws ShapeError when `metaParams` does not match the spec, or the task does not fit the model.
 * @throws UnknownNameError when `algorithm.name` is not a registered algorithm (a config bypassing validation).
 */
export function computeMetaGradient(model: Model, metaParams: ParamSet, task: Task, algorithm: AlgorithmConfig): MetaGradient {
  checkAlgorithmSupported(model, algorithm);
  return algorithms.get(algorithm.name).gradient(model, metaParams, task, algorithm);
}
