/**
 * The compression work queue: the coordinator enqueues one job per run when meta-training has been evaluated;
 * compressors consume jobs one at a time. Jobs carry locations (checkpoint and output directories) and the run
 * config — never tensors (NATS rejects messages over 1 MB; tensors stay on the shared volume).
 *
 * Semantics (both implementations):
 * - **de-duplication**: a job enqueued again with the same `jobId` runs once (JetStream: message id within the
 *   stream's duplicate window, and a recorded outcome beyond it; memory: for the queue's lifetime);
 * - **attempts**: a failed attempt is retried after an exponential backoff until `maxAttempts`; then the job
 *   fails for good: its outcome is recorded and a `compression.failed` event published;
 * - **leases** (JetStream only): a delivered job not acknowledged within `ackWaitMs` goes to another consumer;
 *   a running handler keeps its lease with `working()` heartbeats every `heartbeatMs`;
 * - **shutdown**: a consumer asked to stop lets the running job finish within a grace period, then aborts it and
 *   hands it back (no attempt counted as failed), so another consumer takes it at once.
 * Implementations: job-queue-jetstream.ts (NATS JetStream work-queue stream), job-queue-memory.ts (in-process,
 * the local embedded default).
 */
import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import { configHash, type RunConfig } from '../core/config';

/** One compression job. Plain JSON. */
export interface CompressionJob {
  /** Unique id; a subject-safe token `[A-Za-z0-9_-]+` (see {@link compressionJobId}). */
  readonly jobId: string;
  /** Run name (DNS label): events go to `metatrain.run.<run>.compression.*`. */
  readonly run: string;
  /** Checkpoint directory to compress (`<run dir>/checkpoints/step-NNNNNNNN`). */
  readonly checkpoint: string;
  /** The run config (validated again by the consumer). */
  readonly config: RunConfig;
  /** Directory the result is published to, atomically (`compression.json`, `model.onnx`, ...). */
  readonly outDir: string;
}

/** Queue settings; every field has a default. */
export interface JobQueueOptions {
  /** Attempts of a job before it fails for good. @default 3 */
  readonly maxAttempts?: number;
  /** Delay before the second attempt; doubled for each further one. @default 1000 */
  readonly backoffMs?: number;
  /** Longest delay between attempts. @default 30000 */
  readonly maxBackoffMs?: number;
  /** JetStream: a delivery not acknowledged (nor heartbeated) within this time is redelivered. @default 30000 */
  readonly ackWaitMs?: number;
  /** JetStream: interval of `working()` heartbeats during a job. @default ackWaitMs / 3 */
  readonly heartbeatMs?: number;
  /** JetStream: window within which a re-published job id is dropped by the stream. @default 600000 */
  readonly duplicateWindowMs?: number;
  /** JetStream: how long into waiting for an outcome the queue first checks that a compressor takes the job. @default 30000 */
  readonly untakenCheckMs?: number;
}

/** The filled-in {@link JobQueueOptions}. */
export type ResolvedJobQueueOptions = Required<JobQueueOptions>;

/**
 * Defaults applied to `options`.
 * @throws RangeError naming the option when a value is not a positive integer.
 */
export function resolveJobQueueOptions(options: JobQueueOptions = {}): ResolvedJobQueueOptions {
  const ackWaitMs = options.ackWaitMs ?? 30_000;
  const out: ResolvedJobQueueOptions = {
    maxAttempts: options.maxAttempts ?? 3,
    backoffMs: options.backoffMs ?? 1000,
    maxBackoffMs: options.maxBackoffMs ?? 30_000,
    ackWaitMs,
    heartbeatMs: options.heartbeatMs ?? Math.max(1, Math.floor(ackWaitMs / 3)),
    duplicateWindowMs: options.duplicateWindowMs ?? 600_000,
    untakenCheckMs: options.untakenCheckMs ?? 30_000,
  };
  for (const [key, value] of Object.entries(out)) {
    if (!Number.isSafeInteger(value) || value <= 0) throw new RangeError(`job queue option ${key} must be a positive integer, got ${value}`);
  }
  if (out.heartbeatMs >= out.ackWaitMs) throw new RangeError(`job queue option heartbeatMs (${out.heartbeatMs}) must be below ackWaitMs (${out.ackWaitMs})`);
  return out;
}

