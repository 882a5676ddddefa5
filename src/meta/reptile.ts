/**
 * Reptile (Nichol, Achiam & Schulman 2018, "On First-Order Meta-Learning Algorithms", Algorithm 1): run K
 * inner SGD steps from θ on the task to reach φ, then move θ toward φ. Reported as a "gradient" g = θ − φ,
 * so that the ordinary outer step θ ← θ − ε·g (SGD) is exactly Reptile's θ ← θ + ε(φ − θ), and Adam on g is
 * the variant the paper uses for its few-shot experiments. The inner steps use the support set only (the query
 * set is kept for reporting the post-adaptation loss, as for the other algorithms). Parameters outside the
 * adaptable subset have φ = θ, hence a zero entry.
 */
import * as tf from '@tensorflow/tfjs';
import { assertMatchesSpec, type ParamSet } from '../core/param-set';
import type { Model } from '../model/model';
import { fromTensors } from '../model/params-tf';
import type { Task } from '../tasks/task';
import { disposeAdapted, innerLoop } from './inner-loop';
import type { MetaGradient } from './meta-gradient';
import { adaptableNames, metaParamSpec, type AlgorithmConfig } from './meta-params';
import { lossAndMetric } from './objective-gradient';
import { withTaskTensors } from './task-tensors';

/**
 * The Reptile update direction of one task, θ − φ after `algorithm.innerSteps` SGD steps of rate
 * `algorithm.innerLr` on the support set (spec of `metaParams`), with the query loss and metric at φ.
 * @throws ShapeError when `metaParams` does not match the model's parameter spec.
 */
export function reptileGradient(model: Model, metaParams: ParamSet, task: Task, algorithm: AlgorithmConfig): MetaGradient {
  assertMatchesSpec(metaParams, metaParamSpec(model, algorithm), `meta-parameters for ${algorithm.name}`);
  const adaptable = adaptableNames(model, algorithm.adapt);
  return withTaskTensors(model, metaParams, task, (theta, support, query) => {
    const phi = innerLoop(model, theta, support, { steps: algorithm.innerSteps, lr: algorithm.innerLr, adaptable, createGraph: false });
    try {
      const difference = tf.tidy(() => Object.fromEntries(Object.keys(theta).map((n) => [n, tf.sub(theta[n]!, phi[n]!)])));
      const gradient = fromTensors(difference);
      tf.dispose(difference);
      const [queryLoss, queryMetric] = tf.tidy(() => {
        const { loss, metric } = lossAndMetric(model, phi, query);
        return [loss.dataSync()[0]!, metric.dataSync()[0]!];
      });
      return { gradient, queryLoss, queryMetric };
    } finally {
      disposeAdapted(phi, theta);
    }
  });
}
