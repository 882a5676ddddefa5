/**
 * ANIL's shortcut (Raghu et al. 2020, "Rapid Learning or Feature Reuse?", §4): when the inner loop adapts only
 * the head, the body's output for a batch is the same at every inner step, so it is computed once and the
 * steps run the head alone. The result is the same function of the parameters — an outer gradient taken through
 * it (second-order MAML on the head) still reaches the body through the features — at a fraction of the cost:
 * K inner steps and S evaluation steps no longer re-run the encoder.
 */
import * as tf from '@tensorflow/tfjs';
import type { EncodedBatch, Model, TensorMap } from '../model/model';
import type { BodyFeatures } from './feature-cache';

/** A model and batches to run the inner loop on, and the tensors made for it (features) that the caller owns. */
export interface FrozenBodyView {
  /** `model` itself, or its head seen as a model: `forward` is `model.head`, `features` the identity. */
  readonly model: Model;
  /** The batches as given, or with `x` replaced by the body's features `[n, f]` at `params`. */
  readonly batches: EncodedBatch[];
  /** Feature tensors made here: dispose them when done, unless made inside a gradient scope that frees them. */
  readonly made: tf.Tensor[];
}

/**
 * When every name in `adaptable` is a head parameter of `model` (`model.headNames`), returns the head-only view
 * of `model` and `batches` with their inputs replaced by `model.features(params, x)`; otherwise returns `model` and
 * `batches` unchanged (and nothing made). Inside a gradient tape the features stay differentiable with respect to
 * the body parameters of `params`.
 * `bodyFeatures`, when given, computes the features instead (a `FeatureCache`'s, ./feature-cache: constant
 * tensors, for evaluation and adaptation only).
 * Example: `const v = frozenBodyView(model, theta, ['head.b', 'head.w'], [support, query]); innerLoop(v.model, theta, v.batches[0]!, …)`.
 * @throws ShapeError from `model.features` when a batch does not fit the model.
 */
export function frozenBodyView(model: Model, params: TensorMap, adaptable: readonly string[], batches: readonly EncodedBatch[], bodyFeatures?: BodyFeatures): FrozenBodyView {
  if (!adaptable.every((n) => model.headNames.includes(n))) return { model, batches: [...batches], made: [] };
  const made: tf.Tensor[] = [];
  const featureBatches = batches.map((b) => {
    const x = tf.tidy(() => (bodyFeatures ? bodyFeatures(b.x) : model.features(params, b.x)));
    if (x !== b.x) made.push(x);
    return { x, y: b.y };
  });
  return { model: headOnlyModel(model), batches: featureBatches, made };
}

/** `model`'s head seen as a model of features: `forward` is `model.head`, `features` the identity. */
export function headOnlyModel(model: Model): Model {
  return { ...model, features: (_params, x) => x, forward: (p, x) => model.head(p, x) };
}
