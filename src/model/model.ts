/**
 * The functional model interface: parameters live outside the model as a `ParamSet` (or as tfjs tensors built
 * from one), and `forward(params, x)` is a pure function of them. This is what lets the inner loop
 * differentiate through parameter updates (Finn et al. 2017) and what lets the wire and checkpoints carry plain
 * `Float32Array`s.
 */
import type * as tf from '@tensorflow/tfjs';
import type { ParamSpec } from '../core/param-set';
import type { ExampleSet } from '../tasks/task';

/** Parameter tensors by name, as given to `forward`. */
export type TensorMap = Readonly<Record<string, tf.Tensor>>;

/** Input and target tensors of one example set. */
export interface EncodedBatch {
  /** Model input: `[n, 1]` float32 (regression) or `[n, maxLength]` int32 token ids (text). */
  readonly x: tf.Tensor;
  /** Target: `[n, 1]` float32 (regression) or `[n]` int32 class labels (text). */
  readonly y: tf.Tensor;
}

/** A functional model on tfjs. Implementations: sinusoid MLP, Transformer encoder classifier. */
export interface Model {
  /** Names and shapes of the parameters. */
  readonly spec: ParamSpec;
  /** Parameters of the output head (adapted by ANIL, `adapt: head`). */
  readonly headNames: readonly string[];
  /** LayerNorm gains and biases (adapted with `adapt: head+layernorm`). */
  readonly layerNormNames: readonly string[];
  /** LoRA adapter tensors (adapted, with the head, under `adapt: lora`); empty without adapters. */
  readonly loraNames: readonly string[];
  /**
   * Ops through which `tf.grad` of a function that calls `tf.grads` (second-order MAML / Meta-SGD) would not be
   * exact, e.g. `'softmax (attention)'`; empty when exact second order works (both models here: see their
   * docstrings). Algorithms refuse second-order configs with UnsupportedGradientError naming these ops.
   */
  readonly secondOrderBlockers: readonly string[];
  /** Turns examples into tensors. The caller disposes the result. */
  encode(set: ExampleSet): EncodedBatch;
  /** Predictions `[n, 1]` or logits `[n, outputs]` for input `x`: `head(params, features(params, x))`. Pure in `params`. */
  forward(params: TensorMap, x: tf.Tensor): tf.Tensor;
  /**
   * The body: everything before the head, `x` → features `[n, f]` (the last hidden layer of the MLP, the pooled
   * encoding of the Transformer). Reads no head parameter.
   */
  features(params: TensorMap, x: tf.Tensor): tf.Tensor;
  /** The head alone: features `[n, f]` → predictions or logits. Reads only the parameters in `headNames`. */
  head(params: TensorMap, features: tf.Tensor): tf.Tensor;
  /** Scalar training loss: MSE (regression) or mean softmax cross-entropy (classification). */
  loss(prediction: tf.Tensor, y: tf.Tensor): tf.Scalar;
  /** Scalar quality: MSE (regression, lower is better) or accuracy in [0, 1] (classification). */
  metric(prediction: tf.Tensor, y: tf.Tensor): tf.Scalar;
}
