/**
 * Labelled text corpora and the N-way K-shot classification family over any of them (Vinyals et al. 2016;
 * Finn et al. 2017 §5.2 protocol): a task draws N classes of one split, K support and Q query examples per
 * class, and relabels the classes 0..N−1 in a random order.
 */
import { DatasetError, ProtocolError } from '../core/errors';
import { Rng, deriveSeed } from '../core/rng';
import { splitClasses, type ClassSplits } from './class-split';
import { SPLITS, checkArray, checkIndices, checkSpecHeader } from './spec-check';
import type { Split, Task, TaskFamily, TaskSpec, TextSet } from './task';

/** A labelled corpus: `examples[c]` are the texts of class `classes[c]`. */
export interface LabelledCorpus {
  /** Where it comes from (`sotu`, a file path); used in error messages. */
  readonly name: string;
  /** Class names, distinct. */
  readonly classes: readonly string[];
  /** Texts per class, parallel to `classes`. */
  readonly examples: ReadonlyArray<readonly string[]>;
}

/** Episode shape and class split of a text family (the `task.*` config fields). */
export interface TextFamilyOptions {
  /** N of N-way. */
  readonly ways: number;
  /** K of K-shot: support examples per class. */
  readonly shots: number;
  /** Query examples per class. */
  readonly queryShots: number;
  /** Relative sizes of the meta-train / meta-val / meta-test class sets. */
  readonly classSplit: readonly [number, number, number];
  /** Run seed; fixes the class split. */
  readonly seed: number;
}

/** A text classification family, with the corpus and class split it samples from. */
export interface TextTaskFamily extends TaskFamily {
  readonly corpus: LabelledCorpus;
  /** Global class indices per split; `excluded` lists classes too small for one task. */
  readonly splits: ClassSplits;
}

/**
 * The N-way K-shot family over `corpus`.
 * - `sampleSpec(split, seed)`: draws `ways` distinct classes of the split (their draw order is the task-local
 *   label order) and, per class, `shots + queryShots` distinct examples (the first `shots` are the support);
 *   the stream is `deriveSeed(name, split, seed)`. `spec.classes` holds global indices into `corpus.classes`.
 * - `build(spec)`: support of `ways·shots` and query of `ways·queryShots` texts, class-major, labels in
 *   [0, ways). Validates the spec first (it comes over the network).
 * - `jointBatch(seed, size)`: `size` meta-train examples, class and example uniform, labelled with the
 *   position of their class in `splits.train`.
 * @throws DatasetError when the corpus is malformed or a split has fewer than `ways` usable classes.
 * @throws RangeError when `ways`, `shots` or `queryShots` is not a positive integer.
 */
