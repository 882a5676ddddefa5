/**
 * Choosing the number of fine-tuning steps from the support set alone (early stopping on a validation split,
 * Prechelt 1998, applied to MAML's inner loop): part of the support set is held out, the rest fine-tuned on for
 * s = 0..S steps, and the s of best held-out metric chosen. `metatrain adapt` (./personalize) does this per user;
 * few-shot evaluation does it per task and reports the query metric at the chosen s beside the fixed-s curve.
 */
import type { ParamSet } from '../core/param-set';
import type { Model } from '../model/model';
import type { Task, TextSet } from '../tasks/task';
import type { AdaptOptions } from './adapt';
import { evaluateAdaptation } from './evaluate';

/**
 * The step count s in [0, curve.length) of best `curve[s]` (highest when `higherIsBetter`, else lowest),
 * the fewest steps among ties.
 * @throws RangeError on an empty curve.
 */
export function bestStepCount(curve: readonly number[], higherIsBetter: boolean): number {
  if (curve.length === 0) throw new RangeError('bestStepCount: empty curve');
  let best = 0;
  for (let s = 1; s < curve.length; s++) if (higherIsBetter ? curve[s]! > curve[best]! : curve[s]! < curve[best]!) best = s;
  return best;
}

/**
 * The step count chosen on `task`'s support set for fine-tuning from `params`: the last support example of every
 * class is held out, the model fine-tuned on the others for 0..`options.steps` steps and scored on the held-out
 * ones (accuracy, higher is better); undefined when some class has fewer than 2 support examples (1-shot: nothing
 * to hold out) or the task is not text classification.
 * @throws ShapeError as `evaluateAdaptation`.
 */
export function chooseSteps(model: Model, params: ParamSet, task: Task, options: AdaptOptions): number | undefined {
  const split = heldOutSplit(task);
  return split && bestStepCount(evaluateAdaptation(model, params, split, options).metric, true);
}

/**
 * The split {@link chooseSteps} scores on: `task` with the last support example of every class as the query set and
 * the other support examples as the support set; undefined when some class has fewer than 2 support examples or
 * the task is not text classification.
 */
export function heldOutSplit(task: Task): Task | undefined {
  const support = task.support;
  if (support.kind !== 'text') return undefined;
  const last = new Map<number, number>();
  const counts = new Map<number, number>();
  support.labels.forEach((label, i) => {
    last.set(label, i);
    counts.set(label, (counts.get(label) ?? 0) + 1);
  });
  if ([...counts.values()].some((n) => n < 2)) return undefined;
  const held = new Set(last.values());
  const pick = (keep: (i: number) => boolean): TextSet => {
    const idx = support.texts.map((_, i) => i).filter(keep);
    return { kind: 'text', texts: idx.map((i) => support.texts[i]!), labels: Int32Array.from(idx.map((i) => support.labels[i]!)) };
  };
  return { spec: task.spec, support: pick((i) => !held.has(i)), query: pick((i) => held.has(i)) };
}
