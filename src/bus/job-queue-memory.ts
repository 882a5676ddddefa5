/**
 * The in-process compression queue of the local embedded mode (`metatrain run` without `nats.url`): same
 * semantics as the JetStream queue where they make sense — de-duplication by job id (for the queue's lifetime),
 * one job at a time per consumer, competing consumers, retries with exponential backoff up to `maxAttempts`, a
 * recorded terminal failure, graceful hand-back on shutdown. There are no leases: a handler cannot die without
 * its process, which holds the queue too.
 */
import { BusError } from '../core/errors';
import { consumerHandle, defaultConsumerName, runAttempt } from './job-attempt';
import {
  resolveJobQueueOptions,
  type CompressionJob,
  type ConsumeOptions,
  type JobConsumer,
  type JobEventSink,
  type JobHandler,
  type JobOutcome,
  type JobQueue,
  type JobQueueOptions,
  type ResolvedJobQueueOptions,
} from './job-queue';

interface Pending {
  readonly job: CompressionJob;
  readonly attempt: number;
  /** Times a stopping consumer handed the job back. */
  readonly handBacks: number;
  /** `Date.now()` before which the attempt must not start (backoff). */
  readonly notBefore: number;
}

/** In-process {@link JobQueue}. */
export class MemoryJobQueue implements JobQueue {
  readonly kind = 'memory';
  private readonly options: ResolvedJobQueueOptions;
  private readonly pending: Pending[] = [];
  private readonly known = new Set<string>();
  private readonly outcomes = new Map<string, JobOutcome>();
  private readonly outcomeWaiters = new Set<() => void>();
  private readonly wakers = new Set<() => void>();
  private readonly consumers = new Set<JobConsumer>();

  /**
   * @param events receives `compression.started|succeeded|failed` and retry `warning`s (e.g. the coordinator's
   *   RunEvents). @default none
   * @throws RangeError as `resolveJobQueueOptions`.
   */
  constructor(
    options: JobQueueOptions = {},
    private readonly events: JobEventSink = () => undefined,
  ) {
    this.options = resolveJobQueueOptions(options);
  }

  /** Adds `job` unless its id was seen before. */
  async enqueue(job: CompressionJob): Promise<{ duplicate: boolean }> {
    if (this.known.has(job.jobId)) return { duplicate: true };
    this.known.add(job.jobId);
    this.schedule({ job, attempt: 1, handBacks: 0, notBefore: 0 });
    return { duplicate: false };
  }

  /** Consumes jobs one at a time until stopped. */
  consume(handler: JobHandler, options: ConsumeOptions = {}): JobConsumer {
    const name = options.name ?? defaultConsumerName();
    const finished: string[] = [];
    const stopping = new AbortController();
    const abortJob = new AbortController();
    const loop = async () => {
      for (;;) {
        const next = await this.take(stopping.signal, options.run);
        if (!next) return;
        const { job, attempt, handBacks } = next;
        const result = await runAttempt(job, attempt, handler, abortJob.signal, this.events, name, this.options, handBacks);
        if (result.kind === 'aborted') {
          this.schedule({ job, attempt, handBacks: handBacks + 1, notBefore: 0 });
          return;
        }
        if (result.kind === 'retry') {
          this.schedule({ job, attempt: attempt + 1, handBacks, notBefore: Date.now() + result.delayMs });
          continue;
        }
        this.record(job, attempt, result.kind === 'succeeded' ? { report: result.report } : { error: result.error });
        finished.push(job.jobId);
      }
    };
    const stopped = loop();
    const consumer = consumerHandle({ finished, stopped, stopping, abortJob }, (c) => this.consumers.delete(c), () => this.wakeAll());
    this.consumers.add(consumer);
    return consumer;
  }

  /** Resolves with the outcome of `jobId` once recorded. */
  waitForOutcome(jobId: string, signal?: AbortSignal): Promise<JobOutcome> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const outcome = this.outcomes.get(jobId);
        if (outcome) {
          cleanup();
          resolve(outcome);
        }
      };
      const onAbort = () => {
        cleanup();
        reject(new BusError(`stopped waiting for the outcome of compression job ${jobId}`));
      };
      const cleanup = () => {
        this.outcomeWaiters.delete(check);
        signal?.removeEventListener('abort', onAbort);
      };
      if (signal?.aborted) return onAbort();
      this.outcomeWaiters.add(check);
      signal?.addEventListener('abort', onAbort);
      check();
    });
  }

  /** Stops every consumer (grace 0: running jobs are aborted and handed back). */
  async close(): Promise<void> {
    await Promise.all([...this.consumers].map((c) => c.stop(0)));
  }

  private schedule(item: Pending): void {
    this.pending.push(item);
    this.wakeAll();
  }

  private wakeAll(): void {
    for (const wake of [...this.wakers]) wake();
  }

  /** The first job (of `run`, when given) whose backoff has passed, waiting for one; undefined once `signal` aborts. */
  private async take(signal: AbortSignal, run: string | undefined): Promise<Pending | undefined> {
    for (;;) {
      if (signal.aborted) return undefined;
      const now = Date.now();
      const mine = (p: Pending) => run === undefined || p.job.run === run;
      const index = this.pending.findIndex((p) => mine(p) && p.notBefore <= now);
      if (index >= 0) return this.pending.splice(index, 1)[0];
      const soonest = Math.min(...this.pending.filter(mine).map((p) => p.notBefore));
      await new Promise<void>((resolve) => {
        const timer = Number.isFinite(soonest) ? setTimeout(done, soonest - now) : undefined;
        function done() {
          clearTimeout(timer);
          wakers.delete(done);
          resolve();
        }
        const wakers = this.wakers;
        wakers.add(done);
      });
    }
  }

  private record(job: CompressionJob, attempts: number, result: { report: string } | { error: string }): void {
    const base = { jobId: job.jobId, run: job.run, attempts, outDir: job.outDir, time: new Date().toISOString() };
    if ('report' in result) {
      this.outcomes.set(job.jobId, { ...base, status: 'succeeded', report: result.report });
      this.events(job.run, 'compression.succeeded', { jobId: job.jobId, attempts, outDir: job.outDir, report: result.report });
    } else {
      this.outcomes.set(job.jobId, { ...base, status: 'failed', error: result.error });
      this.events(job.run, 'compression.failed', { jobId: job.jobId, attempts, error: result.error });
    }
    for (const check of [...this.outcomeWaiters]) check();
  }
}
