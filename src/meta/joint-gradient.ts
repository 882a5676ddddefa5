/**
 * The joint (transfer) gradient: plain supervised training on examples pooled from all meta-train classes,
 * labelled with their global class — the "pretrained" baseline of Finn et al. 2017 §5.1 and the transfer
 * baseline of Chen et al. 2019 ("A Closer Look at Few-Shot Classification"), fine-tuned at test time with
 * `evaluateAdaptation(..., { resetHead: true })`.
 */
import * as tf from '@tensorflow/tfjs';
import { assertMatchesSpec, type ParamSet } from '../core/param-set';
import type { Model } from '../model/model';
import { toTensors } from '../model/params-tf';
import type { ExampleSet } from '../tasks/task';
import { lossAndMetric, objectiveGradient, type ObjectiveGradient } from './objective-gradient';

/**
 * ∇_θ L_batch(θ) with the batch loss and metric. `params` has the spec of `model.spec` (a model whose head has
 * one output per meta-train class); `batch` is `TaskFamily.jointBatch(seed, size)`. The gradient has the spec
 * of `params`.
 * @throws ShapeError when `params` does not match `model.spec` or the batch does not fit the model.
 */
export function jointGradient(model: Model, params: ParamSet, batch: ExampleSet): ObjectiveGradient {
  assertMatchesSpec(params, model.spec, 'joint-training parameters');
  const encoded = model.encode(batch); // first: it throws on a batch that does not fit, before anything is held
  const theta = toTensors(params);
  try {
    return objectiveGradient(theta, (p) => lossAndMetric(model, p, encoded));
  } finally {
    tf.dispose([theta, encoded.x, encoded.y]);
  }
}
