/**
 * The compression queue on NATS JetStream:
 * - stream `METATRAIN_JOBS` (work-queue retention, file storage) on `metatrain.jobs.compress.<run>`: a job is
 *   published with its id as message id, so a re-publish within `duplicateWindowMs` is dropped by the server;
 * - stream `METATRAIN_JOB_OUTCOMES` (file storage, last message per subject) on `metatrain.jobs.outcome.<jobId>`:
 *   the recorded end of each job. A consumer finding an outcome already recorded acknowledges the delivery
 *   without running it (de-duplication beyond the window);
 * - durable pull consumers (./compressor-consumer.ts): `compressors-<run>` for the compressors of one run
 *   (`consume({ run })`: `metatrain compressor --run`, each run's Deployment on Kubernetes), `compressors` for those
 *   taking every run's jobs; explicit acks, `ack_wait = ackWaitMs`, deliveries unlimited (attempts are counted here). The stream's
 *   consumers may not overlap (a work queue): one being created removes an unused overlapping one and names one in use.
 *   Each compressor pulls ONE message at a time (`next()`), so nothing is
 *   prefetched and a second compressor never starves. During a job the handler's lease is renewed with
 *   `working()` every `heartbeatMs`. A failed attempt is `nak`ed with exponential backoff; the last one is
 *   recorded as failed and acknowledged. A delivery beyond `maxAttempts` (the previous attempt's consumer died or
 *   lost its lease) is recorded as failed without running. The outcome is recorded before the ack, so a crash
 *   in between only causes a redelivery that finds the outcome. An attempt is a delivery that was not handed back:
 *   a compressor handing a job back on shutdown records the job's hand-backs (`metatrain.jobs.outcome.<jobId>.handbacks`
 *   in the outcome stream) before its `nak`, so the next delivery does not count the interrupted attempt.
 * Lifecycle events go to `metatrain.run.<run>.compression.*` (run-subjects.ts). The consume loop survives a
 * nats-server restart: the connection reconnects and pulling resumes (streams and the durable are on disk).
 */
import { jetstream, jetstreamManager, RetentionPolicy, StorageType, type Consumer, type JetStreamClient, type JetStreamManager, type JsMsg } from '@nats-io/jetstream';
import { nanos, type NatsConnection } from '@nats-io/nats-core';
import { BusError, ProtocolError } from '../core/errors';
import { consumerHandle, defaultConsumerName, runAttempt } from './job-attempt';
import { decodeJob, encodeJob } from './job-codec';
import { addStream } from './jetstream-stream';
import { answerAlive, anyCompressorTakes, compressorConsumer, ensureCompressorConsumer } from './compressor-consumer';
import { handBacksSubject, JOB_SUBJECTS, jobSubject, OUTCOME_SUBJECTS, outcomeSubject } from './job-subjects';
import {
  compressionJobParts,
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
import { runEventMessage, runEventSubject } from './run-subjects';

/** Work-queue stream of compression jobs. */
export const JOBS_STREAM = 'METATRAIN_JOBS';
/** Stream of recorded job outcomes. */
export const OUTCOMES_STREAM = 'METATRAIN_JOB_OUTCOMES';
/** How long one pull waits for a job before asking again (bounds the reaction to stop()). */
const PULL_EXPIRES_MS = 1000;
/** Extra time a pull may take beyond its expiry before it is given up (a pull lost in a server restart). */
const PULL_GRACE_MS = 4000;
/** Interval between checks for a recorded outcome in waitForOutcome. */
const OUTCOME_POLL_MS = 500;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** How long a hand-back may take to record itself before the delivery is given back counted (ms). */
const HAND_BACK_RECORD_MS = 2000;

/** How long a pull error repeated word for word (a refusal retried every second) is not reported again (ms). */
const REPEAT_MUTED_MS = 30_000;

/** `promise`, or `fallback` when it has not settled within `ms` (the promise is then left to settle unobserved). */
function withTimeout<T, F>(promise: Promise<T>, ms: number, fallback: F): Promise<T | F> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => resolve(fallback), ms);
    promise.then(
      (v) => (clearTimeout(timer), resolve(v)),
      (e: unknown) => (clearTimeout(timer), reject(e)),
    );
  });
}

/** {@link JobQueue} on NATS JetStream over an open connection (which the caller closes after {@link close}). */
export class JetStreamJobQueue implements JobQueue {
  readonly kind = 'jetstream';
  private readonly options: ResolvedJobQueueOptions;
  private readonly js: JetStreamClient;
  private manager?: Promise<JetStreamManager>;
  /** The durable consumer of each run consumed (`''`: every run's), cached until a failure. */
  private readonly pulls = new Map<string, Promise<Consumer>>();
  private readonly consumers = new Set<JobConsumer>();

