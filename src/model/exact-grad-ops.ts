/**
 * Ops whose tfjs gradients are differentiable again, exactly, on every backend: what second-order MAML
 * (Finn et al. 2017, eq. 1 differentiated through the inner step) needs.
 *
 * Why: tfjs's own `softmax`, `logSoftmax`, `exp`, `tanh` and `sigmoid` build their gradient from the op's saved
 * *output*, and that saved output is not connected to the input on the outer tape. `tf.grad` of a function that
 * calls `tf.grads` then runs without error but silently drops the second-order term — it returns the
 * first-order (FOMAML) value (measured in test/model/exact-grad-ops.test.ts: relative error 0.08–0.3 against
 * finite differences on cpu and wasm). `max` and `logSumExp` throw instead (no gradient for `Equal`).
 * Here each gradient recomputes from the saved *input* through these same functions, so it can be
 * differentiated to any order. And `gather`'s gradient needs the `UnsortedSegmentSum` kernel, which the wasm
 * backend lacks; {@link embeddingLookup} uses `ScatterNd` through its own gradient instead.
 */
import * as tf from '@tensorflow/tfjs';

/**
 * Softmax over the last axis, any rank ≥ 1; output has the shape of `x`.
 * Gradient: y ⊙ (dy − Σ dy ⊙ y) with y recomputed from `x` by this function.
 */
export const softmax = unaryCustomGrad(tf.softmax, (x, dy) => {
  const y = softmax(x);
  return tf.mul(y, tf.sub(dy, tf.sum(tf.mul(dy, y), -1, true)));
});

/**
 * Log-softmax over the last axis, any rank ≥ 1; output has the shape of `x`. Numerically stable (tfjs's
 * `logSoftmax` forward). Gradient: dy − softmax(x) ⊙ Σ dy, with softmax from {@link softmax}.
 */
export const logSoftmax = unaryCustomGrad(tf.logSoftmax, (x, dy) => tf.sub(dy, tf.mul(softmax(x), tf.sum(dy, -1, true))));

/**
 * Rows of `table` `[vocab, d]` picked by `ids` (int32, any shape S): output `[...S, d]`.
 * Forward is `tf.gather`; the gradient w.r.t. `table` is {@link scatterRows} of dy (`ScatterNd`, which the wasm
 * backend has, unlike `UnsortedSegmentSum`; 100× faster there than a one-hot matMul). The two ops are each
 * other's gradient, both linear, so derivatives of any order are exact. `ids` gets no gradient.
 */
export function embeddingLookup(table: tf.Tensor2D, ids: tf.Tensor): tf.Tensor {
  const [vocab] = table.shape;
  return unaryCustomGrad(
    (t) => tf.gather(t, ids),
    (_t, dy) => scatterRows(dy, ids, vocab),
  )(table);
}

/**
 * Sums the rows of `rows` `[...S, d]` into a `[vocab, d]` matrix at row `ids` (int32, shape S): the adjoint of
 * {@link embeddingLookup}. Duplicate ids add up (in index order, so the result is deterministic).
 */
export function scatterRows(rows: tf.Tensor, ids: tf.Tensor, vocab: number): tf.Tensor {
  const d = rows.shape[rows.rank - 1]!;
  return unaryCustomGrad(
    (r) => tf.scatterND(tf.reshape(ids, [-1, 1]), tf.reshape(r, [-1, d]), [vocab, d]),
    (_r, dy) => embeddingLookup(dy as tf.Tensor2D, ids),
  )(rows);
}

/** `exp(x)`, elementwise. Gradient: dy ⊙ exp(x), recomputed from `x` by this function (tfjs's reads the saved output). */
export const exp = unaryCustomGrad(tf.exp, (x, dy) => tf.mul(dy, exp(x)));

/** erf(x), elementwise (tfjs's kernel). Gradient: dy ⊙ (2/√π)·exp(−x²), with {@link exp}. */
export const erf = unaryCustomGrad(tf.erf, (x, dy) => tf.mul(dy, tf.mul(exp(tf.neg(tf.square(x))), 2 / Math.sqrt(Math.PI))));

/**
 * The exact GELU of Hendrycks & Gimpel 2016 (BERT's `gelu`, PyTorch's default): x·Φ(x) = ½·x·(1 + erf(x/√2)),
 * elementwise. Gradient: dy ⊙ (Φ(x) + x·φ(x)), φ(x) = exp(−x²/2)/√(2π), written from `x` with {@link erf} and
 * {@link exp}, so it is differentiable again exactly, to any order. (tfjs's own `erf` composition measured exact at
 * second order on cpu, but its `exp` gradient reads the saved output, so a third order would not be; this form
 * does not depend on which.)
 */
export const gelu = unaryCustomGrad(
  (x) => tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2)))),
  (x, dy) => {
    const cdf = tf.mul(tf.add(1, erf(tf.mul(x, Math.SQRT1_2))), 0.5);
    const pdf = tf.mul(exp(tf.mul(tf.square(x), -0.5)), 1 / Math.sqrt(2 * Math.PI));
    return tf.mul(dy, tf.add(cdf, tf.mul(x, pdf)));
  },
);

/** `f` with gradient `grad(x, dy)`; `x` is kept for the backward pass. */
function unaryCustomGrad(
  f: (x: tf.Tensor) => tf.Tensor,
  grad: (x: tf.Tensor, dy: tf.Tensor) => tf.Tensor,
): (x: tf.Tensor) => tf.Tensor {
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [x, save] = args as [tf.Tensor, tf.GradSaveFunc];
    save([x]);
    return { value: f(x), gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => grad(saved[0]!, dy) };
  });
  return (x) => op(x);
}
