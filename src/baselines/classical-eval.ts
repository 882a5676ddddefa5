/**
 * Classical few-shot baselines, evaluated by the coordinator on the same meta-test tasks as the meta-learned
 * initialization: TF-IDF vectors (./tfidf; document frequencies fitted on the meta-train classes' texts only)
 * classified by nearest centroid (./nearest-centroid) or by a logistic regression fitted on each task's support
 * set (./logistic-regression). They do not fine-tune a network: one accuracy per task.
 * - `tfidf-char`, `tfidf-char-lr`: character 3–5-grams; `tfidf-word`, `tfidf-word-lr`: word 1–2-grams. (Measured
 *   on the quickstart's SOTU 5-way 5-shot tasks, these were the strongest of char 1–3 / 2–4 / 3–5 and word 1 / 1–2.)
 */
import { meanCI95 } from '../core/stats';
import type { ClassicalResult } from '../summary';
import type { TaskFamily, TaskSpec, TextSet } from '../tasks/task';
import { metaTrainTexts, type TextTaskFamily } from '../tasks/text-corpus';
import { logisticRegressionAccuracy } from './logistic-regression';
import { nearestCentroidAccuracy } from './nearest-centroid';
import { charNgrams, fitTfidf, wordNgrams, type Analyzer } from './tfidf';

/** Names of the classical baselines (values of `evaluation.baselines`). */
export const CLASSICAL_BASELINES = ['tfidf-char', 'tfidf-word', 'tfidf-char-lr', 'tfidf-word-lr'] as const;
/** A classical baseline's name. */
export type ClassicalBaselineName = (typeof CLASSICAL_BASELINES)[number];

/** Accuracy of a classifier fitted on `support` and tested on `query`. */
type Classifier = typeof nearestCentroidAccuracy;

const CHAR_3_5 = charNgrams(3, 5);
const WORD_1_2 = wordNgrams(1, 2);

const BASELINES: Record<ClassicalBaselineName, { analyzer: Analyzer; classifier: Classifier; description: string }> = {
  'tfidf-char': { analyzer: CHAR_3_5, classifier: nearestCentroidAccuracy, description: 'TF-IDF of character 3–5-grams, nearest centroid (cosine)' },
  'tfidf-word': { analyzer: WORD_1_2, classifier: nearestCentroidAccuracy, description: 'TF-IDF of word 1–2-grams, nearest centroid (cosine)' },
  'tfidf-char-lr': { analyzer: CHAR_3_5, classifier: logisticRegressionAccuracy, description: 'TF-IDF of character 3–5-grams, logistic regression (C = 1)' },
  'tfidf-word-lr': { analyzer: WORD_1_2, classifier: logisticRegressionAccuracy, description: 'TF-IDF of word 1–2-grams, logistic regression (C = 1)' },
};

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
  const trainTexts = metaTrainTexts(family);
  const tasks = specs.map((s) => family.build(s));
  const results = new Map<ClassicalBaselineName, ClassicalResult>();
  // Baselines that share an analyzer share its fitted vocabulary and each task's vectors.
  for (const analyzer of new Set(names.map((n) => BASELINES[n].analyzer))) {
    const group = names.filter((n) => BASELINES[n].analyzer === analyzer);
    const vectorizer = await fitTfidf(trainTexts, analyzer);
    const accuracies = group.map((): number[] => []);
    for (const task of tasks) {
      if (task.support.kind !== 'text' || task.query.kind !== 'text') throw new RangeError(`classical baseline ${group[0]}: task of family ${task.spec.family} is not text`);
      const vectors = (set: TextSet) => set.texts.map((t, i) => ({ vector: vectorizer.transform(t), label: set.labels[i]! }));
      const [support, query] = [vectors(task.support), vectors(task.query)];
      group.forEach((name, g) => accuracies[g]!.push(BASELINES[name].classifier(support, query, family.outputs)));
      await new Promise((r) => setImmediate(r));
    }
    group.forEach((name, g) => results.set(name, { name, description: BASELINES[name].description, vocabularySize: vectorizer.vocabularySize, metric: meanCI95(accuracies[g]!) }));
  }
  return names.map((n) => results.get(n)!);
}
