/**
 * The records a run summary (./run-summary.ts) is made of: meta-test results per initialization, classical
 * baselines, and the meta-training and pretraining curves. Plain data, produced by src/coordinator,
 * src/baselines and src/pretrain and read by src/report and the CLI.
 */
import type { MeanCI } from '../core/stats';

/** Results of one initialization: `loss[s]` and `metric[s]` after s fine-tuning steps. */
export interface FewShotResult {
  name: string;
  loss: MeanCI[];
  metric: MeanCI[];
  /**
   * The query metric when each task's step count is chosen on held-out support examples (src/meta/choose-steps),
   * and the chosen counts; absent when the tasks have one support example per class (1-shot).
   */
  chosen?: { metric: MeanCI; steps: MeanCI };
}

/** The result of one classical baseline (src/baselines): accuracy over the meta-test tasks. */
export interface ClassicalResult {
  /** Its name in `evaluation.baselines`, e.g. `tfidf-char`. */
  readonly name: string;
  readonly description: string;
  /** Terms fitted on the meta-train texts. */
  readonly vocabularySize: number;
  readonly metric: MeanCI;
}

/** Meta-training curves kept for the report (and checkpointed). */
export interface TrainHistory {
  steps: number[];
  metaLoss: number[];
  metaMetric: number[];
  tasksPerSecond: number[];
  workers: number[];
  valSteps: number[];
  valLoss: number[];
  valMetric: number[];
}

/** Loss curve of a pretraining, as recorded in its checkpoints (`extra.history`). */
export interface PretrainingHistory {
  readonly steps: number[];
  /** MLM cross-entropy (nats) of each step's batch. */
  readonly loss: number[];
  /** Fraction of each step's masked tokens predicted exactly. */
  readonly accuracy: number[];
}