export function textTaskFamily(name: string, corpus: LabelledCorpus, options: TextFamilyOptions): TextTaskFamily {
  const { ways, shots, queryShots, classSplit, seed } = options;
  for (const [field, value] of Object.entries({ ways, shots, queryShots })) {
    if (!Number.isInteger(value) || value <= 0) {
      throw new RangeError(`textTaskFamily: ${field} must be a positive integer, got ${value}`);
    }
  }
  checkCorpus(corpus);
  const splits = splitClasses(corpus, { ways, examplesPerClass: shots + queryShots, fractions: classSplit, seed });
  const members = Object.fromEntries(SPLITS.map((s) => [s, new Set(splits[s])])) as Record<Split, Set<number>>;

  function checkSpec(spec: TaskSpec): asserts spec is Required<TaskSpec> {
    checkSpecHeader(spec, name);
    checkArray(spec.classes, ways, 'spec.classes');
    checkIndices(spec.classes, corpus.classes.length, 'spec.classes', `${corpus.name} has ${corpus.classes.length} classes`);
    spec.classes.forEach((c, i) => {
      if (!members[spec.split].has(c)) {
        throw new ProtocolError(
          `invalid task spec: spec.classes[${i}] = ${c} (${corpus.classes[c]}) is not a meta-${spec.split} class of ${corpus.name}`,
        );
      }
    });
    const { classes, support, query } = spec;
    checkArray(support, ways, 'spec.support');
    checkArray(query, ways, 'spec.query');
    classes.forEach((c, i) => {
      const size = corpus.examples[c]!.length;
      const what = `class ${c} (${corpus.classes[c]}) has ${size} examples`;
      const seen = new Map<number, string>();
      checkArray(support[i], shots, `spec.support[${i}]`);
      checkIndices(support[i], size, `spec.support[${i}]`, what, seen);
      checkArray(query[i], queryShots, `spec.query[${i}]`);
      checkIndices(query[i], size, `spec.query[${i}]`, what, seen);
    });
  }

  function gather(classes: readonly number[], indices: ReadonlyArray<readonly number[]>): TextSet {
    const texts: string[] = [];
    const labels: number[] = [];
    classes.forEach((c, label) => {
      for (const e of indices[label]!) {
        texts.push(corpus.examples[c]![e]!);
        labels.push(label);
      }
    });
    return { kind: 'text', texts, labels: Int32Array.from(labels) };
  }

  return {
    name,
    outputs: ways,
    corpus,
    splits,
    classCount: (split: Split) => splits[split].length,
    sampleSpec(split: Split, taskSeed: number): TaskSpec {
      const pool = splits[split];
      if (pool === undefined) throw new RangeError(`${name}.sampleSpec: unknown split ${JSON.stringify(split)}`);
      if (!Number.isInteger(taskSeed) || taskSeed < 0 || taskSeed > 0xffffffff) {
        throw new RangeError(`${name}.sampleSpec: seed must be an integer in [0, 2^32), got ${taskSeed}`);
      }
      const rng = new Rng(deriveSeed(name, split, taskSeed));
      const classes = rng.sampleIndices(pool.length, ways).map((i) => pool[i]!);
      const support: number[][] = [];
      const query: number[][] = [];
      for (const c of classes) {
        const drawn = rng.sampleIndices(corpus.examples[c]!.length, shots + queryShots);
        support.push(drawn.slice(0, shots));
        query.push(drawn.slice(shots));
      }
      return { family: name, split, seed: taskSeed, classes, support, query };
    },
    build(spec: TaskSpec): Task {
      checkSpec(spec);
      return { spec, support: gather(spec.classes, spec.support), query: gather(spec.classes, spec.query) };
    },
    jointBatch(batchSeed: number, size: number): TextSet {
      if (!Number.isInteger(size) || size <= 0) {
        throw new RangeError(`${name}.jointBatch: size must be a positive integer, got ${size}`);
      }
      const rng = new Rng(deriveSeed(name, 'joint', batchSeed));
      const texts: string[] = [];
      const labels = new Int32Array(size);
      for (let i = 0; i < size; i++) {
        const k = rng.int(splits.train.length);
        const examples = corpus.examples[splits.train[k]!]!;
        texts.push(examples[rng.int(examples.length)]!);
        labels[i] = k;
      }
      return { kind: 'text', texts, labels };
    },
  };
}

/** Every text of the meta-train classes of `family`, class by class (what classical baselines and pretraining may read). */
export function metaTrainTexts(family: TextTaskFamily): string[] {
  return family.splits.train.flatMap((c) => family.corpus.examples[c]!);
}

/**
 * Checks the shape of a corpus: one example list per class, distinct non-empty class names, string texts.
 * @throws DatasetError naming the corpus and the bad class.
 */
function checkCorpus(corpus: LabelledCorpus): void {
  if (corpus.classes.length !== corpus.examples.length) {
    throw new DatasetError(corpus.name, `has ${corpus.classes.length} classes but ${corpus.examples.length} example lists`);
  }
  const seen = new Map<string, number>();
  corpus.classes.forEach((c, i) => {
    if (typeof c !== 'string' || c.length === 0) throw new DatasetError(corpus.name, `class ${i} has no name`);
    const first = seen.get(c);
    if (first !== undefined) throw new DatasetError(corpus.name, `class ${i} (${c}) has the same name as class ${first}`);
    seen.set(c, i);
    corpus.examples[i]!.forEach((t, j) => {
      if (typeof t !== 'string') throw new DatasetError(corpus.name, `example ${j} of class ${i} (${c}) is not a string`);
    });
  });
}