/** Delay before attempt `attempt + 1` after attempt `attempt` (1-based) failed: backoffMs · 2^(attempt−1), capped. */
export function retryDelayMs(options: ResolvedJobQueueOptions, attempt: number): number {
  return Math.min(options.maxBackoffMs, options.backoffMs * 2 ** Math.max(0, attempt - 1));
}

/** What a handler is given with a job. */
export interface JobAttempt {
  /** 1-based attempt number (JetStream: the delivery count less the job's hand-backs). */
  readonly attempt: number;
  readonly maxAttempts: number;
  /** Times the job was handed back before by a compressor that stopped during it (not counted as attempts). */
  readonly handBacks: number;
  /** Aborted when the consumer shuts down past its grace period: the handler should throw promptly. */
  readonly signal: AbortSignal;
}

/** Runs one job; resolves with the path of its result (`compression.json`), throws on failure. */
export type JobHandler = (job: CompressionJob, attempt: JobAttempt) => Promise<string>;

/** The recorded end of a job. */
export interface JobOutcome {
  readonly jobId: string;
  readonly run: string;
  readonly status: 'succeeded' | 'failed';
  /** Attempts made (the successful one included). */
  readonly attempts: number;
  readonly outDir: string;
  /** Path of `compression.json` (succeeded only). */
  readonly report?: string;
  /** Last error message (failed only). */
  readonly error?: string;
  /** ISO 8601 time the outcome was recorded. */
  readonly time: string;
}

/** Payload of `compression.queued`. */
export interface CompressionQueuedEvent {
  jobId: string;
  checkpoint: string;
  outDir: string;
  /** `jetstream` or `memory`. */
  queue: string;
  /** True when the queue already held (or had run) this job id. */
  duplicate: boolean;
}

/** Payload of `compression.started`. */
export interface CompressionStartedEvent {
  jobId: string;
  attempt: number;
  maxAttempts: number;
  /** Name of the compressor running it (`ConsumeOptions.name`: `metatrain compressor --name`, default `<hostname>-<pid>`), not of its JetStream consumer. */
  consumer: string;
  /** Times this job was handed back by a compressor that stopped during it (not counted as attempts); absent when none. */
  handBacks?: number;
}

/** Payload of `compression.succeeded`. */
export interface CompressionSucceededEvent {
  jobId: string;
  attempts: number;
  outDir: string;
  /** Path of `compression.json`. */
  report: string;
}

/** Payload of `compression.failed` (published once, when the job fails for good). */
export interface CompressionFailedEvent {
  jobId: string;
  attempts: number;
  error: string;
}

/** Lifecycle events a consumer reports (the payloads of the `compression.*` run events, and `warning`). */
export interface JobLifecycleEvents {
  'compression.started': CompressionStartedEvent;
  'compression.succeeded': CompressionSucceededEvent;
  'compression.failed': CompressionFailedEvent;
  /** A failed attempt that will be retried. */
  warning: { message: string };
}

/** Receives lifecycle events of jobs of run `run`. */
export type JobEventSink = <E extends keyof JobLifecycleEvents>(run: string, event: E, data: JobLifecycleEvents[E]) => void;

/** Options of {@link JobQueue.consume}. */
export interface ConsumeOptions {
  /** Consumer name, in events and logs. @default `<hostname>-<pid>` */
  readonly name?: string;
  /**
   * Take only this run's jobs (a run name, src/core/run-name.ts): the compressor of one run, whose volume holds only
   * that run's checkpoints. JetStream: the durable consumer `compressors-<run>` (src/bus/compressor-consumer.ts).
   * @default every run's jobs
   */
  readonly run?: string;
  /** Called with each error the consume loop survives (a lost connection, a malformed job). */
  readonly onError?: (err: Error) => void;
  /**
   * JetStream: told what the consume loop did that a user should know of: an unused consumer it removed (its
   * undelivered jobs move to this one), pulling again after errors, a job recorded as failed without running (its
   * attempts used up by compressors that died). @default none
   */
  readonly onNotice?: (message: string) => void;
}

