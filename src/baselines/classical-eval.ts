/**
 * Classical few-shot baselines, evaluated by the coordinator on the same meta-test tasks as the meta-learned
 * initialization: TF-IDF vectors (./tfidf; document frequencies fitted on the meta-train classes' texts only)
 * with nearest-centroid classification (./nearest-centroid). They do not fine-tune: one accuracy per task.
 * - `tfidf-char`: character 3–5-grams; `tfidf-word`: word 1–2-grams. (Measured on the quickstart's SOTU
 *   5-way 5-shot tasks, these were the strongest of char 1–3 / 2–4 / 3–5 and word 1 / 1–2.)
 */
import { meanCI95, type MeanCI } from '../core/stats';
import type { TaskFamily, TaskSpec } from '../tasks/task';
import type { TextTaskFamily } from '../tasks/text-corpus';
import { nearestCentroidAccuracy } from './nearest-centroid';
import { charNgrams, fitTfidf, wordNgrams, type Analyzer } from './tfidf';

/** Names of the classical baselines (values of `evaluation.baselines`). */
export const CLASSICAL_BASELINES = ['tfidf-char', 'tfidf-word'] as const;
/** A classical baseline's name. */
export type ClassicalBaselineName = (typeof CLASSICAL_BASELINES)[number];

const ANALYZERS: Record<ClassicalBaselineName, { analyzer: Analyzer; description: string }> = {
  'tfidf-char': { analyzer: charNgrams(3, 5), description: 'TF-IDF of character 3–5-grams, nearest centroid (cosine)' },
  'tfidf-word': { analyzer: wordNgrams(1, 2), description: 'TF-IDF of word 1–2-grams, nearest centroid (cosine)' },
};

/** The result of one classical baseline: accuracy over the meta-test tasks. */
export interface ClassicalResult {
  readonly name: ClassicalBaselineName;
  readonly description: string;
  /** Terms fitted on the meta-train texts. */
  readonly vocabularySize: number;
  readonly metric: MeanCI;
}

/** True for text families (a corpus and class splits to fit a vocabulary on). */
export function isTextFamily(family: TaskFamily): family is TextTaskFamily {
  return 'corpus' in family && 'splits' in family;
}

/**
 * Evaluates each baseline of `names` on the tasks `specs` of `family`, fitting document frequencies on the texts
 * of the meta-train classes (`family.splits.train`).
 * @throws RangeError when the meta-train split has no text; ProtocolError from `family.build` on a bad spec.
 */
export async function evaluateClassical(family: TextTaskFamily, specs: readonly TaskSpec[], names: readonly ClassicalBaselineName[]): Promise<ClassicalResult[]> {
  const trainTexts = family.splits.train.flatMap((c) => family.corpus.examples[c]!);
  const tasks = specs.map((s) => family.build(s));
  const results: ClassicalResult[] = [];
  for (const name of names) {
    const { analyzer, description } = ANALYZERS[name];
    const vectorizer = await fitTfidf(trainTexts, analyzer);
    const accuracies: number[] = [];
    for (const task of tasks) {
      if (task.support.kind !== 'text' || task.query.kind !== 'text') throw new RangeError(`classical baseline ${name}: task of family ${task.spec.family} is not text`);
      const vectors = (set: typeof task.support & { kind: 'text' }) => set.texts.map((t, i) => ({ vector: vectorizer.transform(t), label: set.labels[i]! }));
      accuracies.push(nearestCentroidAccuracy(vectors(task.support), vectors(task.query), family.outputs));
      await new Promise((r) => setImmediate(r));
    }
    results.push({ name, description, vocabularySize: vectorizer.vocabularySize, metric: meanCI95(accuracies) });
  }
  return results;
}
