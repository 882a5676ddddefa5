/**
 * Prediction with an adapted model: class probabilities (softmax of the logits) for texts. The library twin of
 * `metatrain predict`; initialize a tfjs backend first (`initBackend`).
 */
import * as tf from '@tensorflow/tfjs';
import { isTextModelKind } from '../core/config';
import { CheckpointError, DatasetError } from '../core/errors';
import { createModel } from '../model/create-model';
import { toTensors } from '../model/params-tf';
import { textTokenizerFor } from '../model/text-tokenizer';
import type { AdaptedModel } from './adapted-model';
import { allBadLines, MAX_REPORTED_LINES } from '../tasks/jsonl';

/** Texts encoded and run per forward pass (bounds memory for large files). */
const BATCH = 64;

/** One text's prediction. */
export interface Prediction {
  /** The most probable label (the first of equals, in label order: see `tie`). */
  readonly label: string;
  /** Its probability, in [0, 1]. */
  readonly probability: number;
  /** Probability of every label, in label order; they sum to 1 (float32 rounding aside). */
  readonly probabilities: Readonly<Record<string, number>>;
  /**
   * Present only when several labels share the highest probability exactly (e.g. an untrained head gives every
   * label the same): those labels, in label order (`label` is the first of them, not a winner).
   */
  readonly tie?: readonly string[];
}

/** Where the texts came from, for errors: a file (1-based line of each text) or a command-line option. */
export interface TextSource {
  /** File path or option name, e.g. `user.jsonl` or `--text`. */
  readonly name: string;
  /** Line number of each text in the file (absent for an option: texts are numbered from 1). */
  readonly lines?: readonly number[];
}

/** Options of {@link predict}. */
export interface PredictOptions {
  /** Read only the first `model.maxLength` tokens of longer texts, as training does, instead of refusing them. @default false */
  readonly truncate?: boolean;
}

/**
 * Class probabilities of `texts` under `adapted` (`[texts.length, labels.length]` softmax of the logits, one
 * {@link Prediction} per text, in order). Runs in batches of 64 texts; leaves no tensor behind. Of a long text only
 * the prefix that `model.maxLength + 1` tokens need is read, so a text of any length is refused or truncated at once.
 * @throws DatasetError naming `source` and the text's line (or number) when there are no texts, a text is empty,
 *   or (without `truncate`) a text has more tokens than the model reads (`model.maxLength`, CLS included); every
 *   such text is named in one error (`allBadLines` of src/tasks/jsonl.ts: the first in full, up to 20 listed).
 * @throws CheckpointError when the model is not a text classifier.
 */
export function predict(adapted: AdaptedModel, texts: readonly string[], source: TextSource, options: PredictOptions = {}): Prediction[] {
  const where = (i: number) => (source.lines ? source.lines[i] : i + 1);
  if (!isTextModelKind(adapted.model.kind)) throw new CheckpointError(`the model is a ${adapted.model.kind}; predict classifies texts (transformer, bert)`);
  if (texts.length === 0) throw new DatasetError(source.name, 'no texts to predict');
  const tokenizer = textTokenizerFor(adapted.model);
  // The errors of the first MAX_REPORTED_LINES bad texts, and how many there are (a file of a million: 20 errors made).
  const bad: DatasetError[] = [];
  let badCount = 0;
  const badText = (i: number, detail: () => string) => {
    if (badCount++ < MAX_REPORTED_LINES) bad.push(new DatasetError(source.name, detail(), source.lines?.[i]));
  };
  const max = adapted.model.maxLength;
  let tooLong = 0; // the first too-long text is told what to do, the others only named
  texts.forEach((text, i) => {
    if (text.trim().length === 0) badText(i, () => `text ${where(i)} is empty`);
    else if (!options.truncate && tokenizer.tokenCount(text, max) > max) {
      const advice = tooLong++ === 0 ? ` (CLS included, ${adapted.model.tokenizer} tokenizer), the most the model reads (model.maxLength); shorten it or pass --truncate to read only its first ${max}` : '';
      badText(i, () => `text ${where(i)} has more than ${max} tokens${advice}`);
    }
  });
  if (badCount > 0) throw allBadLines(source.name, bad, source.lines ? 'line' : 'text', { total: badCount, outcome: 'nothing was predicted' });
  const model = createModel(adapted.model, adapted.labels.length);
  const params = toTensors(adapted.params);
  const out: Prediction[] = [];
  try {
    for (let begin = 0; begin < texts.length; begin += BATCH) {
      const batch = texts.slice(begin, begin + BATCH);
      const probs = tf.tidy(() => {
        const { x } = model.encode({ kind: 'text', texts: batch, labels: new Int32Array(batch.length) });
        return tf.softmax(model.forward(params, x)).dataSync() as Float32Array;
      });
      const k = adapted.labels.length;
      batch.forEach((_, row) => {
        const p = probs.subarray(row * k, (row + 1) * k);
        let best = 0;
        for (let c = 1; c < k; c++) if (p[c]! > p[best]!) best = c;
        const tie = adapted.labels.filter((_, c) => p[c] === p[best]);
        out.push({ label: adapted.labels[best]!, probability: p[best]!, probabilities: Object.fromEntries(adapted.labels.map((l, c) => [l, p[c]!])), ...(tie.length > 1 ? { tie } : {}) });
      });
    }
  } finally {
    tf.dispose(params);
  }
  return out;
}
