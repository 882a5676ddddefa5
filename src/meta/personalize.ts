/**
 * Personalization: adapt a meta-initialization to one user's few labelled examples, choosing the number of
 * fine-tuning steps itself. Part of each label's examples is held out; the held-out accuracy is measured after
 * s = 0..maxSteps steps of fine-tuning on the rest; the best s (fewest steps among ties) is then used to adapt on
 * all examples. This is early stopping on a validation split (Prechelt 1998) applied to the inner loop of MAML
 * (Finn et al. 2017); the reported accuracy is the held-out accuracy at the chosen s (optimistic: s was chosen on
 * the same held-out examples). A tie of the highest probabilities (float32 softmax of the logits) counts as wrong
 * (`accuracyTiesWrong`), as in `metatrain predict --data`: a head reset to zeros, all ties, scores 0 before
 * fine-tuning, not the share of the first label.
 */
import { DatasetError, ShapeError } from '../core/errors';
import type { ParamSet } from '../core/param-set';
import { Rng } from '../core/rng';
import { runStepwiseAsync, TURN_INTERVAL_MS, turnEvery } from '../core/stepwise';
import type { Model } from '../model/model';
import { accuracyTiesWrong } from '../model/transformer';
import type { Task, TextSet } from '../tasks/task';
import { adaptParamsSteps, type AdaptingAlgorithm } from './adapt';
import { bestStepCount } from './choose-steps';
import { evaluateAdaptationSteps } from './evaluate';
import { FeatureCache } from './feature-cache';

/** One labelled example of the user. */
export interface UserExample {
  text: string;
  label: string;
}

/** Largest number of fine-tuning steps {@link personalize} considers unless told (`metatrain adapt --max-steps`). */
export const DEFAULT_MAX_STEPS = 50;

/** Options of {@link personalize}. */
export interface PersonalizeOptions {
  /** Largest number of fine-tuning steps considered. @default {@link DEFAULT_MAX_STEPS} */
  maxSteps?: number;
  /** Fraction of each label's examples held out (at least one per label with ≥ 2 examples). @default 0.2 */
  holdoutFraction?: number;
  /** Seed of the held-out draw. @default 0 */
  seed?: number;
  /** Where the examples came from, named by the errors (the JSONL file of `metatrain adapt --data`). @default 'user data' */
  source?: string;
}

/** The adapted model and how it was chosen. */
export interface Personalization {
  /** Adapted model parameters (spec of the model given). */
  params: ParamSet;
  /** Label names; output i of the model is `labels[i]`. */
  labels: string[];
  /** Fine-tuning steps chosen. */
  steps: number;
  /** Held-out accuracy after s = 0..maxSteps steps (a tie counts as wrong). */
  curve: number[];
  /** Held-out accuracy at the chosen number of steps, in [0, 1]. */
  heldOutAccuracy: number;
  heldOutExamples: number;
  /** Held-out examples whose highest probability was tied at the chosen number of steps (all of them for a zero head). */
  heldOutTies: number;
  trainingExamples: number;
}

/**
 * The label names of `examples` in order of first appearance, when they can be personalized on: at least 2 labels,
 * and some label with 2 examples (one is held out to choose the number of steps; with `maxSteps` 0, to measure the
 * held-out accuracy of the meta-initialization, which {@link personalize} reports then too). Checked before any work.
 * @param maxSteps {@link PersonalizeOptions.maxSteps}: the error says what the held-out example is for.
 * @throws DatasetError naming `source` when there are fewer than 2 labels or no label has 2 examples.
 */
export function personalizableLabels(examples: readonly UserExample[], source: string, maxSteps = DEFAULT_MAX_STEPS): string[] {
  const counts = new Map<string, number>();
  for (const e of examples) counts.set(e.label, (counts.get(e.label) ?? 0) + 1);
  const labels = [...counts.keys()];
  if (labels.length < 2) throw new DatasetError(source, `needs at least 2 different labels, got ${labels.length} (${labels.join(', ') || 'none'})`);
  if (![...counts.values()].some((n) => n >= 2)) {
    const heldOutFor = maxSteps === 0 ? "measure the meta-initialization's held-out accuracy (--max-steps 0 fine-tunes nothing, but the accuracy is still measured on held-out examples)" : 'choose the number of steps';
    throw new DatasetError(source, `needs at least 2 examples of some label to hold one out and ${heldOutFor}`);
  }
  return labels;
}

function textSet(examples: readonly UserExample[], labels: readonly string[]): TextSet {
  return { kind: 'text', texts: examples.map((e) => e.text), labels: Int32Array.from(examples.map((e) => labels.indexOf(e.label))) };
}

/**
 * Adapts `metaParams` to `examples` with `model` (whose head has one output per label). The fine-tuning gives the
 * event loop a turn at least every {@link TURN_INTERVAL_MS} (src/core/stepwise.ts), so that Ctrl-C or SIGTERM is
 * handled during it, which may take minutes; the result is the same as without the turns.
 * @param resetHead start from a zero head (the checkpoint's head was trained for another number of classes).
 * @throws (rejects with) DatasetError as {@link personalizableLabels}; ShapeError when the model's outputs differ from the number of labels.
 */
export async function personalize(model: Model, metaParams: ParamSet, examples: readonly UserExample[], algorithm: AdaptingAlgorithm, resetHead: boolean, options: PersonalizeOptions = {}): Promise<Personalization> {
  const maxSteps = options.maxSteps ?? DEFAULT_MAX_STEPS;
  const labels = personalizableLabels(examples, options.source ?? 'user data', maxSteps);
  const headOut = model.spec.get(model.headNames.find((n) => model.spec.get(n)!.length === 1) ?? model.headNames[0]!)!;
  if (headOut.at(-1) !== labels.length) throw new ShapeError(`model has ${headOut.at(-1)} outputs but the user data has ${labels.length} labels`);
  const rng = new Rng(options.seed ?? 0);
  const fraction = options.holdoutFraction ?? 0.2;
  const train: UserExample[] = [];
  const held: UserExample[] = [];
  for (const label of labels) {
    const mine = rng.shuffle(examples.filter((e) => e.label === label));
    const k = mine.length >= 2 ? Math.max(1, Math.floor(mine.length * fraction)) : 0;
    // Not push(...): a label with some 100,000 examples would overflow the call stack.
    for (const e of mine.slice(0, k)) held.push(e);
    for (const e of mine.slice(k)) train.push(e);
  }
  const task: Task = { spec: { family: 'user', split: 'test', seed: options.seed ?? 0 }, support: textSet(train, labels), query: textSet(held, labels) };
  const featureCache = new FeatureCache(); // the final adaptation meets the held-out split's examples again
  const between = turnEvery(TURN_INTERVAL_MS);
  const scored = await runStepwiseAsync(evaluateAdaptationSteps(model, metaParams, task, { steps: maxSteps, algorithm, resetHead, featureCache, metric: accuracyTiesWrong, ties: true }), between);
  const curve = scored.metric;
  const steps = bestStepCount(curve, true);
  const params = await runStepwiseAsync(adaptParamsSteps(model, metaParams, textSet(examples, labels), { steps, algorithm, resetHead, featureCache }), between);
  return { params, labels, steps, curve, heldOutAccuracy: curve[steps]!, heldOutExamples: held.length, heldOutTies: Math.round(scored.ties![steps]! * held.length), trainingExamples: train.length };
}
