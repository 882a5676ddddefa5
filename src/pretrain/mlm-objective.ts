/**
 * The masked-language-model loss (BERT, Devlin et al. 2019, §3.1) of the functional Transformer: each predicted
 * token is read from the encoder's output and scored against every token with the token embeddings tied as
 * the output layer (Press & Wolf 2017; BERT does the same): logits = h · embed.tokenᵀ + mlm.bias.
 * - layers ≥ 1: h is the token state at the predicted position (`TransformerModel.tokenStates`);
 * - layers = 0: positions do not see each other, so h is the text's pooled encoding (`features`): every predicted
 *   token of a text is scored from the mean of its other tokens, as word2vec's CBOW (Mikolov et al. 2013).
 */
import * as tf from '@tensorflow/tfjs';
import { embeddingLookup } from '../model/exact-grad-ops';
import { matMul } from '../model/mat-mul';
import type { TensorMap } from '../model/model';
import { param } from '../model/params-tf';
import { accuracy, softmaxCrossEntropy, type TransformerModel } from '../model/transformer';
import type { Objective } from '../meta/objective-gradient';
import { MLM_BIAS_NAME } from './mlm-bias';


/** A masked batch as tensors (from `maskTokens`). */
export interface MlmTensors {
  /** Masked ids `[n, maxLength]` int32. */
  readonly input: tf.Tensor2D;
  /** Which row of the encoder output each predicted token is read from: `[m]` int32 (rows of `[n·maxLength, d]` token states, or of `[n, d]` pooled encodings for 0 layers). */
  readonly source: tf.Tensor1D;
  /** Original ids of the predicted tokens `[m]` int32. */
  readonly targets: tf.Tensor1D;
}

/**
 * Mean cross-entropy (nats) over the `m` predicted tokens, and the fraction predicted exactly (the metric).
 * @param params the body of `model` (its head is not read) and {@link MLM_BIAS_NAME} `[vocab]`.
 * @param pooled read predictions from the pooled encoding (0-layer models) instead of the token states.
 * @throws ShapeError from the model when the ids do not fit it or a parameter is missing.
 */
export function mlmObjective(model: TransformerModel, pooled: boolean, params: TensorMap, batch: MlmTensors): Objective {
  const [n, length] = batch.input.shape;
  const encoded = pooled ? (model.features(params, batch.input) as tf.Tensor2D) : (tf.reshape(model.tokenStates(params, batch.input), [n * length, -1]) as tf.Tensor2D);
  const picked = embeddingLookup(encoded, batch.source) as tf.Tensor2D;
  const logits = tf.add(matMul(picked, tf.transpose(param<tf.Rank.R2>(params, 'embed.token'))), param(params, MLM_BIAS_NAME));
  return { loss: softmaxCrossEntropy(logits, batch.targets), metric: accuracy(logits, batch.targets) };
}
