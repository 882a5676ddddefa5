/**
 * Scoring predictions (./predict) against the labels of their texts, the rule of `metatrain predict --data`: a tie
 * of the highest probability names no label, so it is never a right answer, even where its first label is the text's.
 * `accuracyTiesWrong` (src/model/transformer.ts) is the same rule on logit tensors (it compares their float32 softmax), by which `metatrain adapt`
 * chooses its number of steps and reports its held-out accuracy.
 */
import { countOf } from '../core/count-words';
import type { Prediction } from './predict';

/** How predictions compare with the labels of their texts. */
export interface PredictionScore {
  /** Labelled texts scored. */
  readonly examples: number;
  /** Texts whose prediction is their label and no tie. */
  readonly correct: number;
  /** `correct / examples`, in [0, 1]. */
  readonly accuracy: number;
  /** Texts whose highest probability is a tie (counted as wrong). */
  readonly ties: number;
  /** Texts whose label is not one of the model's (always wrong). */
  readonly unknownLabels: number;
}

/**
 * The score of `predictions` against `labels` (the label of each text, in the same order) for a model whose labels
 * are `modelLabels`: a prediction is right when it is no tie and its label is the text's.
 * @throws RangeError when there are no predictions or `labels` has another length.
 */
export function scorePredictions(predictions: readonly Prediction[], labels: readonly string[], modelLabels: readonly string[]): PredictionScore {
  if (predictions.length === 0) throw new RangeError('scorePredictions: no predictions to score');
  if (labels.length !== predictions.length) throw new RangeError(`scorePredictions: ${countOf(predictions.length, 'prediction')} but ${countOf(labels.length, 'label')}`);
  const correct = predictions.filter((p, i) => !p.tie && p.label === labels[i]).length;
  return {
    examples: predictions.length,
    correct,
    accuracy: correct / predictions.length,
    ties: predictions.filter((p) => p.tie).length,
    unknownLabels: labels.filter((l) => !modelLabels.includes(l)).length,
  };
}
