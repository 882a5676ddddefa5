/**
 * The one place where a scalar objective is differentiated and read back to plain values: every gradient
 * path (MAML, Meta-SGD, FOMAML, joint training) is "the gradient of some loss with respect to some named
 * tensors", differing only in the loss.
 */
import * as tf from '@tensorflow/tfjs';
import { paramSet, type ParamSet } from '../core/param-set';
import type { EncodedBatch, Model, TensorMap } from '../model/model';

/** A loss to differentiate and a metric read beside it (not differentiated), both scalars. */
export interface Objective {
  readonly loss: tf.Scalar;
  readonly metric: tf.Scalar;
}

/** Plain-value result of {@link objectiveGradient}. */
export interface ObjectiveGradient {
  /** ∂loss/∂x for every tensor x of the inputs, same names and shapes. */
  readonly gradient: ParamSet;
  /** Value of the loss at the inputs. */
  readonly loss: number;
  /** Value of the metric at the inputs. */
  readonly metric: number;
}

/**
 * Evaluates `objective(inputs)` and the gradient of its loss with respect to every tensor of `inputs`
 * (reverse mode, `tf.valueAndGrads`). Whatever `objective` does inside — an inner loop with
 * `createGraph: true` included — is differentiated through. Tensors made inside are freed; `inputs` are not.
 * The inputs named in `unused` are given to `objective` but not differentiated: their gradient is zero (for
 * tensors the loss does not depend on, such as a head that Proto-MAML replaces, and for a frozen body).
 * @throws Error from tfjs when the loss is not a scalar or does not depend on one of the other inputs.
 */
export function objectiveGradient(inputs: TensorMap, objective: (params: TensorMap) => Objective, unused: readonly string[] = []): ObjectiveGradient {
  const names = Object.keys(inputs).filter((n) => !unused.includes(n)).sort();
  const fixed = Object.fromEntries(unused.map((n) => [n, inputs[n]!]));
  let metric: tf.Scalar | undefined;
  const { value, grads } = tf.tidy(() =>
    tf.valueAndGrads((...xs: tf.Tensor[]) => {
      const out = objective({ ...fixed, ...Object.fromEntries(names.map((n, i) => [n, xs[i]!])) });
      metric = tf.keep(out.metric);
      return out.loss;
    })(names.map((n) => inputs[n]!)),
  );
  try {
    return {
      gradient: paramSet([
        ...names.map((n, i) => [n, { shape: [...inputs[n]!.shape], data: Float32Array.from(grads[i]!.dataSync()) }] as const),
        ...unused.map((n) => [n, { shape: [...inputs[n]!.shape], data: new Float32Array(inputs[n]!.size) }] as const),
      ]),
      loss: value.dataSync()[0]!,
      metric: metric!.dataSync()[0]!,
    };
  } finally {
    tf.dispose([value, ...grads, metric!]);
  }
}

/** The loss and metric (`model.metric` unless `metric` is given) of `model` with parameters `params` on `batch` (one forward pass). */
export function lossAndMetric(model: Model, params: TensorMap, batch: EncodedBatch, metric?: Model['metric']): Objective {
  const prediction = model.forward(params, batch.x);
  return { loss: model.loss(prediction, batch.y), metric: metric ? metric(prediction, batch.y) : model.metric(prediction, batch.y) };
}
