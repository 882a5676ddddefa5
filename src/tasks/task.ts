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
 * - sinusoid: `seed` fixes amplitude, phase and the x draws.
 * - classification: `classes[c]` is the global class index of task-local class c; `support[c]` / `query[c]` are
 *   example indices within that class.
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
   * @throws DatasetError (or ProtocolError) when the spec names classes or examples that do not exist.
   */
  build(spec: TaskSpec): Task;
  /**
   * A batch of `size` meta-train examples labelled with their global meta-train class in
   * `[0, classCount('train'))`, for the transfer baseline (joint training). Regression families return a
   * regression set. Pure function of `seed`.
   */
  jointBatch(seed: number, size: number): ExampleSet;
}
