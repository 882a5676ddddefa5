/**
 * Meta-SGD (Li et al. 2017, "Meta-SGD: Learning to Learn Quickly for Few-Shot Learning", eq. 2–3): MAML whose
 * inner update is φ = θ − α ⊙ ∇L_support(θ) with α a learned tensor per adaptable parameter (`lr/<name>`,
 * see ./meta-params). The meta-gradient is exact second order with respect to both θ and α:
 * ∂L_query/∂α = −∇L_support(θ) ⊙ ∂L_query/∂φ for one step, and the chain through every step for K > 1.
 */
import type { ParamSet } from '../core/param-set';
import type { Model } from '../model/model';
import type { Task } from '../tasks/task';
import { secondOrderGradient } from './maml';
import type { MetaGradient } from './meta-gradient';
import { lrName, type AlgorithmConfig } from './meta-params';

/**
 * The Meta-SGD meta-gradient of one task. `metaParams` holds θ and `lr/<name>` for each adaptable parameter
 * (spec `metaParamSpec(model, algorithm)`); the gradient has the same spec. `algorithm.innerLr` is not used
 * here (it only initializes α). Does not check second-order support: call through `computeMetaGradient`.
 * @throws ShapeError when `metaParams` does not match the model's meta-parameter spec.
 */
export function metaSgdGradient(model: Model, metaParams: ParamSet, task: Task, algorithm: AlgorithmConfig): MetaGradient {
  return secondOrderGradient(model, metaParams, task, algorithm, (meta, adaptable) =>
    Object.fromEntries(adaptable.map((n) => [n, meta[lrName(n)]!])),
  );
}
