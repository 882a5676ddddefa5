/**
 * One attempt of a job, shared by both queue implementations: reports `compression.started`, runs the handler,
 * and decides what happens next — success, a retry after backoff (reported as a `warning`), a failure for good
 * after the last attempt or when the output directory holds another compression or the job's own damaged
 * (`compression.failed`), or a hand-back when the consumer is shutting down.
 */
import { hostname } from 'node:os';
import { CompressionError, DamagedCompressionError, OtherCompressionError, ProtocolError } from '../core/errors';
import { retryDelayMs, type CompressionJob, type JobConsumer, type JobEventSink, type JobHandler, type ResolvedJobQueueOptions } from './job-queue';

/** What became of one attempt. */
export type AttemptResult =
  | { readonly kind: 'succeeded'; readonly report: string }
  | { readonly kind: 'retry'; readonly delayMs: number; readonly error: string }
  | { readonly kind: 'failed'; readonly error: string }
  | { readonly kind: 'aborted' };

/** The default consumer name: `<hostname>-<pid>`. */
export function defaultConsumerName(): string {
  return `${hostname()}-${process.pid}`;
}

/**
 * Whether attempt `attempt` (1-based) of `maxAttempts` failing with `err` fails its job for good: it was the last,
 * or the output directory holds another compression (OtherCompressionError) or the job's own damaged
 * (DamagedCompressionError), or the job is one the compressor refuses (ProtocolError: an `outDir` outside its
 * `--out-root`), which a retry would meet again.
 */
export function failsForGood(err: unknown, attempt: number, maxAttempts: number): boolean {
  return attempt >= maxAttempts || err instanceof OtherCompressionError || err instanceof DamagedCompressionError || err instanceof ProtocolError;
}

/**
 * Runs attempt `attempt` of `job` with `handler`, reporting lifecycle events to `sink`.
 * An error thrown after `signal` aborted (or a CompressionError marked `aborted`) counts as a hand-back, not a
 * failure. `compression.succeeded` / `compression.failed` are NOT reported here: the caller reports them once the
 * outcome is recorded. `handBacks`: times the job was handed back before (told in `compression.started` when > 0).
 */
export async function runAttempt(
  job: CompressionJob,
  attempt: number,
  handler: JobHandler,
  signal: AbortSignal,
  sink: JobEventSink,
  consumer: string,
  options: ResolvedJobQueueOptions,
  handBacks = 0,
): Promise<AttemptResult> {
  sink(job.run, 'compression.started', { jobId: job.jobId, attempt, maxAttempts: options.maxAttempts, consumer, ...(handBacks > 0 ? { handBacks } : {}) });
  try {
    const report = await handler(job, { attempt, maxAttempts: options.maxAttempts, handBacks, signal });
    return { kind: 'succeeded', report };
  } catch (e) {
    if (signal.aborted || (e instanceof CompressionError && e.aborted)) return { kind: 'aborted' };
    const error = (e as Error).message ?? String(e);
    if (failsForGood(e, attempt, options.maxAttempts)) return { kind: 'failed', error };
    const delayMs = retryDelayMs(options, attempt);
    sink(job.run, 'warning', { message: `compression job ${job.jobId}: attempt ${attempt} of ${options.maxAttempts} failed (${error}); retrying in ${delayMs} ms` });
    return { kind: 'retry', delayMs, error };
  }
}

/**
 * The handle of a running consumer loop, shared by both queues: `stop(graceMs)` asks the loop to stop
 * (`stopping`), aborts the running job (`abortJob`) if it has not finished within `graceMs`, waits for the loop
 * and then `unregister`s the consumer. `wake` is called right after the stop request (the in-process queue wakes
 * its idle consumers). `ready` is false once stopping, else what `loop.taking()` says (default: true).
 */
export function consumerHandle(
  loop: { finished: readonly string[]; stopped: Promise<void>; stopping: AbortController; abortJob: AbortController; taking?: () => boolean },
  unregister: (consumer: JobConsumer) => void,
  wake: () => void = () => undefined,
): JobConsumer {
  const consumer: JobConsumer = {
    finished: loop.finished,
    stopped: loop.stopped,
    get ready() {
      return !loop.stopping.signal.aborted && (loop.taking?.() ?? true);
    },
    stop: async (graceMs = 10_000) => {
      loop.stopping.abort();
      wake();
      const timer = setTimeout(() => loop.abortJob.abort(), graceMs);
      try {
        await loop.stopped;
      } finally {
        clearTimeout(timer);
        unregister(consumer);
      }
    },
  };
  return consumer;
}
