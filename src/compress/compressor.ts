/**
 * The compressor: a consumer of the compression work queue (JetStream for `metatrain compressor --nats URL`, the
 * in-process queue inside `metatrain run`) that runs each job with {@link compressJob}, logging progress.
 */
import { failsForGood } from '../bus/job-attempt';
import type { ConsumeOptions, JobConsumer, JobQueue } from '../bus/job-queue';
import { CompressionError } from '../core/errors';
import { countOf } from '../core/count-words';
import type { Logger } from '../core/logger';
import type { BackendName } from '../model/backend';
import { compressJob } from './compress-job';
import { committedReport } from './compression-report';
import type { CompressorMetrics } from './metrics';

/** Options of {@link startCompressor}. */
export interface CompressorOptions extends ConsumeOptions {
  readonly log: Logger;
  /** tfjs backend. @default 'wasm' */
  readonly backend?: BackendName;
  /** Records every attempt and its results (Prometheus). */
  readonly metrics?: CompressorMetrics;
  /** The directory every job's `outDir` must be inside (compressJob's `outRoot`). @default none */
  readonly outRoot?: string;
}

/**
 * Starts consuming `queue`; stop the returned consumer to finish (or hand back) the current job and return.
 * Every failed attempt is logged with the job id, the attempt and the error text: a warning while attempts remain,
 * an error when the job fails for good, info when it is handed back.
 */
export function startCompressor(queue: JobQueue, options: CompressorOptions): JobConsumer {
  const { log } = options;
  return queue.consume(
    async (job, attempt) => {
      const handBacks = attempt.handBacks > 0 ? { handBacks: attempt.handBacks } : {};
      log.info({ jobId: job.jobId, attempt: attempt.attempt, ...handBacks, checkpoint: job.checkpoint, outDir: job.outDir }, 'compression job started');
      const started = performance.now();
      let lastLog = 0;
      const done = options.metrics?.started(job.run);
      const report = await compressJob(job, {
        backend: options.backend,
        signal: attempt.signal,
        outRoot: options.outRoot,
        onProgress: (message, training) => {
          if (training && training.step !== training.totalSteps && performance.now() - lastLog < 5000) return;
          lastLog = performance.now();
          log.info({ jobId: job.jobId }, message);
        },
      }).catch((err: Error) => {
        const handedBack = attempt.signal.aborted || (err instanceof CompressionError && err.aborted);
        const final = failsForGood(err, attempt.attempt, attempt.maxAttempts) && !handedBack;
        done?.(final ? 'failed' : 'retried');
        const fields = { jobId: job.jobId, run: job.run, attempt: attempt.attempt, maxAttempts: attempt.maxAttempts, err: err.message };
        if (handedBack) log.info(fields, 'compression job interrupted; handing it back');
        else if (final) log.error(fields, `compression job failed for good after ${countOf(attempt.attempt, 'attempt')}: ${err.message}`);
        else log.warn(fields, `compression job attempt ${attempt.attempt} of ${attempt.maxAttempts} failed; it will be retried: ${err.message}`);
        throw err;
      });
      const measured = options.metrics && (await committedReport(job.outDir));
      if (measured) options.metrics!.report(job.run, measured);
      done?.('succeeded');
      log.info({ jobId: job.jobId, report, seconds: (performance.now() - started) / 1000 }, 'compression job committed');
      return report;
    },
    { name: options.name, run: options.run, onNotice: options.onNotice ?? ((message) => log.info(message)), onError: options.onError ?? ((err) => log.warn({ err: err.message }, 'compressor queue error')) },
  );
}
