/**
 * Transformer encoder text classifier (Vaswani et al. 2017, pre-LayerNorm placement of Xiong et al. 2020):
 * tokens (bytes or hashed words) + learned position embeddings → `layers` × [x + MHA(LN(x)), x + FFN(LN(x))] → LN → mean over
 * non-pad tokens → linear head. Multi-head self-attention masks padding keys; FFN is ReLU. Loss: mean softmax
 * cross-entropy; metric: accuracy. Parameter names and shapes: `architectureOf` in ./architecture.
 *
 * Gradients, on wasm and cpu:
 * - first order: the embedding gradient is a `ScatterNd` (`embeddingLookup`), so training works on wasm, which
 *   lacks the `UnsortedSegmentSum` kernel of `gather`'s gradient.
 * - second order: exact. Attention softmax and the cross-entropy's log-softmax use `softmax` / `logSoftmax`
 *   from ./exact-grad-ops, whose gradients recompute from the input (tfjs's own would silently drop the
 *   second-order term); LayerNorm uses mean, square and rsqrt, whose tfjs gradients are built from inputs;
 *   ReLU's second derivative is zero. `tf.grad` of a function calling `tf.grads` matches central finite
 *   differences (test/model/transformer-second-order.test.ts), so `secondOrderBlockers` is empty.
 */
import * as tf from '@tensorflow/tfjs';
import { ShapeError } from '../core/errors';
import type { ExampleSet } from '../tasks/task';
import { architectureOf, loraNamesOf, type ModelConfig } from './architecture';
import { embeddingLookup, logSoftmax, softmax } from './exact-grad-ops';
import { matMul } from './mat-mul';
import type { EncodedBatch, Model, TensorMap } from './model';
import { param } from './params-tf';
import { textTokenizerFor, type TextTokenizer } from './text-tokenizer';
import { PAD_ID } from './vocab';

/** The Transformer's {@link Model}, with the per-token states its pooled features average. */
export interface TransformerModel extends Model {
  /**
   * The final LayerNorm's output `[n, L, d]` at every position of int32 ids `[n, L]` (padding positions
   * included; what masked-language-model pretraining reads). @throws ShapeError as `forward`.
   */
  tokenStates(params: TensorMap, x: tf.Tensor): tf.Tensor3D;
}

/** LayerNorm variance epsilon (the value of Ba et al. 2016 implementations, e.g. PyTorch's default 1e-5). */
const LAYER_NORM_EPS = 1e-5;
/**
 * Added to attention scores of padding keys: exp(−1e9) underflows to exactly 0 in float32 (Hugging Face's BERT adds
 * the float32 minimum instead: the same softmax, without the risk of overflow when added to a score).
 */
const MASKED_SCORE = -1e9;

/**
 * Builds the encoder classifier for `model` (layers, dModel, heads, dFf, maxLength) with `outputs` classes.
 * `encode` tokenizes with the model's tokenizer (`textTokenizerFor(model)`: bytes or hashed words); `forward` takes int32 ids `[n, L]`, L ≤ maxLength,
 * and returns logits `[n, outputs]`.
 * @throws ShapeError as `architectureOf`.
 */
