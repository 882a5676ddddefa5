/**
 * Disjoint meta-train / meta-val / meta-test class splits of a labelled corpus (the few-shot protocol of
 * Vinyals et al. 2016 and Ravi & Larochelle 2017: no class of a test task is ever seen in meta-training).
 * Deterministic from the run seed.
 */
import { DatasetError } from '../core/errors';
import { Rng, deriveSeed } from '../core/rng';
import { SPLITS } from './spec-check';
import type { LabelledCorpus } from './text-corpus';

/** A class left out of every split because it has fewer examples than one task needs. */
export interface ExcludedClass {
  /** Index in `corpus.classes`. */
  readonly index: number;
  readonly name: string;
  readonly examples: number;
}

/** Global class indices (into `corpus.classes`) of each split, ascending, plus the classes left out. */
export interface ClassSplits {
  readonly train: readonly number[];
  readonly val: readonly number[];
  readonly test: readonly number[];
  /** Classes with fewer than `shots + queryShots` examples, in corpus order. */
  readonly excluded: readonly ExcludedClass[];
}

/** What a split must provide. */
export interface ClassSplitOptions {
  /** N of N-way: every split needs at least this many classes. */
  readonly ways: number;
  /** Support plus query examples per class: a class needs at least this many examples to be used. */
  readonly examplesPerClass: number;
  /** Relative sizes of train / val / test (normalized by their sum; each > 0). */
  readonly fractions: readonly [number, number, number];
  /** Run seed. */
  readonly seed: number;
}

/**
 * Splits the usable classes of `corpus` into disjoint train / val / test sets. Classes with fewer than
 * `examplesPerClass` examples are excluded (and listed in `excluded`); the rest are shuffled with
 * `deriveSeed(seed, 'class-split')` and cut by the largest-remainder rule, so sizes sum to the number of
 * usable classes (ties go to the earlier split).
 * @throws RangeError when a fraction is not a positive finite number.
 * @throws DatasetError when a split would get fewer than `ways` classes, naming the split, its size, the
 *   shortfall and the excluded classes.
 */
export function splitClasses(corpus: LabelledCorpus, options: ClassSplitOptions): ClassSplits {
  const { ways, examplesPerClass, fractions, seed } = options;
  fractions.forEach((f, i) => {
    if (!(Number.isFinite(f) && f > 0)) {
      throw new RangeError(`splitClasses: fraction of ${SPLITS[i]} must be a positive number, got ${f}`);
    }
  });
  const excluded: ExcludedClass[] = [];
  const usable: number[] = [];
  corpus.examples.forEach((examples, index) => {
    if (examples.length >= examplesPerClass) usable.push(index);
    else excluded.push({ index, name: corpus.classes[index]!, examples: examples.length });
  });
  const sizes = largestRemainder(usable.length, fractions);
  const shuffled = new Rng(deriveSeed(seed, 'class-split')).shuffle(usable);
  const parts: number[][] = [];
  let start = 0;
  for (const size of sizes) {
    parts.push(shuffled.slice(start, start + size).sort((a, b) => a - b));
    start += size;
  }
  parts.forEach((part, i) => {
    if (part.length < ways) {
      const left = excluded.length === 0
        ? 'no class was excluded'
        : `${excluded.length} class(es) excluded for having fewer than ${examplesPerClass} examples: ${excluded
            .map((c) => `${c.name} (${c.examples}, short by ${examplesPerClass - c.examples})`)
            .join(', ')}`;
      throw new DatasetError(
        corpus.name,
        `meta-${SPLITS[i]} split has ${part.length} class${part.length === 1 ? '' : 'es'} but ${ways}-way tasks need ${ways} (short by ${ways - part.length}); ` +
          `${usable.length} of ${corpus.classes.length} classes are usable with split fractions [${fractions.join(', ')}] (task.classSplit), which need ${classesNeeded(ways, fractions)} usable classes for ${ways}-way tasks; ${left}; ` +
          'add classes, lower task.ways, change task.classSplit, or lower task.shots / task.queryShots',
      );
    }
  });
  return { train: parts[0]!, val: parts[1]!, test: parts[2]!, excluded };
}

/** The fewest usable classes whose split by `fractions` gives every split at least `ways` classes. */
function classesNeeded(ways: number, fractions: readonly number[]): number {
  let n = ways * fractions.length;
  while (largestRemainder(n, fractions).some((size) => size < ways)) n++;
  return n;
}

/** Integer sizes proportional to `fractions`, summing to `n` (Hamilton's largest-remainder method). */
function largestRemainder(n: number, fractions: readonly number[]): number[] {
  const total = fractions.reduce((a, b) => a + b, 0);
  const exact = fractions.map((f) => (n * f) / total);
  const sizes = exact.map(Math.floor);
  const order = exact.map((e, i) => ({ i, r: e - Math.floor(e) })).sort((a, b) => b.r - a.r || a.i - b.i);
  for (let k = 0, left = n - sizes.reduce((a, b) => a + b, 0); k < left; k++) sizes[order[k]!.i]! += 1;
  return sizes;
}
