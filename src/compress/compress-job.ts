/**
 * Runs one compression job to a published result: the pipeline's files are published as `outDir` by
 * `publishDirectory` (src/core/durable-fs.ts: a temporary directory `.tmp-<name>-<pid>-<n>` beside it, each file
 * fsynced, `compression.json` last, renamed to `outDir` in one step). A failure at any point removes the temporary
 * directory: `outDir` either holds a complete result or does not exist. Before the pipeline runs, a staging directory is created and removed beside `outDir`,
 * so an `outDir` that cannot be created fails the job at once rather than after the compression. A job whose
 * `outDir` already holds its own `compression.json` is not run again (its result was committed, e.g. by a compressor
 * that died before acknowledging); if two compressors finish the same job, the second rename fails and its copy is
 * discarded — the result is committed once. The job's own result is reused only when every file its
 * `compression.json` lists has the recorded size and sha256 (./committed-files); a damaged one fails the job and is
 * left as it is. A `compression.json` of another job there (./other-compression) fails the job, naming it: it is
 * neither replaced nor reported as this job's result — unless it is the same run's compression of a checkpoint no
 * later than the job's (other settings included), which the job's result replaces in the same rename, provided the
 * directory holds nothing that compression.json does not list (the replacement would remove it), checked again once
 * the pipeline ran, before the earlier compression is removed (./replace-compression).
 */
import { join } from 'node:path';
import type { CompressionJob } from '../bus/job-queue';
import { checkCanCreateDirectory, publishDirectory, removeDeadTemporaries } from '../core/durable-fs';
import { OtherCompressionError, ProtocolError, WriteError } from '../core/errors';
import { assertReplaceable, assertReusable } from './committed-files';
import { committedReport, REPORT_FILE } from './compression-report';
import { isReplacedBy, otherCompression } from './other-compression';
import { outDirOutsideRoot } from './job-out-root';
import { replaceCompression } from './replace-compression';
import { runPipeline, type PipelineInput } from './pipeline';

/** Options of {@link compressJob}. */
export interface CompressJobOptions {
  readonly backend?: PipelineInput['backend'];
  readonly signal?: AbortSignal;
  readonly onProgress?: PipelineInput['onProgress'];
  /**
   * The directory `job.outDir` must be inside (absolute), for a job from a queue others can publish to
   * (`metatrain compressor --out-root`: ./job-out-root). @default none: any `outDir` (`compress`, `run`).
   */
  readonly outRoot?: string;
}

/**
 * Runs `job` and publishes its result atomically in `job.outDir`; resolves with the path of `compression.json`.
 * @throws ProtocolError naming `job.outDir` and `options.outRoot` when it is not inside it (./job-out-root), before
 *   anything else; OtherCompressionError naming `job.outDir` and what it holds, when it holds another job's compression
 *   (before the pipeline runs, or found there by the final rename), or a compression to be replaced beside files its
 *   compression.json does not list (before the pipeline runs, or put there while it ran: ./replace-compression);
 *   DamagedCompressionError naming each damaged file when it holds the job's own result damaged (before the pipeline
 *   runs); DirectoryError naming `job.outDir` when it cannot be created (before the pipeline runs); what the pipeline
 *   throws (CheckpointError, CompressionError, DatasetError …) or WriteError naming the file that could not be written
 *   (ENOSPC …); in every case nothing is written at `job.outDir` and no temporary directory remains.
 */
export async function compressJob(job: CompressionJob, options: CompressJobOptions = {}): Promise<string> {
  const outside = options.outRoot === undefined ? undefined : outDirOutsideRoot(job.outDir, options.outRoot);
  if (outside !== undefined) {
    throw new ProtocolError(`compression job ${job.jobId}: ${outside}; nothing was written: give the run a runtime.outDir inside ${options.outRoot}, or start the compressor with --out-root a directory holding it`);
  }
  const reportPath = join(job.outDir, REPORT_FILE);
  const found = await committedResult(job);
  if (found === 'own') return reportPath;
  await checkCanCreateDirectory(job.outDir);
  const { files, report } = await runPipeline({ jobId: job.jobId, config: job.config, checkpoint: job.checkpoint, ...options });
  // What a killed compressor left beside outDir (`.tmp-compressed-<dead pid>-<n>`, nothing else), once the job ran;
  // best effort: what cannot be removed is left, rather than failing (and retrying) a job that ran.
  removeDeadTemporaries(job.outDir);
  try {
    const published: [string, Uint8Array][] = [...files, [REPORT_FILE, Buffer.from(`${JSON.stringify(report, null, 2)}\n`)]];
    if (found === 'earlier') await replaceCompression(job, published, () => committedResult(job));
    else await publishDirectory(job.outDir, published);
  } catch (e) {
    const lostRace = e instanceof WriteError && (e.code === 'ENOTEMPTY' || e.code === 'EEXIST');
    if (lostRace && (await committedResult(job)) === 'own') return reportPath; // committed by another compressor
    throw e;
  }
  return reportPath;
}

/**
 * What `job.outDir` holds: the job's committed result, intact (`own`), a compression of the same run that the job
 * replaces, beside nothing it does not list (`earlier`: ./other-compression isReplacedBy), or nothing (undefined).
 * @throws DamagedCompressionError when the job's own result is damaged (./committed-files assertReusable);
 *   OtherCompressionError when a compression to be replaced has unlisted files beside it (assertReplaceable), or it
 *   holds another compression, e.g. `runs/x/compressed already holds the compression of
 *   runs/x/checkpoints/step-00000010 (step 10), which was left as it is; the compression of
 *   runs/x/checkpoints/step-00000020 was not written: …`.
 */
async function committedResult(job: CompressionJob): Promise<'own' | 'earlier' | undefined> {
  const existing = await committedReport(job.outDir);
  if (!existing) return undefined;
  const other = otherCompression(existing, job);
  if (other === undefined) {
    assertReusable(job.outDir, existing);
    return 'own';
  }
  if (isReplacedBy(existing, job)) {
    assertReplaceable(job.outDir, existing);
    return 'earlier';
  }
  throw new OtherCompressionError(
    `${job.outDir} already holds ${other}, which was left as it is; the compression of ${job.checkpoint} was not written: move ${job.outDir} elsewhere or remove it, then run metatrain compress --checkpoint ${job.checkpoint}`,
  );
}
