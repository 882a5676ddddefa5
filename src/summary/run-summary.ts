/**
 * The result of a run, written as `summary.json` in the run directory and printed by `metatrain run`; below both
 * the coordinator that writes it and the report and CLI that read it.
 */
import { constants } from 'node:buffer';
import { join } from 'node:path';
import { readBoundedFile } from '../core/bounded-file';
import { replaceFileAtomically } from '../core/durable-fs';
import { DatasetError } from '../core/errors';
import { makeDirectory } from '../core/make-directory';
import type { ClassicalResult, FewShotResult, PretrainingHistory, TrainHistory } from './run-results';
import type { TaskMetric } from '../tasks/family';

/** Name of the summary in the run directory. */
export const SUMMARY_FILE = 'summary.json';

/**
 * The largest {@link SUMMARY_FILE} read, in bytes: the longest string Node holds (`buffer.constants.MAX_STRING_LENGTH`,
 * 2^29 - 24 in Node 20, about 512 MiB). A summary keeps every step's numbers (its `history`), so its size follows the
 * run's step count, up to what one `JSON.stringify` can write, which is that string; a larger file is not a summary
 * metatrain wrote (nor could it be decoded into one string), and a device such as /dev/zero is refused as not a file.
 */
export const MAX_SUMMARY_BYTES = constants.MAX_STRING_LENGTH;

/** Everything a user needs after a run. All numbers are measured in the run. */
export interface RunSummary {
  run: string;
  /**
   * Why meta-training ended: `converged`, `max-steps`, `stopped` (a graceful stop), or `failed` (a task exhausted
   * its attempts, training or fine-tuning diverged: `error` says how; `history` and `bestStep` are those of the
   * newest checkpoint, and there are no meta-test results).
   */
  reason: 'converged' | 'max-steps' | 'stopped' | 'failed';
  /** The message the run failed with (reason `failed`). */
  error?: string;
  /**
   * When the run failed because it diverged (DivergedError): what diverged and what to lower, the end of `error`
   * (`training diverged (lower algorithm.outerLr or algorithm.innerLr)`). Resumed with the same config it would
   * diverge again, which a new run refused over its checkpoints is told (src/coordinator/earlier-checkpoints.ts).
   */
  divergence?: string;
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

/** Whether `summary` is of a run whose meta-training finished (`converged` or `max-steps`), not stopped or failed. */
export function isFinishedRun(summary: RunSummary): boolean {
  return summary.reason === 'converged' || summary.reason === 'max-steps';
}

/**
 * Whether `value` (a parsed `summary.json`) has the fields every {@link RunSummary} has, of their types: what tells a
 * summary metatrain wrote from a user's file of the same name. Looks no deeper than the top level.
 */
export function isRunSummary(value: unknown): value is RunSummary {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const s = value as Record<string, unknown>;
  const isObject = (v: unknown) => typeof v === 'object' && v !== null && !Array.isArray(v);
  return (
    typeof s['run'] === 'string' &&
    ['converged', 'max-steps', 'stopped', 'failed'].includes(s['reason'] as string) &&
    typeof s['steps'] === 'number' &&
    typeof s['bestStep'] === 'number' &&
    typeof s['checkpoint'] === 'string' &&
    typeof s['metricName'] === 'string' &&
    Array.isArray(s['results']) &&
    Array.isArray(s['classical']) &&
    isObject(s['history']) &&
    isObject(s['seconds'])
  );
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
 * Reads the `summary.json` of the run directory `dir` (at most {@link MAX_SUMMARY_BYTES}).
 * @throws DatasetError naming the file when it is missing or unreadable (`cannot read the run summary: cannot read
 *   it: no such file`), not a regular file or a pipe (`… not a regular file but a character device: not a run summary
 *   metatrain wrote`), larger than the limit (`… 600000000 bytes, more than the 536870888 bytes allowed: not a run
 *   summary metatrain wrote`), or not JSON.
 */
export async function readSummary(dir: string): Promise<RunSummary> {
  const path = join(dir, SUMMARY_FILE);
  const refused = (detail: string, cause: unknown) => new DatasetError(path, `cannot read the run summary: ${detail}`, undefined, { cause });
  const bytes = readBoundedFile(path, MAX_SUMMARY_BYTES, (err) => refused(`${err.detail}${err.reason === 'unreadable' ? '' : ': not a run summary metatrain wrote'}`, err));
  try {
    return JSON.parse(bytes.toString('utf8')) as RunSummary;
  } catch (err) {
    throw refused(`not JSON (${(err as Error).message})`, err);
  }
}
