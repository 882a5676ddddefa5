/**
 * Whether the compression committed in a job's output directory is that job's result. A job whose output already
 * holds a `compression.json` reuses it only when it is its own (committed by an attempt that died before
 * acknowledging, or by a second compressor of the same job): the same job id (run, checkpoint step, config hash) and
 * the same recorded settings (the job id leaves the compression section out). Anything else there — a compression
 * of another checkpoint (`metatrain compress` by hand into `<run dir>/compressed`), of another config or with other
 * settings — is another compression, which is neither replaced nor taken as this job's. One exception: the compression
 * of an earlier checkpoint of the job's own run and config ({@link isEarlierOfSameRun}) is replaced by the job's, so a
 * finished run resumed with a larger `training.maxSteps` publishes the compression of its new final checkpoint.
 */
import { dirname, resolve } from 'node:path';
import { compressionJobParts, type CompressionJob } from '../bus/job-queue';
import type { CompressionReport } from './compression-report';
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
 * Whether `existing` is the compression of an earlier checkpoint of `job`'s own run: both job ids are
 * {@link compressionJobId}s of the same run name and config hash, `existing`'s step is lower, its checkpoint lies in the
 * same checkpoints directory and its recorded settings are the job's. The job replaces such a result.
 */
export function isEarlierOfSameRun(existing: CompressionReport, job: CompressionJob): boolean {
  const before = compressionJobParts(existing.jobId);
  const now = compressionJobParts(job.jobId);
  if (!before || !now || before.run !== now.run || before.configHash !== now.configHash || before.step >= now.step) return false;
  return dirname(resolve(existing.checkpoint)) === dirname(resolve(job.checkpoint)) && settingDifferences(existing, job.config).length === 0;
}
