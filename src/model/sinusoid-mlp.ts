/**
 * The sinusoid regression MLP of Finn et al. 2017 (MAML, §5.1): 1 → hidden… → 1, ReLU, MSE loss.
 * Parameters and their names come from `architectureOf` (`layer{i}.w|b`, `head.w|b`).
 *
 * Second order: exact. ReLU's gradient is built from its input (`dy · step(x)`), `matMul`'s (./mat-mul) from its inputs, so
 * `tf.grad` of a function that calls `tf.grads` differentiates the inner gradient exactly (checked against the
 * closed form and finite differences in test/model).
 */
import * as tf from '@tensorflow/tfjs';
import { ShapeError } from '../core/errors';
import type { ExampleSet } from '../tasks/task';
import { architectureOf, type ModelConfig } from './architecture';
import { matMul } from './mat-mul';
import type { EncodedBatch, Model, TensorMap } from './model';
import { param } from './params-tf';

/**
 * Builds the MLP for `model.hidden` widths and `outputs` outputs (1 for the sinusoid family).
 * @throws ShapeError as `architectureOf`.
 */
export function createSinusoidMlp(model: ModelConfig, outputs: number): Model {
  const arch = architectureOf(model, outputs);
  const depth = model.hidden.length;
  return {
    ...arch,
    secondOrderBlockers: [],
    encode(set: ExampleSet): EncodedBatch {
      if (set.kind !== 'regression') throw new ShapeError(`sinusoid-mlp encodes regression examples, got a ${set.kind} set`);
      const n = set.x.length;
      if (set.y.length !== n * outputs) {
        throw new ShapeError(`sinusoid-mlp: y has ${set.y.length} values for ${n} inputs, expected ${n * outputs}`);
      }
      return { x: tf.tensor2d(set.x, [n, 1]), y: tf.tensor2d(set.y, [n, outputs]) };
    },
    forward(params: TensorMap, x: tf.Tensor): tf.Tensor {
      return tf.tidy(() => head(params, features(params, x)));
    },
    features,
    head,
    loss: meanSquaredError,
    metric: meanSquaredError,
  };

  /** Last hidden layer's ReLU activations `[n, hidden.at(-1)]` for x `[n, 1]`. */
  function features(params: TensorMap, x: tf.Tensor): tf.Tensor {
    if (x.rank !== 2 || x.shape[1] !== 1) {
      throw new ShapeError(`sinusoid-mlp forward: x must be [n, 1], got [${x.shape.join(', ')}]`);
    }
    return tf.tidy(() => {
      let h = x as tf.Tensor2D;
      for (let i = 0; i < depth; i++) {
        h = tf.relu(tf.add(matMul(h, param(params, `layer${i}.w`)), param(params, `layer${i}.b`))) as tf.Tensor2D;
      }
      return h;
    });
  }

  /** Predictions `[n, outputs]` of the linear head on features `[n, hidden.at(-1)]`. */
  function head(params: TensorMap, feats: tf.Tensor): tf.Tensor {
    return tf.tidy(() => tf.add(matMul(feats as tf.Tensor2D, param(params, 'head.w')), param(params, 'head.b')));
  }
}

/**
 * Mean over all elements of (prediction − y)², a scalar. Shapes must be equal (`[n, outputs]`).
 * @throws ShapeError when the shapes differ (no silent broadcasting of `[n]` against `[n, 1]`).
 */
export function meanSquaredError(prediction: tf.Tensor, y: tf.Tensor): tf.Scalar {
  if (prediction.shape.length !== y.shape.length || prediction.shape.some((d, i) => d !== y.shape[i])) {
    throw new ShapeError(`mse: prediction [${prediction.shape.join(', ')}] and y [${y.shape.join(', ')}] differ in shape`);
  }
  return tf.tidy(() => tf.mean(tf.square(tf.sub(prediction, y))) as tf.Scalar);
}
