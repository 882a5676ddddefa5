/**
 * MAML: second-order model-agnostic meta-learning (Finn et al. 2017, "Model-Agnostic Meta-Learning for Fast
 * Adaptation of Deep Networks", Algorithm 2). For one task, with φ(θ) the result of K inner SGD steps on the
 * support set from θ, the meta-objective is L_query(φ(θ)) and the meta-gradient is its exact gradient
 * ∇_θ L_query(φ(θ)), Hessian terms included (the inner loop runs with `createGraph: true`).
 *
 * With `adapt: head` (ANIL, Raghu et al. 2020) φ changes only the head, and the gradient still covers every
 * parameter of θ: the body receives ∂L_query/∂θ_body through both the query forward pass and the dependence of
 * the adapted head on the body's features. The inner loop then computes the body's features of the support set
 * once, not once per step (./frozen-body). With `adapt: lora` the frozen body's meta-gradient is zero.
 */
import { assertMatchesSpec, type ParamSet } from '../core/param-set';
import type { Model, TensorMap } from '../model/model';
import type { Task } from '../tasks/task';
import { innerLoop, type InnerLr } from './inner-loop';
import type { MetaGradient } from './meta-gradient';
import { adaptableNames, frozenNames, isLrName, metaParamSpec, type AlgorithmConfig } from './meta-params';
import { lossAndMetric, objectiveGradient } from './objective-gradient';
import { withTaskTensors } from './task-tensors';

/**
 * The second-order MAML meta-gradient of one task, with the scalar inner rate `algorithm.innerLr`.
 * Arguments: `metaParams` with the spec of `metaParamSpec(model, algorithm)`; `task` support and query sets
 * as `model.encode` accepts them. Returns the gradient (spec of `metaParams`) and the query loss and metric
 * after adaptation. Does not check second-order support: call through `computeMetaGradient`.
 * @throws ShapeError when `metaParams` does not match the model's meta-parameter spec.
 */
export function mamlGradient(model: Model, metaParams: ParamSet, task: Task, algorithm: AlgorithmConfig): MetaGradient {
  return secondOrderGradient(model, metaParams, task, algorithm, () => algorithm.innerLr);
}

/**
 * The exact gradient of L_query(φ(θ, α)) with respect to every meta-parameter, for inner rates chosen by
 * `innerLr` from the meta-parameter tensors (a constant for MAML, the `lr/…` tensors for Meta-SGD).
 * @throws ShapeError when `metaParams` does not match the model's meta-parameter spec.
 */
export function secondOrderGradient(
  model: Model,
  metaParams: ParamSet,
  task: Task,
  algorithm: AlgorithmConfig,
  innerLr: (metaTensors: TensorMap, adaptable: readonly string[]) => InnerLr,
): MetaGradient {
  assertMatchesSpec(metaParams, metaParamSpec(model, algorithm), `meta-parameters for ${algorithm.name}`);
  const adaptable = adaptableNames(model, algorithm.adapt);
  const prototypeHead = algorithm.headInit === 'prototypes';
  return withTaskTensors(model, metaParams, task, (theta, support, query) => {
    const { gradient, loss, metric } = objectiveGradient(theta, (meta) => {
      const params = Object.fromEntries(Object.entries(meta).filter(([n]) => !isLrName(n)));
      const lr = innerLr(meta, adaptable);
      const phi = innerLoop(model, params, support, { steps: algorithm.innerSteps, lr, adaptable, createGraph: true, prototypeHead });
      return lossAndMetric(model, phi, query);
    }, [...(prototypeHead ? model.headNames : []), ...frozenNames(model, algorithm.adapt)]);
    return { gradient, queryLoss: loss, queryMetric: metric };
  });
}
