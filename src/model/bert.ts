/**
 * BERT encoder text classifier in the Hugging Face `BertModel` layout (Devlin et al. 2019, "BERT: Pre-training of
 * Deep Bidirectional Transformers for Language Understanding"; post-LayerNorm as Vaswani et al. 2017):
 *
 * ```
 * h = LN_embed(word[x] + position[0..L) + type[0])                  token type ids are all 0
 * per layer:  h = LN1(h + MHA(h))    MHA with biases on q, k, v, o; padding keys masked
 *             h = LN2(h + W2·gelu(W1·h + b1) + b2)                  exact GELU (erf)
 * features = mean of h over non-pad tokens;  logits = features · head.w + head.b
 * ```
 * So an imported Hugging Face checkpoint (`metatrain import-hf`) gives the same token states as `BertModel`'s
 * `last_hidden_state` (test/hf/import-hf.test.ts checks it against an independent NumPy forward pass). The pad id
 * is the tokenizer's (`textTokenizerFor(model).padId`); `[CLS]` and `[SEP]` count as tokens in the mean. Parameter
 * names and shapes: `architectureOf` in ./architecture. Loss: mean softmax cross-entropy; metric: accuracy.
 *
 * Second order: exact. Softmax and log-softmax from ./exact-grad-ops, GELU too (`gelu`, whose gradient Φ(x) + x·φ(x)
 * is written from the input with erf and exp of exact gradients); LayerNorm is built from ops with exact
 * gradients. So `secondOrderBlockers` is empty (test/model/bert.test.ts checks GELU's second derivative).
 */
import * as tf from '@tensorflow/tfjs';
import type { ExampleSet } from '../tasks/task';
import { architectureOf, type ModelConfig } from './architecture';
import { embeddingLookup, gelu, softmax } from './exact-grad-ops';
import { matMul } from './mat-mul';
import type { Model, TensorMap } from './model';
import { param } from './params-tf';
import { textTokenizerFor } from './text-tokenizer';
import { accuracy, encodeTextSet, layerNorm, paddingMasks, softmaxCrossEntropy, type TransformerModel } from './transformer';

/** `bert.layerNormEps` when the config omits it (Hugging Face `BertConfig.layer_norm_eps`). */
export const BERT_LAYER_NORM_EPS = 1e-12;

/**
 * Builds the BERT classifier for `model` (kind `bert`: layers, dModel, heads, dFf, maxLength, vocabSize,
 * typeVocabSize, layerNormEps, tokenizer hf) with `outputs` classes. Reads the tokenizer file (for its pad id).
 * `forward` takes int32 ids `[n, L]`, L ≤ maxLength, and returns logits `[n, outputs]`.
 * @throws ShapeError as `architectureOf`; TokenizerFileError when the tokenizer cannot be read.
 */
export function createBert(model: ModelConfig, outputs: number): TransformerModel {
  const arch = architectureOf(model, outputs);
  const { layers, dModel: d, heads, maxLength } = model;
  const dHead = d / heads;
  const eps = model.layerNormEps ?? BERT_LAYER_NORM_EPS;
  const tokenizer = textTokenizerFor(model);
  const padId = tokenizer.padId;

  function dense(params: TensorMap, w: string, b: string, x: tf.Tensor2D): tf.Tensor2D {
    return tf.add(matMul(x, param<tf.Rank.R2>(params, w)), param(params, b));
  }

  function attention(params: TensorMap, p: string, x: tf.Tensor3D, keyBias: tf.Tensor): tf.Tensor3D {
    const [n, len] = x.shape;
    const flat = tf.reshape(x, [n * len, d]) as tf.Tensor2D;
    // [n·L, d] → [n, L, heads, dHead] → [n, heads, L, dHead] (perm 0,2,1,3) or [n, heads, dHead, L] (0,2,3,1)
    const project = (m: string, perm: number[]) => tf.transpose(tf.reshape(dense(params, `${p}.attn.w${m}`, `${p}.attn.b${m}`, flat), [n, len, heads, dHead]), perm);
    const scores = tf.add(tf.mul(matMul(project('q', [0, 2, 1, 3]), project('k', [0, 2, 3, 1])), 1 / Math.sqrt(dHead)), keyBias);
    const context = matMul(softmax(scores), project('v', [0, 2, 1, 3])); // [n, heads, L, dHead]
    const merged = tf.reshape(tf.transpose(context, [0, 2, 1, 3]), [n * len, d]) as tf.Tensor2D;
    return tf.reshape(dense(params, `${p}.attn.wo`, `${p}.attn.bo`, merged), [n, len, d]);
  }

  function feedForward(params: TensorMap, p: string, x: tf.Tensor3D): tf.Tensor3D {
    const [n, len] = x.shape;
    const hidden = gelu(dense(params, `${p}.ff.w1`, `${p}.ff.b1`, tf.reshape(x, [n * len, d]))) as tf.Tensor2D;
    return tf.reshape(dense(params, `${p}.ff.w2`, `${p}.ff.b2`, hidden), [n, len, d]);
  }

  /** The last layer's output `[n, L, d]` (`last_hidden_state`) of ids `[n, L]`, and the float mask of non-pad tokens. */
  function encodeTokens(params: TensorMap, x: tf.Tensor): { states: tf.Tensor3D; mask: tf.Tensor2D } {
    const { len, mask, keyBias } = paddingMasks('bert', x, maxLength, padId);
    const positions = tf.slice(param(params, 'embed.position'), [0, 0], [len, d]);
    const type0 = tf.slice(param(params, 'embed.type'), [0, 0], [1, d]);
    const embedded = tf.add(tf.add(embeddingLookup(param(params, 'embed.token'), x), positions), type0) as tf.Tensor3D;
    let h = layerNorm(params, 'embed.norm', embedded, eps);
    for (let i = 0; i < layers; i++) {
      const p = `layer${i}`;
      h = layerNorm(params, `${p}.ln1`, tf.add(h, attention(params, p, h, keyBias)), eps);
      h = layerNorm(params, `${p}.ln2`, tf.add(h, feedForward(params, p, h)), eps);
    }
    return { states: h, mask };
  }

  function features(params: TensorMap, x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const { states, mask } = encodeTokens(params, x);
      return tf.div(tf.sum(tf.mul(states, tf.expandDims(mask, 2)), 1), tf.sum(mask, 1, true));
    });
  }

  function head(params: TensorMap, pooled: tf.Tensor): tf.Tensor {
    return tf.tidy(() => dense(params, 'head.w', 'head.b', pooled as tf.Tensor2D));
  }

  const bert: TransformerModel = {
    ...arch,
    secondOrderBlockers: [],
    encode: (set: ExampleSet) => encodeTextSet('bert', set, outputs, tokenizer, maxLength),
    forward: (params: TensorMap, x: tf.Tensor) => tf.tidy(() => head(params, features(params, x))),
    features,
    tokenStates: (params: TensorMap, x: tf.Tensor) => tf.tidy(() => encodeTokens(params, x).states),
    head,
    loss: softmaxCrossEntropy,
    metric: accuracy,
  };
  return bert satisfies Model;
}
