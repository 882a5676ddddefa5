/** The result of a run, written as `summary.json` in the run directory and printed by `metatrain run`. */
import { writeFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { makeDirectory } from '../core/make-directory';
import type { ClassicalResult } from '../baselines/classical-eval';
import type { FewShotResult } from './few-shot-eval';
import type { TrainHistory } from './meta-train';
import type { PretrainingHistory } from '../pretrain/pretrained-body';
import type { TaskMetric } from '../tasks/family';

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
 * Writes `summary.json` atomically, creating `dir` if missing; returns its path.
 * @throws DirectoryError when `dir` cannot be created; the file system's error when writing fails.
 */
export async function writeSummary(dir: string, summary: RunSummary): Promise<string> {
  await makeDirectory(dir);
  const path = join(dir, 'summary.json');
  await writeFile(`${path}.tmp`, JSON.stringify(summary, null, 2));
  await rename(`${path}.tmp`, path);
  return path;
}