export function createTransformer(model: ModelConfig, outputs: number): TransformerModel {
  const arch = architectureOf(model, outputs);
  const { layers, dModel: d, heads, maxLength } = model;
  const dHead = d / heads;
  const tokenizer = textTokenizerFor(model);
  const loraScale = model.loraRank > 0 ? model.loraAlpha / model.loraRank : 0;

  /** Weight `name` as the layer uses it: W, or W + (α/r)·A·B with LoRA adapters (Hu et al. 2021, eq. 3). */
  function weight(params: TensorMap, name: string): tf.Tensor2D {
    const w = param<tf.Rank.R2>(params, name);
    if (loraScale === 0) return w;
    const { a, b } = loraNamesOf(name);
    return tf.add(w, tf.mul(matMul(param<tf.Rank.R2>(params, a), param<tf.Rank.R2>(params, b)), loraScale));
  }

  function attention(params: TensorMap, p: string, x: tf.Tensor3D, keyBias: tf.Tensor): tf.Tensor3D {
    const [n, len] = x.shape;
    const flat = tf.reshape(x, [n * len, d]) as tf.Tensor2D;
    // [n·L, d] → [n, L, heads, dHead] → permuted: [n, heads, L, dHead] (perm 0,2,1,3) or [n, heads, dHead, L] (0,2,3,1)
    const project = (m: string, withBias: boolean, perm: number[]): tf.Tensor => {
      const linear = matMul(flat, weight(params, `${p}.attn.w${m}`));
      const biased = withBias ? tf.add(linear, param(params, `${p}.attn.b${m}`)) : linear;
      return tf.transpose(tf.reshape(biased, [n, len, heads, dHead]), perm);
    };
    const q = project('q', true, [0, 2, 1, 3]);
    const kT = project('k', false, [0, 2, 3, 1]);
    const v = project('v', true, [0, 2, 1, 3]);
    const scores = tf.add(tf.mul(matMul(q, kT), 1 / Math.sqrt(dHead)), keyBias); // [n, heads, L, L]
    const context = matMul(softmax(scores), v); // [n, heads, L, dHead]
    const merged = tf.reshape(tf.transpose(context, [0, 2, 1, 3]), [n * len, d]) as tf.Tensor2D;
    return tf.reshape(tf.add(matMul(merged, weight(params, `${p}.attn.wo`)), param(params, `${p}.attn.bo`)), [n, len, d]);
  }

  function feedForward(params: TensorMap, p: string, x: tf.Tensor3D): tf.Tensor3D {
    const [n, len] = x.shape;
    const flat = tf.reshape(x, [n * len, d]) as tf.Tensor2D;
    const hidden = tf.relu(tf.add(matMul(flat, weight(params, `${p}.ff.w1`)), param(params, `${p}.ff.b1`))) as tf.Tensor2D;
    return tf.reshape(tf.add(matMul(hidden, weight(params, `${p}.ff.w2`)), param(params, `${p}.ff.b2`)), [n, len, d]);
  }

  /**
   * Token states `[n, L, d]` (the final LayerNorm's output at every position) of ids `[n, L]`, and the float
   * mask `[n, L]` of non-pad tokens.
   */
  function encodeTokens(params: TensorMap, x: tf.Tensor): { states: tf.Tensor3D; mask: tf.Tensor2D } {
    const { len, mask, keyBias } = paddingMasks('transformer', x, maxLength, PAD_ID);
    const positions = tf.slice(param(params, 'embed.position'), [0, 0], [len, d]);
    let h = tf.add(embeddingLookup(param(params, 'embed.token'), x), positions) as tf.Tensor3D;
    for (let i = 0; i < layers; i++) {
      const p = `layer${i}`;
      h = tf.add(h, attention(params, p, layerNorm(params, `${p}.ln1`, h), keyBias));
      h = tf.add(h, feedForward(params, p, layerNorm(params, `${p}.ln2`, h)));
    }
    return { states: layerNorm(params, 'norm', h), mask };
  }

  /** Pooled encoding `[n, d]`: mean of the final LayerNorm's output over non-pad tokens of ids `[n, L]`. */
  function features(params: TensorMap, x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const { states, mask } = encodeTokens(params, x);
      return tf.div(tf.sum(tf.mul(states, tf.expandDims(mask, 2)), 1), tf.sum(mask, 1, true));
    });
  }

  /** Logits `[n, outputs]` of the linear head on pooled features `[n, d]`. */
  function head(params: TensorMap, pooled: tf.Tensor): tf.Tensor {
    return tf.tidy(() => tf.add(matMul(pooled as tf.Tensor2D, param(params, 'head.w')), param(params, 'head.b')));
  }

  return {
    ...arch,
    secondOrderBlockers: [],
    encode: (set: ExampleSet) => encodeTextSet('transformer', set, outputs, tokenizer, maxLength),
    forward(params: TensorMap, x: tf.Tensor): tf.Tensor {
      return tf.tidy(() => head(params, features(params, x)));
    },
    features,
    tokenStates: (params: TensorMap, x: tf.Tensor) => tf.tidy(() => encodeTokens(params, x).states),
    head,
    loss: softmaxCrossEntropy,
    metric: accuracy,
  };
}

