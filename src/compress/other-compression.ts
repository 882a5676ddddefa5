/**
 * Whether the compression committed in a job's output directory is that job's result. A job whose output already
 * holds a `compression.json` reuses it only when it is its own (committed by an attempt that died before
 * acknowledging, or by a second compressor of the same job): the same job id (run, checkpoint step, config hash) and
 * the same recorded settings (the job id leaves the compression section out). Anything else there — a compression
 * of another checkpoint (`metatrain compress` by hand into `<run dir>/compressed`), of another config or with other
 * settings — is another compression, which is neither replaced nor taken as this job's. One exception: the job's own
 * run's compression of a checkpoint no later than the job's ({@link isReplacedBy}) is replaced, so a finished run
 * resumed with a larger `training.maxSteps`, or with other `compression` settings, publishes the compression of its
 * final checkpoint with its settings.
 */
import { resolve } from 'node:path';
import { compressionJobParts, type CompressionJob } from '../bus/job-queue';
import type { CompressionReport } from './compression-report';
import { committedReport } from './compression-report';
import { settingDifferences } from './compression-settings';

/**
 * What `existing` is when it is not `job`'s result: of which checkpoint it is, which recorded settings differ from
 * the job's config, or, for the same checkpoint and no such setting, that its config differs elsewhere; e.g. "the
 * compression of runs/x/checkpoints/step-00000010 (step 10)", "the compression of this checkpoint, made with other
 * settings (compression.sparsity: 0.5 → 0.7)"; undefined when it is the job's result.
 */
export function otherCompression(existing: CompressionReport, job: CompressionJob): string | undefined {
  const differences = settingDifferences(existing, job.config);
  if (existing.jobId === job.jobId && differences.length === 0) return undefined;
  const same = resolve(existing.checkpoint) === resolve(job.checkpoint);
  const made = differences.length > 0 ? `, made with other settings (${differences.join('; ')})` : same ? `, made with another config (job ${existing.jobId}, this one ${job.jobId})` : '';
  return `the compression of ${same ? 'this checkpoint' : `${existing.checkpoint} (step ${existing.step})`}${made}`;
}

/**
 * Whether `existing` was made from a checkpoint of the run named `run` with config hash `configHash` (its job id is a
 * {@link compressionJobId} of them). Where that checkpoint was is not compared: a run directory moved, copied or
 * reached through a link still holds its own compression, which names the checkpoint's path of then.
 */
export function isOfRun(existing: CompressionReport, run: string, configHash: string): boolean {
  const made = compressionJobParts(existing.jobId);
  return made !== undefined && made.run === run && configHash.startsWith(made.configHash);
}

/**
 * Whether `job` replaces `existing` (when it is not the job's own result): a compression of the same run and config
 * ({@link isOfRun}), of a checkpoint no later than the job's — an earlier compression never replaces a later one.
 */
export function isReplacedBy(existing: CompressionReport, job: CompressionJob): boolean {
  const now = compressionJobParts(job.jobId);
  return now !== undefined && isOfRun(existing, now.run, now.configHash) && existing.step <= now.step;
}

/**
 * What `job` finds in its output directory, so a run can say so before it compresses: `own` when it holds the job's
 * own result (reused once its files check out), `replaces` when it holds a compression the job replaces, in words as
 * {@link otherCompression} ("the compression of runs/x/checkpoints/step-00000020 (step 20)", "…of this checkpoint,
 * made with other settings (…)"); undefined otherwise: nothing, another compression (which the job refuses, naming
 * it) or something unreadable (the job's checks name it).
 */
export async function foundByJob(job: CompressionJob): Promise<{ own: true } | { replaces: string } | undefined> {
  const existing = await committedReport(job.outDir).catch(() => undefined);
  if (!existing) return undefined;
  const other = otherCompression(existing, job);
  if (other === undefined) return { own: true };
  return isReplacedBy(existing, job) ? { replaces: other } : undefined;
}
