/**
 * TF-IDF text vectors (Salton & Buckley 1988), with the weighting of scikit-learn's `TfidfVectorizer` defaults
 * plus `sublinear_tf`: for term t of document d, w = (1 + ln tf(t, d)) · idf(t), idf(t) = ln((1 + N) / (1 + df(t))) + 1
 * (smoothed, N documents, df(t) documents containing t), then each vector is scaled to unit L2 norm. The
 * vocabulary and document frequencies are fitted on one set of texts (the meta-train split: never the tasks
 * being evaluated); terms outside it are dropped at transform time.
 *
 * Terms are produced by an {@link Analyzer}: character n-grams of the lower-cased text padded with one space on
 * each side (scikit-learn's `analyzer='char'` after `lowercase`), or word n-grams of `wordsOf` (src/core/words).
 * No tfjs: the coordinator runs these baselines.
 */
import { wordsOf } from '../core/words';

/** Turns a text into its terms (with repetition). */
export type Analyzer = (text: string) => string[];

/** A sparse vector: term → weight. */
export type SparseVector = Map<string, number>;

/**
 * Character n-grams for n = `min`..`max` of ` text ` (lower-cased, one space of padding each side).
 * @throws RangeError unless 1 ≤ min ≤ max are integers.
 */
export function charNgrams(min: number, max: number): Analyzer {
  checkRange(min, max);
  return (text) => {
    const s = ` ${text.toLowerCase()} `;
    const out: string[] = [];
    for (let n = min; n <= max; n++) for (let i = 0; i + n <= s.length; i++) out.push(s.slice(i, i + n));
    return out;
  };
}

/**
 * Word n-grams for n = `min`..`max` (words joined by one space).
 * @throws RangeError unless 1 ≤ min ≤ max are integers.
 */
export function wordNgrams(min: number, max: number): Analyzer {
  checkRange(min, max);
  return (text) => {
    const words = wordsOf(text);
    const out: string[] = [];
    for (let n = min; n <= max; n++) for (let i = 0; i + n <= words.length; i++) out.push(words.slice(i, i + n).join(' '));
    return out;
  };
}

/** A fitted TF-IDF vectorizer. */
export interface TfidfVectorizer {
  /** Terms with a document frequency (the fitted vocabulary). */
  readonly vocabularySize: number;
  /** The unit-norm TF-IDF vector of `text` (empty when none of its terms is in the vocabulary). */
  transform(text: string): SparseVector;
}

/**
 * Fits document frequencies on `texts` with `analyzer`. Yields to the event loop every `yieldEvery` texts
 * (the coordinator keeps answering its workers while it fits).
 * @throws RangeError when `texts` is empty.
 */
export async function fitTfidf(texts: readonly string[], analyzer: Analyzer, yieldEvery = 2000): Promise<TfidfVectorizer> {
  if (texts.length === 0) throw new RangeError('fitTfidf: no texts to fit the vocabulary on');
  const df = new Map<string, number>();
  for (let i = 0; i < texts.length; i++) {
    for (const term of new Set(analyzer(texts[i]!))) df.set(term, (df.get(term) ?? 0) + 1);
    if ((i + 1) % yieldEvery === 0) await new Promise((r) => setImmediate(r));
  }
  const n = texts.length;
  const idf = new Map<string, number>();
  for (const [term, count] of df) idf.set(term, Math.log((1 + n) / (1 + count)) + 1);
  return {
    vocabularySize: idf.size,
    transform(text: string): SparseVector {
      const tf = new Map<string, number>();
      for (const term of analyzer(text)) if (idf.has(term)) tf.set(term, (tf.get(term) ?? 0) + 1);
      const v: SparseVector = new Map();
      let norm = 0;
      for (const [term, count] of tf) {
        const w = (1 + Math.log(count)) * idf.get(term)!;
        v.set(term, w);
        norm += w * w;
      }
      const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
      for (const [term, w] of v) v.set(term, w * scale);
      return v;
    },
  };
}

function checkRange(min: number, max: number): void {
  if (!Number.isInteger(min) || !Number.isInteger(max) || min < 1 || max < min) {
    throw new RangeError(`n-gram range must be integers 1 ≤ min ≤ max, got ${min}..${max}`);
  }
}