  /**
   * @param extraEvents also receives every lifecycle event published (e.g. a local progress display). @default none
   * @throws RangeError as `resolveJobQueueOptions`.
   */
  constructor(
    private readonly nc: NatsConnection,
    options: JobQueueOptions = {},
    private readonly extraEvents: JobEventSink = () => undefined,
  ) {
    this.options = resolveJobQueueOptions(options);
    this.js = jetstream(nc);
  }

  /** Publishes `job` with its id as message id (after checking that no outcome is recorded for it). */
  async enqueue(job: CompressionJob): Promise<{ duplicate: boolean }> {
    await this.ensureStreams();
    if (await this.outcome(job.jobId)) return { duplicate: true };
    try {
      const ack = await this.js.publish(jobSubject(job.run), encodeJob(job), { msgID: job.jobId });
      return { duplicate: ack.duplicate };
    } catch (e) {
      throw new BusError(`cannot publish compression job ${job.jobId} to stream ${JOBS_STREAM}: ${(e as Error).message}`, { cause: e });
    }
  }

  /** Pulls and runs jobs (of `options.run` only, when given) one at a time until stopped. */
  consume(handler: JobHandler, options: ConsumeOptions = {}): JobConsumer {
    const name = options.name ?? defaultConsumerName();
    const durable = compressorConsumer(options.run).name;
    const onError = options.onError ?? (() => undefined);
    const onNotice = (message: string) => {
      try {
        options.onNotice?.(message);
      } catch {
        // a listener's failure must not end the loop, nor count as the job's
      }
    };
    // The last pull error reported and when; cleared by a pull that succeeds.
    let failing: { message: string; at: number } | undefined;
    const finished: string[] = [];
    const stopping = new AbortController();
    const abortJob = new AbortController();
    // A closed connection can neither renew a lease nor acknowledge: the running job is abandoned at once.
    void this.nc.closed().then(() => abortJob.abort());
    // Ready while connected and the last pull reached the durable consumer; a disconnect clears it at once.
    let connected = true;
    let pulling = false;
    void (async () => {
      for await (const s of this.nc.status()) {
        if (s.type === 'disconnect') connected = false;
        else if (s.type === 'reconnect') connected = true;
      }
    })();
    const loop = async () => {
      while (!stopping.signal.aborted && !this.nc.isClosed()) {
        let msg: JsMsg | null;
        try {
          const consumer = await this.pullConsumer(options.run, onNotice);
          pulling = true;
          msg = await withTimeout(consumer.next({ expires: PULL_EXPIRES_MS }), PULL_EXPIRES_MS + PULL_GRACE_MS, null);
          if (failing) onNotice(`pulling from ${JOBS_STREAM}/${durable} again`);
          failing = undefined;
        } catch (e) {
          pulling = false;
          if (stopping.signal.aborted || this.nc.isClosed()) return;
          const error = new BusError(`pulling from ${JOBS_STREAM}/${durable}: ${(e as Error).message}`, { cause: e });
          if (failing?.message !== error.message || performance.now() - failing.at >= REPEAT_MUTED_MS) {
            failing = { message: error.message, at: performance.now() };
            onError(error);
          }
          this.manager = undefined; // re-check streams and consumer after a server restart
          this.pulls.delete(options.run ?? '');
          await sleep(PULL_EXPIRES_MS);
          continue;
        }
        if (!msg) continue;
        if (stopping.signal.aborted) {
          await this.handBack(msg, undefined, onError);
          return;
        }
        let id: string | undefined;
        try {
          id = await this.handle(msg, handler, name, abortJob.signal, onError, onNotice);
        } catch (e) {
          // JetStream unreachable while reading or recording the job (a server restart): the delivery is left to its
          // lease, and the loop goes on (its end would be an unhandled rejection, which tfjs's wasm backend makes fatal).
          onError(new BusError(`handling a delivery of ${JOBS_STREAM}/${durable}: ${(e as Error).message}`, { cause: e }));
          if (stopping.signal.aborted) return;
          continue;
        }
        if (id === 'aborted') return;
        if (id) finished.push(id);
      }
    };
    const alive = answerAlive(this.nc, durable, name);
    const stopped = loop().finally(() => {
      pulling = false;
      if (!this.nc.isClosed()) alive.unsubscribe();
    });
    const taking = () => connected && pulling && !this.nc.isClosed();
    const consumer = consumerHandle({ finished, stopped, stopping, abortJob, taking }, (c) => this.consumers.delete(c));
    this.consumers.add(consumer);
    return consumer;
  }