/** A running consumer. */
export interface JobConsumer {
  /**
   * Stops taking jobs; lets the running one finish within `graceMs`, then aborts it and hands it back.
   * Resolves when the consumer has stopped.
   */
  stop(graceMs?: number): Promise<void>;
  /** Resolves when the consumer has stopped (after {@link stop}). */
  readonly stopped: Promise<void>;
  /** Job ids this consumer finished (succeeded or failed for good), in order. */
  readonly finished: readonly string[];
  /**
   * Whether the consumer is taking jobs now (the compressor's `/readyz`): not stopping and, for JetStream, connected
   * to NATS with the durable consumer obtained by its last pull.
   */
  readonly ready: boolean;
}

/** A compression work queue. */
export interface JobQueue {
  /** `jetstream` or `memory`. */
  readonly kind: string;
  /**
   * Adds a job. Resolves with `duplicate: true` when a job with the same id was already enqueued (it is not added
   * again).
   * @throws BusError when the job cannot be stored.
   */
  enqueue(job: CompressionJob): Promise<{ duplicate: boolean }>;
  /** Starts consuming with `handler`, one job at a time. */
  consume(handler: JobHandler, options?: ConsumeOptions): JobConsumer;
  /**
   * Resolves with the job's outcome once recorded (at once when it already is).
   * @param untaken JetStream: told, `untakenCheckMs` into the wait and every 10 × `untakenCheckMs` after, when no
   *   compressor takes the job's run's jobs (none consumes them, or none is running), in words naming the job, the
   *   stream and the run (what to start is the caller's to say: src/coordinator/compressor-advice.ts). @default none
   * @throws BusError when `signal` aborts first (the message says so).
   */
  waitForOutcome(jobId: string, signal?: AbortSignal, untaken?: (message: string) => void): Promise<JobOutcome>;
  /** Stops every consumer of this queue object and releases its resources. */
  close(): Promise<void>;
}

/**
 * The id of the compression job of a checkpoint: `compress-<run>-s<step>-<first 12 hex of the config hash>`, then,
 * with `target`, `-<first 8 hex of the sha256 of its compression settings and absolute output directory>`.
 * Deterministic, so a resumed coordinator re-enqueuing the same checkpoint is de-duplicated (JetStream keeps a job's
 * outcome under its id), while another config under the same run name is not, nor (with `target`) the same
 * checkpoint compressed with other `compression` settings or into another directory (a run of the same name and
 * config in another directory), which would otherwise be taken for the job already done.
 */
export function compressionJobId(run: string, step: number, configHash: string, target?: { compression: RunConfig['compression']; outDir: string }): string {
  const id = `compress-${run}-s${step}-${configHash.slice(0, 12)}`;
  if (!target) return id;
  return `${id}-${createHash('sha256').update(JSON.stringify([target.compression, resolve(target.outDir)])).digest('hex').slice(0, 8)}`;
}

/**
 * The {@link compressionJobId} of a run's checkpoint at `step` compressed into `outDir` with the run's settings:
 * what `run`, `coordinator` and `compress` enqueue or run.
 */
export function runCompressionJobId(config: RunConfig, step: number, outDir: string): string {
  return compressionJobId(config.name, step, configHash(config), { compression: config.compression, outDir });
}

/** The run, step and config hash prefix of a {@link compressionJobId} (with or without its target); undefined for an id of another form. */
export function compressionJobParts(jobId: string): { run: string; step: number; configHash: string } | undefined {
  const m = /^compress-(.+)-s([0-9]+)-([0-9a-f]{12})(?:-[0-9a-f]{8})?$/.exec(jobId);
  return m ? { run: m[1]!, step: Number(m[2]), configHash: m[3]! } : undefined;
}