/**
 * LayerNorm over the last axis (Ba et al. 2016) with `${prefix}.gain` and `${prefix}.bias`, variance epsilon
 * `eps`; shape preserved. Exact at any order (mean, square and rsqrt have gradients built from inputs).
 */
export function layerNorm<T extends tf.Tensor>(params: TensorMap, prefix: string, x: T, eps = LAYER_NORM_EPS): T {
  const centered = tf.sub(x, tf.mean(x, -1, true));
  const variance = tf.mean(tf.square(centered), -1, true);
  const normed = tf.mul(centered, tf.rsqrt(tf.add(variance, eps)));
  return tf.add(tf.mul(normed, param(params, `${prefix}.gain`)), param(params, `${prefix}.bias`)) as T;
}

/**
 * Checks token ids `x` (int32 `[n, L]`, L ≤ `maxLength`) and returns L, the float mask `[n, L]` of tokens other
 * than `padId`, and the attention bias `[n, 1, 1, L]` that adds {@link MASKED_SCORE} to padding keys.
 * @throws ShapeError naming `op` and showing the dtype and shape of `x`.
 */
export function paddingMasks(op: string, x: tf.Tensor, maxLength: number, padId: number): { len: number; mask: tf.Tensor2D; keyBias: tf.Tensor } {
  if (x.rank !== 2 || x.dtype !== 'int32' || x.shape[1]! > maxLength) {
    throw new ShapeError(`${op} forward: x must be int32 [n, L] with L ≤ ${maxLength}, got ${x.dtype} [${x.shape.join(', ')}]`);
  }
  const [n, len] = x.shape as [number, number];
  const mask = tf.cast(tf.notEqual(x, padId), 'float32') as tf.Tensor2D;
  return { len, mask, keyBias: tf.reshape(tf.mul(tf.sub(1, mask), MASKED_SCORE), [n, 1, 1, len]) };
}

/**
 * Encodes a text example set for a classifier with `outputs` classes: ids `[n, maxLength]` int32 from
 * `tokenizer`, labels `[n]` int32. `op` names the model in errors.
 * @throws ShapeError when the set is not text, the label count differs, or a label is outside [0, outputs).
 */
export function encodeTextSet(op: string, set: ExampleSet, outputs: number, tokenizer: TextTokenizer, maxLength: number): EncodedBatch {
  if (set.kind !== 'text') throw new ShapeError(`${op} encodes text examples, got a ${set.kind} set`);
  if (set.labels.length !== set.texts.length) {
    throw new ShapeError(`${op}: ${set.texts.length} texts but ${set.labels.length} labels`);
  }
  const bad = set.labels.findIndex((l) => l < 0 || l >= outputs);
  if (bad >= 0) throw new ShapeError(`${op}: label ${set.labels[bad]} of example ${bad} is outside [0, ${outputs})`);
  const n = set.texts.length;
  return { x: tf.tensor2d(tokenizer.encode(set.texts), [n, maxLength], 'int32'), y: tf.tensor1d(set.labels, 'int32') };
}

function checkClassification(op: string, logits: tf.Tensor, y: tf.Tensor): void {
  if (logits.rank !== 2 || y.rank !== 1 || y.shape[0] !== logits.shape[0] || y.dtype !== 'int32') {
    throw new ShapeError(`${op}: needs logits [n, classes] and int32 labels [n], got logits [${logits.shape.join(', ')}] and ${y.dtype} labels [${y.shape.join(', ')}]`);
  }
}