  /** Polls the outcomes stream until `jobId` has an outcome; tells `untaken` when no compressor takes its run's jobs. */
  async waitForOutcome(jobId: string, signal?: AbortSignal, untaken?: (message: string) => void): Promise<JobOutcome> {
    const run = compressionJobParts(jobId)?.run;
    let checkAt = performance.now() + this.options.untakenCheckMs;
    for (;;) {
      if (signal?.aborted) throw new BusError(`stopped waiting for the outcome of compression job ${jobId}`);
      try {
        const jsm = await this.ensureStreams();
        const found = await this.outcome(jobId);
        if (found) return found;
        if (untaken && run !== undefined && performance.now() >= checkAt) {
          checkAt = performance.now() + 10 * this.options.untakenCheckMs;
          // Advice only: a check that fails (the server restarting) says nothing.
          if (!(await anyCompressorTakes(this.nc, jsm, JOBS_STREAM, run).catch(() => true))) {
            try {
              untaken(`compression job ${jobId} waits in ${JOBS_STREAM}, and no compressor takes run ${run}'s jobs`);
            } catch {
              // a listener's failure must not end the wait
            }
          }
        }
      } catch (e) {
        if (!(e instanceof BusError)) throw e;
        this.manager = undefined; // the server may be restarting: try again
      }
      await sleep(OUTCOME_POLL_MS);
    }
  }

  /** Stops this object's consumers (running jobs are aborted and handed back). The connection stays open. */
  async close(): Promise<void> {
    await Promise.all([...this.consumers].map((c) => c.stop(0)));
  }

  /** Runs one delivery; returns the job id when it ended for good, 'aborted' on hand-back, undefined otherwise. */
  private async handle(msg: JsMsg, handler: JobHandler, name: string, abort: AbortSignal, onError: (e: Error) => void, onNotice: (message: string) => void): Promise<string | 'aborted' | undefined> {
    let job: CompressionJob;
    try {
      job = decodeJob(msg.data);
    } catch (e) {
      onError(e as Error);
      msg.ack(); // dropped: an ack removes it from the work queue (a `term` was seen to leave one there on nats-server 2.9.10)
      return undefined;
    }
    if (await this.outcome(job.jobId)) {
      msg.ack(); // already done: a re-published job beyond the duplicate window
      return undefined;
    }
    const handBacks = await this.handBacks(job.jobId);
    const attempt = Math.max(1, msg.info.deliveryCount - handBacks);
    if (attempt > this.options.maxAttempts) {
      const error = `attempt ${attempt - 1} of ${this.options.maxAttempts} never finished (its compressor died or lost its lease)`;
      await this.finish(job, attempt - 1, { error });
      msg.ack(); // its failure is recorded
      onNotice(`job ${job.jobId} failed without running here: ${error}; recorded as failed`);
      return job.jobId;
    }
    const heartbeat = setInterval(() => msg.working(), this.options.heartbeatMs);
    let result;
    try {
      result = await runAttempt(job, attempt, handler, abort, (run, event, data) => this.publishEvent(run, event, data), name, this.options, handBacks);
    } finally {
      clearInterval(heartbeat);
    }
    switch (result.kind) {
      case 'aborted':
        await this.handBack(msg, job, onError);
        return 'aborted';
      case 'retry':
        msg.nak(result.delayMs);
        return undefined;
      case 'succeeded':
        await this.finish(job, attempt, { report: result.report });
        // Its consumer removed meanwhile (./compressor-consumer.ts): the outcome is recorded, so a redelivery finds it.
        await msg.ackAck().catch((e: Error) => onError(new BusError(`job ${job.jobId} succeeded and its outcome is recorded, but its delivery could not be acknowledged: ${e.message}`, { cause: e })));
        return job.jobId;
      case 'failed':
        await this.finish(job, attempt, { error: result.error });
        msg.ack(); // its failure is recorded
        return job.jobId;
    }
  }

  /**
   * Gives a delivery back for another compressor to take at once (`nak`: JetStream redelivers it first), without
   * counting it as an attempt: JetStream counts every delivery, so the job's hand-backs are recorded first, in the
   * outcome stream ({@link handBacks}). A delivery whose job cannot be read (`job` undefined and a malformed body), or
   * whose hand-back cannot be recorded (reported), is given back as it is, and counts.
   */
  private async handBack(msg: JsMsg, job: CompressionJob | undefined, onError: (e: Error) => void): Promise<void> {
    try {
      const jobId = (job ?? decodeJob(msg.data)).jobId;
      const record = async () => {
        const count = (await this.handBacks(jobId)) + 1;
        await this.js.publish(handBacksSubject(jobId), JSON.stringify({ handBacks: count }));
      };
      // Bounded: a shutdown during a NATS outage must not wait for JetStream's request timeouts.
      if ((await withTimeout(record(), HAND_BACK_RECORD_MS, 'timeout')) === 'timeout') throw new Error(`no answer within ${HAND_BACK_RECORD_MS} ms`);
    } catch (e) {
      if (job) onError(new BusError(`handing back job ${job.jobId}: cannot record the hand-back, so this delivery counts as an attempt: ${(e as Error).message}`, { cause: e }));
    }
    msg.nak();
  }

