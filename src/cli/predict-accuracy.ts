/** What `metatrain predict --data` says of the accuracy: the accuracy line, or why there is none. */
import { countOf } from '../core/count-words';
import type { PredictionScore } from '../meta/prediction-score';

/** The accuracy line (no newline) of a score: 'accuracy 80.0% (12 of 15 labelled lines; 1 tie of …)'. */
export function accuracyLine(score: PredictionScore): string {
  const notes = [
    ...(score.unknownLabels > 0 ? [`${countOf(score.unknownLabels, 'has a label', 'have labels')} the model does not know`] : []),
    ...(score.ties > 0 ? [`${countOf(score.ties, 'tie')} of the highest probability, counted as wrong`] : []),
  ];
  return `accuracy ${((100 * score.correct) / score.examples).toFixed(1)}% (${score.correct} of ${countOf(score.examples, 'labelled line')}${notes.map((n) => `; ${n}`).join('')})`;
}

/**
 * The note (no newline) when some lines of --data have a label and others not, so that no accuracy is printed;
 * undefined when every line has one (the accuracy is printed) or none has (nothing to say).
 * @param labels the label of each line, undefined where it has none.
 */
export function partlyLabelledNote(labels: readonly (string | undefined)[]): string | undefined {
  const labelled = labels.filter((l) => l !== undefined).length;
  if (labelled === 0 || labelled === labels.length) return undefined;
  return `no accuracy: it is printed only when every line has a label, and ${labelled} of ${labels.length} lines ${labelled === 1 ? 'has' : 'have'} one (for an accuracy, give every line a "label", or predict the labelled lines alone)`;
}