/**
 * Mean over examples of −log softmax(logits)[label], a scalar (nats). Second-order exact (`logSoftmax`).
 * @param logits `[n, classes]` float32. @param y `[n]` int32 labels in [0, classes).
 * @throws ShapeError on other shapes or dtypes.
 */
export function softmaxCrossEntropy(logits: tf.Tensor, y: tf.Tensor): tf.Scalar {
  checkClassification('softmax cross-entropy', logits, y);
  return tf.tidy(() => tf.neg(tf.mean(tf.sum(tf.mul(tf.oneHot(y as tf.Tensor1D, logits.shape[1]!), logSoftmax(logits)), 1))) as tf.Scalar);
}

/**
 * Fraction of examples whose arg-max logit is the label, a scalar in [0, 1] (ties go to the lowest index). The
 * metric of meta-training and evaluation; {@link accuracyTiesWrong} counts a tie as wrong instead.
 * @param logits `[n, classes]`. @param y `[n]` int32 labels.
 * @throws ShapeError on other shapes or dtypes.
 */
export function accuracy(logits: tf.Tensor, y: tf.Tensor): tf.Scalar {
  checkClassification('accuracy', logits, y);
  return tf.tidy(() => tf.mean(tf.cast(tf.equal(tf.argMax(logits, 1), y), 'float32')) as tf.Scalar);
}

/**
 * Fraction of examples whose label's probability (float32 softmax of the logits) is strictly greater than every
 * other one, a scalar in [0, 1]: a tie at the top is wrong even where the label is one of the tied classes, so a zero
 * head (every logit equal) scores 0, not the share of examples of the first label as {@link accuracy} does. The rule
 * of `metatrain predict --data` (`scorePredictions` in src/meta/prediction-score.ts, where a tie of the highest
 * probability is wrong), on tensors: logits a little apart (0 and 1e-8) whose probabilities are equal in float32
 * are a tie here as there; `metatrain adapt` chooses its number of steps by it (src/meta/personalize.ts).
 * @param logits `[n, classes]` float32. @param y `[n]` int32 labels in [0, classes).
 * @throws ShapeError on other shapes or dtypes.
 */
export function accuracyTiesWrong(logits: tf.Tensor, y: tf.Tensor): tf.Scalar {
  checkClassification('accuracyTiesWrong', logits, y);
  return tf.tidy(() => {
    const probabilities = tf.softmax(logits);
    const isLabel = tf.cast(tf.oneHot(y as tf.Tensor1D, logits.shape[1]!), 'bool');
    const none = tf.fill(logits.shape, -Infinity);
    const label = tf.max(tf.where(isLabel, probabilities, none), 1);
    const otherMax = tf.max(tf.where(isLabel, none, probabilities), 1);
    return tf.mean(tf.cast(tf.greater(label, otherMax), 'float32')) as tf.Scalar;
  });
}

/**
 * Fraction of examples whose highest probability (float32 softmax of the logits) is shared by two or more classes,
 * a scalar in [0, 1]: the ties that {@link accuracyTiesWrong} counts as wrong (a zero head gives 1).
 * @param logits `[n, classes]` float32, classes ≥ 2.
 * @throws ShapeError on another shape.
 */
export function topTieShare(logits: tf.Tensor): tf.Scalar {
  if (logits.rank !== 2 || logits.shape[1]! < 2) throw new ShapeError(`topTieShare: logits must be [n, classes ≥ 2], got [${logits.shape.join(', ')}]`);
  return tf.tidy(() => {
    const [top, second] = tf.topk(tf.softmax(logits), 2).values.unstack(1) as [tf.Tensor1D, tf.Tensor1D];
    return tf.mean(tf.cast(tf.equal(top, second), 'float32')) as tf.Scalar;
  });
}
