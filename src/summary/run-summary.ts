/**
 * The result of a run, `summary.json` in the run directory: what the coordinator measured (its record types live
 * here, below both the coordinator that writes it and the report and CLI that read it), written atomically and read
 * back with a check that it is one. Plain data: no tfjs, gRPC or file formats beyond JSON.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { replaceFileAtomically } from '../core/durable-fs';
import { DatasetError } from '../core/errors';
import { makeDirectory } from '../core/make-directory';
import type { MeanCI } from '../core/stats';

/** Name of the summary in the run directory. */
export const SUMMARY_FILE = 'summary.json';

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

/** Everything a user needs after a run. All numbers are measured in the run. */
export interface RunSummary {
  run: string;
  /** Why meta-training ended. */
  reason: 'converged' | 'max-steps' | 'stopped';
  steps: number;
  bestStep: number;
  /** Best checkpoint directory (the meta-initialization). */
  checkpoint: string;
  /** `accuracy` (classification) or `mse` (regression). */
  metricName: 'accuracy' | 'mse';
  /** Meta-test results per initialization, for s = 0..S fine-tuning steps. */
  results: FewShotResult[];
  /** Classical baselines (TF-IDF nearest centroid) on the same meta-test tasks; no fine-tuning steps. */
  classical: ClassicalResult[];
  history: TrainHistory;
  /** The pretrained checkpoint meta-training started from (`model.init`), with its loss curve when it recorded one. */
  pretraining?: { checkpoint: string; step: number; history: PretrainingHistory };
  /** Wall time per phase (`compression`: waiting for the compression job, when scheduled). */
  seconds: { training: number; baselines: number; evaluation: number; compression?: number; total: number };
  /**
   * The compression job, when scheduled: its result directory (`compression.json`, `model.onnx`,
   * `model.safetensors`), outcome and attempts; `queued` when the run stopped before it ended.
   */
  compression?: { jobId: string; outDir: string; status: 'succeeded' | 'failed' | 'queued'; attempts: number; report?: string; error?: string };
}

/**
 * Writes `summary.json` atomically (src/core/durable-fs.ts), creating `dir` if missing; returns its path.
 * @throws DirectoryError when `dir` cannot be created; WriteError naming `summary.json` when writing fails
 *   (ENOSPC …; no temporary file is left).
 */
export async function writeSummary(dir: string, summary: RunSummary): Promise<string> {
  await makeDirectory(dir);
  const path = join(dir, SUMMARY_FILE);
  await replaceFileAtomically(path, Buffer.from(JSON.stringify(summary, null, 2)));
  return path;
}

/**
 * Reads the `summary.json` of the run directory `dir`.
 * @throws DatasetError naming the file when it is missing or not JSON.
 */
export async function readSummary(dir: string): Promise<RunSummary> {
  const path = join(dir, SUMMARY_FILE);
  try {
    return JSON.parse(await readFile(path, 'utf8')) as RunSummary;
  } catch (err) {
    throw new DatasetError(path, `cannot read the run summary: ${(err as Error).message}`, undefined, { cause: err });
  }
}
