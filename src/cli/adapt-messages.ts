/** What `metatrain adapt` says as it starts and of the accuracy it reaches, which depends on --max-steps and the head. */
import { countOf } from '../core/count-words';

/**
 * Whether a held-out accuracy is no better than guessing among `labels` classes. The accuracy is a float32
 * (1/3 reads 0.33333334), so the comparison allows a little above 1/labels.
 */
export function atChanceLevel(accuracy: number, labels: number): boolean {
  return accuracy <= 1 / labels + 1e-6;
}

/**
 * The line said before the fine-tuning of `examples` examples starts (it can take minutes, and Ctrl-C is acted on
 * during it). With `maxSteps` 0 nothing is fine-tuned: the meta-initialization is only scored on held-out examples.
 */
export function adaptStartLine(examples: number, maxSteps: number): string {
  const work = maxSteps === 0
    ? `no fine-tuning (--max-steps 0): keeping the meta-initialization as it is and measuring its accuracy on held-out ones of the ${countOf(examples, 'example')}`
    : `fine-tuning on ${countOf(examples, 'example')} for up to ${countOf(maxSteps, 'step')}, the number chosen on held-out ones`;
  return `${work} (Ctrl-C stops it, writing nothing)`;
}

/** Held-out examples below which {@link chanceWarning} says that its estimate rests on so few (one more right or wrong moves it a lot). */
export const FEW_HELD_OUT = 10;

/** What adapt reached: {@link chanceWarning}'s input. */
export interface AdaptOutcome {
  /** Held-out accuracy at the chosen number of steps, in [0, 1] (a tie counts as wrong). */
  heldOutAccuracy: number;
  /** Number of held-out examples the accuracy was measured on (≥ 1). */
  heldOutExamples: number;
  /** How many of them had their highest probability tied between labels at the chosen number of steps. */
  heldOutTies: number;
  /** Number of labels of the data. */
  labels: number;
  /** Fine-tuning steps chosen. */
  steps: number;
  /** --max-steps: the largest number of steps considered. */
  maxSteps: number;
  /** Whether the checkpoint's head was replaced (it was trained for another number of labels). */
  headReset: boolean;
  /** How the head starts (`algorithm.headInit`): `prototypes` sets it from the mean features of each label's training examples. */
  headInit: 'learned' | 'prototypes';
}

/**
 * The warning (no newline) when the held-out accuracy is at or below chance level (a tie counts as wrong, so it
 * can be below), or undefined when it is above. Why is said only as far as it is known: a head reset to zeros
 * (headInit learned) and not fine-tuned ties every label, said so when the held-out predictions were indeed all
 * ties; other all-tie predictions are said to be ties, without a cause; otherwise the model is no better than
 * guessing. Under {@link FEW_HELD_OUT} held-out examples it says how few the estimate rests on.
 */
export function chanceWarning(o: AdaptOutcome): string | undefined {
  if (!atChanceLevel(o.heldOutAccuracy, o.labels)) return undefined;
  const said = `warning: held-out accuracy ${(100 * o.heldOutAccuracy).toFixed(1)}% is at or below chance level for ${o.labels} labels`;
  const few = o.heldOutExamples < FEW_HELD_OUT ? `; the estimate rests on ${countOf(o.heldOutExamples, 'held-out example')} only` : '';
  const allTies = o.heldOutTies === o.heldOutExamples;
  if (allTies && o.headReset && o.headInit === 'learned' && o.steps === 0) {
    const why = o.maxSteps === 0 ? '--max-steps 0' : '0 steps chosen';
    const help = o.maxSteps === 0 ? 'give --max-steps above 0 to fine-tune it' : 'more examples per label may help';
    return `${said}: the checkpoint's head, trained for another number of labels, was reset to zeros and not fine-tuned (${why}), so it gives every label the same probability and cannot tell them apart (a tie counts as wrong)${few}; ${help}`;
  }
  if (allTies) {
    return `${said}: the adapted model gave the same highest probability to two or more labels for every held-out example (a tie counts as wrong)${few}; more examples per label, or texts that differ between labels, may help`;
  }
  const ties = o.heldOutTies > 0 ? ` (${o.heldOutTies} of the ${countOf(o.heldOutExamples, 'held-out example')} tied, which counts as wrong)` : '';
  return `${said}: the adapted model is no better than guessing${ties}${few}; more examples per label may help`;
}
