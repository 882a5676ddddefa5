/**
 * Nearest-centroid classification of sparse vectors by cosine similarity (Rocchio 1971; the "nearest class
 * mean" few-shot baseline of Snell et al. 2017 on fixed features): each class's centroid is the sum of its
 * support vectors, a query goes to the class of highest cosine similarity (ties to the lowest class index).
 */
import type { SparseVector } from './tfidf';

/**
 * Accuracy in [0, 1] of nearest-centroid classification of `query` given `support`.
 * @param support vectors with labels in [0, classes). @param query vectors with their true labels.
 * @throws RangeError when a label is outside [0, classes) or `query` is empty.
 */
export function nearestCentroidAccuracy(
  support: ReadonlyArray<{ vector: SparseVector; label: number }>,
  query: ReadonlyArray<{ vector: SparseVector; label: number }>,
  classes: number,
): number {
  if (query.length === 0) throw new RangeError('nearest centroid: empty query set');
  const centroids = Array.from({ length: classes }, () => new Map<string, number>());
  for (const { label } of [...support, ...query]) {
    if (!Number.isInteger(label) || label < 0 || label >= classes) throw new RangeError(`nearest centroid: label ${label} outside [0, ${classes})`);
  }
  for (const { vector, label } of support) {
    const c = centroids[label]!;
    for (const [term, w] of vector) c.set(term, (c.get(term) ?? 0) + w);
  }
  const norms = centroids.map((c) => Math.sqrt([...c.values()].reduce((a, w) => a + w * w, 0)));
  let correct = 0;
  for (const { vector, label } of query) {
    let best = 0;
    let bestScore = -Infinity;
    centroids.forEach((c, k) => {
      let dot = 0;
      for (const [term, w] of vector) dot += w * (c.get(term) ?? 0);
      const score = norms[k]! > 0 ? dot / norms[k]! : 0;
      if (score > bestScore) {
        bestScore = score;
        best = k;
      }
    });
    if (best === label) correct++;
  }
  return correct / query.length;
}