  /** How many times job `jobId` was handed back: 0 when never, or when the record cannot be read (then a hand-back counts as an attempt). */
  private async handBacks(jobId: string): Promise<number> {
    try {
      const jsm = await this.ensureStreams();
      const stored = await jsm.streams.getMessage(OUTCOMES_STREAM, { last_by_subj: handBacksSubject(jobId) });
      const count: unknown = stored ? (JSON.parse(stored.string()) as { handBacks?: unknown }).handBacks : 0;
      return Number.isSafeInteger(count) && (count as number) > 0 ? (count as number) : 0;
    } catch {
      return 0;
    }
  }

  /** Records the outcome (durably, before the ack) and publishes `compression.succeeded|failed`. */
  private async finish(job: CompressionJob, attempts: number, result: { report: string } | { error: string }): Promise<void> {
    const base = { jobId: job.jobId, run: job.run, attempts, outDir: job.outDir, time: new Date().toISOString() };
    const outcome: JobOutcome = 'report' in result ? { ...base, status: 'succeeded', report: result.report } : { ...base, status: 'failed', error: result.error };
    await this.js.publish(outcomeSubject(job.jobId), JSON.stringify(outcome));
    if (outcome.status === 'succeeded') this.publishEvent(job.run, 'compression.succeeded', { jobId: job.jobId, attempts, outDir: job.outDir, report: outcome.report! });
    else this.publishEvent(job.run, 'compression.failed', { jobId: job.jobId, attempts, error: outcome.error! });
  }

  private publishEvent: JobEventSink = (run, event, data) => {
    this.nc.publish(runEventSubject(run, event), JSON.stringify(runEventMessage(run, event, data as unknown as Record<string, unknown>)));
    this.extraEvents(run, event, data);
  };

  /** The recorded outcome of `jobId`, if any. */
  private async outcome(jobId: string): Promise<JobOutcome | undefined> {
    const jsm = await this.ensureStreams();
    let stored;
    try {
      stored = await jsm.streams.getMessage(OUTCOMES_STREAM, { last_by_subj: outcomeSubject(jobId) });
    } catch (e) {
      throw new BusError(`cannot read the outcome of job ${jobId} from ${OUTCOMES_STREAM}: ${(e as Error).message}`, { cause: e });
    }
    if (!stored) return undefined;
    try {
      return stored.json<JobOutcome>();
    } catch (e) {
      throw new ProtocolError(`${OUTCOMES_STREAM}: outcome of ${jobId} is not JSON`, { cause: e });
    }
  }

  /** Creates both streams when missing (idempotent); cached until a failure resets it. */
  private ensureStreams(): Promise<JetStreamManager> {
    this.manager ??= (async () => {
      try {
        const jsm = await jetstreamManager(this.nc);
        await addStream(jsm, {
          name: JOBS_STREAM,
          subjects: [JOB_SUBJECTS],
          retention: RetentionPolicy.Workqueue,
          storage: StorageType.File,
          duplicate_window: nanos(this.options.duplicateWindowMs),
        });
        await addStream(jsm, { name: OUTCOMES_STREAM, subjects: [OUTCOME_SUBJECTS], retention: RetentionPolicy.Limits, storage: StorageType.File, max_msgs_per_subject: 1 });
        return jsm;
      } catch (e) {
        this.manager = undefined;
        throw e instanceof BusError ? e : new BusError(`JetStream unavailable: ${(e as Error).message}`, { cause: e });
      }
    })();
    return this.manager;
  }

  /** The durable consumer of `run`'s jobs (every run's without), created or updated with this queue's ack wait; cached until a failure. */
  private pullConsumer(run: string | undefined, notice: (message: string) => void): Promise<Consumer> {
    const key = run ?? '';
    let pull = this.pulls.get(key);
    if (!pull) {
      pull = (async () => {
        const jsm = await this.ensureStreams();
        await ensureCompressorConsumer(this.nc, jsm, JOBS_STREAM, run, this.options.ackWaitMs, notice);
        return this.js.consumers.get(JOBS_STREAM, compressorConsumer(run).name);
      })();
      pull.catch(() => this.pulls.delete(key));
      this.pulls.set(key, pull);
    }
    return pull;
  }
}
