/**
 * First-order MAML (Finn et al. 2017, §5.2 "first-order approximation"): the meta-gradient of a task is the
 * gradient of the query loss at the adapted parameters, ∇_φ L_query(φ), applied to θ — the inner updates are
 * treated as constants (dφ/dθ ≈ I), so no second-order terms and no differentiation through the inner loop.
 * With `adapt: head`, the body entries are ∂L_query/∂θ_body at (θ_body, φ_head); with `adapt: lora`, the frozen
 * body's entries are zero.
 */
import { assertMatchesSpec, type ParamSet } from '../core/param-set';
import type { Model } from '../model/model';
import type { Task } from '../tasks/task';
import { disposeAdapted, innerLoop } from './inner-loop';
import type { MetaGradient } from './meta-gradient';
import { adaptableNames, frozenNames, metaParamSpec, type AlgorithmConfig } from './meta-params';
import { lossAndMetric, objectiveGradient } from './objective-gradient';
import { withTaskTensors } from './task-tensors';

/**
 * The FOMAML meta-gradient of one task: K inner SGD steps (`algorithm.innerSteps`, rate `algorithm.innerLr`)
 * on the support set, then ∇_φ L_query(φ) for every model parameter. The gradient has the spec of `metaParams`.
 * @throws ShapeError when `metaParams` does not match the model's parameter spec.
 */
export function fomamlGradient(model: Model, metaParams: ParamSet, task: Task, algorithm: AlgorithmConfig): MetaGradient {
  assertMatchesSpec(metaParams, metaParamSpec(model, algorithm), `meta-parameters for ${algorithm.name}`);
  const adaptable = adaptableNames(model, algorithm.adapt);
  return withTaskTensors(model, metaParams, task, (theta, support, query) => {
    const phi = innerLoop(model, theta, support, { steps: algorithm.innerSteps, lr: algorithm.innerLr, adaptable, createGraph: false, prototypeHead: algorithm.headInit === 'prototypes' });
    try {
      const { gradient, loss, metric } = objectiveGradient(phi, (p) => lossAndMetric(model, p, query), frozenNames(model, algorithm.adapt));
      return { gradient, queryLoss: loss, queryMetric: metric };
    } finally {
      disposeAdapted(phi, theta);
    }
  });
}
