/**
 * The result of a run, written as `summary.json` in the run directory and printed by `metatrain run`; below both
 * the coordinator that writes it and the report and CLI that read it.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { replaceFileAtomically } from '../core/durable-fs';
import { DatasetError } from '../core/errors';
import { makeDirectory } from '../core/make-directory';
import type { ClassicalResult, FewShotResult, PretrainingHistory, TrainHistory } from './run-results';
import type { TaskMetric } from '../tasks/family';

/** Name of the summary in the run directory. */
export const SUMMARY_FILE = 'summary.json';

/** Everything a user needs after a run. All numbers are measured in the run. */
export interface RunSummary {
  run: string;
  /** Why meta-training ended. */
  reason: 'converged' | 'max-steps' | 'stopped';
  steps: number;
  bestStep: number;
  /** Best checkpoint directory (the meta-initialization). */
  checkpoint: string;
  /** `accuracy` (classification) or `mse` (regression): the task family's metric (src/tasks/family.ts). */
  metricName: TaskMetric;
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
