/**
 * Tasks: what the coordinator samples and the workers rebuild. A task travels as a small `TaskSpec`
 * (family, split, seed, class and example indices) — never the data; `TaskFamily.build(spec)` rebuilds the
 * same support and query sets anywhere, bit for bit.
 */

/** Meta-train / meta-val / meta-test: disjoint classes (classification) or independent seeds (sinusoid). */
export type Split = 'train' | 'val' | 'test';

/** Regression examples: `x` and `y` are row-major `[n, 1]`. */
export interface RegressionSet {
  readonly kind: 'regression';
  readonly x: Float32Array;
  readonly y: Float32Array;
}

/** Text classification examples: `labels[i]` in `[0, ways)` is the task-local class of `texts[i]`. */
export interface TextSet {
  readonly kind: 'text';
  readonly texts: readonly string[];
  readonly labels: Int32Array;
}

/** Examples of one set (support or query). */
export type ExampleSet = RegressionSet | TextSet;

/**
 * The recipe of one task. Plain JSON; sent over the wire inside task assignments.
 * - sinusoid: `seed` fixes amplitude, phase and the x draws; `seed mod 3` is the split's index (train 0, val 1,
 *   test 2), so splits never share a task. `classes`, `support`, `query` are absent (or empty).
 * - classification: `classes[c]` is the global class index (into `LabelledCorpus.classes`) of task-local class
 *   c; `support[c]` / `query[c]` are example indices within that class (exactly `shots` / `queryShots` of them,
 *   distinct across both lists); `seed` is the sampling seed, kept for provenance.
 */
export interface TaskSpec {
  readonly family: string;
  readonly split: Split;
  readonly seed: number;
  readonly classes?: readonly number[];
  readonly support?: ReadonlyArray<readonly number[]>;
  readonly query?: ReadonlyArray<readonly number[]>;
}

/** A built task: the support set the inner loop adapts on and the query set the outer loop is scored on. */
export interface Task {
  readonly spec: TaskSpec;
  readonly support: ExampleSet;
  readonly query: ExampleSet;
}

/**
 * A family of tasks. Sampling and building are pure functions of their arguments (no hidden state), so the
 * coordinator and every worker agree.
 */
export interface TaskFamily {
  /** Family name as in the config (`sinusoid`, `sotu`, `jsonl`). */
  readonly name: string;
  /** Output size of the model: 1 for regression, N (ways) for classification. */
  readonly outputs: number;
  /** Number of global classes in a split (0 for regression). */
  classCount(split: Split): number;
  /** Samples the spec of one task of `split` from `seed`. */
  sampleSpec(split: Split, seed: number): TaskSpec;
  /**
   * Rebuilds a task from its spec.
   * @throws ProtocolError when the spec is malformed (wrong family, split, seed, sizes, duplicate indices) or
   *   names classes or examples that do not exist; the message names the field and index, e.g.
   *   `spec.support[1][3] = 512 is out of range [0, 300)`.
   */
  build(spec: TaskSpec): Task;
  /**
   * A batch of `size` meta-train examples labelled with their global meta-train class in
   * `[0, classCount('train'))`, for the transfer baseline (joint training). Regression families return a
   * regression set. Pure function of `seed`.
   */
  jointBatch(seed: number, size: number): ExampleSet;
}
