/**
 * The durable pull consumers of the compression job stream (`METATRAIN_JOBS`, subjects
 * `metatrain.jobs.compress.<run>`): `compressors-<run>` takes one run's jobs (the compressors of that run:
 * `metatrain compressor --run RUN`, each run's Deployment on Kubernetes, whose volume holds only that run's
 * checkpoints), `compressors` takes every run's (`metatrain compressor` without `--run`, one compressor serving the
 * runs of a machine).
 *
 * A work-queue stream refuses a consumer whose subjects overlap another's (NATS JetStream, "Work-queue retention"),
 * so `compressors` and any `compressors-<run>` cannot both exist. Creating one removes each overlapping consumer
 * that no compressor uses (the jobs it had not delivered stay in the stream and go to the new one) and refuses,
 * naming it, one in use. In use: a compressor consuming from it is subscribed to {@link consumerAliveSubject} (core
 * NATS request/reply; one busy past the wait still counts: a compressor running a job has no pull waiting, and the
 * server's count of unacknowledged deliveries is not reliable: nats-server 2.9 keeps counting a job ended with
 * `term`), or a pull is waiting on it (a compressor of an earlier version, which does not answer). A compressor of an
 * earlier version in a job, or one reconnecting in a job, cannot be seen: its consumer may be removed under it, and
 * the job then runs again on the new one (its result is committed once: src/compress/compress-job.ts) while the
 * first compressor's acknowledgement fails and is reported. A run's consumer is removed by the server after
 * {@link RUN_CONSUMER_INACTIVE_MS} without a pull (its run is over), so finished runs leave none behind.
 */
import { AckPolicy, JetStreamApiCodes, JetStreamApiError, type ConsumerInfo, type JetStreamManager } from '@nats-io/jetstream';
import { nanos, NoRespondersError, type NatsConnection, type Subscription } from '@nats-io/nats-core';
import { countOf } from '../core/count-words';
import { BusError } from '../core/errors';
import { JOB_SUBJECTS, jobSubject } from './job-subjects';

/** The durable consumer of compressors taking every run's jobs. */
export const COMPRESSOR_CONSUMER = 'compressors';
/** Time without a pull after which the server removes a run's consumer (1 h; its undelivered jobs stay in the stream). */
export const RUN_CONSUMER_INACTIVE_MS = 3_600_000;

/** Name and subject filter of the consumer taking `run`'s jobs, or every run's without `run`. */
export function compressorConsumer(run?: string): { readonly name: string; readonly filter: string } {
  return run === undefined ? { name: COMPRESSOR_CONSUMER, filter: JOB_SUBJECTS } : { name: `${COMPRESSOR_CONSUMER}-${run}`, filter: jobSubject(run) };
}

/** The core NATS subject on which the compressors consuming from `consumer` answer with their names. */
export const consumerAliveSubject = (consumer: string) => `metatrain.compressors.${consumer}.alive`;

/** Answers requests on {@link consumerAliveSubject}(`consumer`) with `name` until the subscription is unsubscribed. */
export function answerAlive(nc: NatsConnection, consumer: string, name: string): Subscription {
  return nc.subscribe(consumerAliveSubject(consumer), { callback: (err, msg) => void (err || msg.respond(name)) });
}

/** How long an overlapping consumer's compressors get to answer (with none subscribed, NATS says so at once). */
const ALIVE_WAIT_MS = 1000;
/** After an answer, how long the others get to answer too (each compressor answers at once unless busy). */
const ALIVE_MORE_MS = 100;

/** Who uses the consumer of `info`, or undefined when none does (see the file comment). */
async function usedBy(nc: NatsConnection, info: ConsumerInfo): Promise<string | undefined> {
  const busy = `a compressor consuming from it did not answer within ${ALIVE_WAIT_MS} ms (busy)`;
  const names: string[] = [];
  try {
    for await (const answer of await nc.requestMany(consumerAliveSubject(info.name), '', { strategy: 'stall', stall: ALIVE_MORE_MS, maxWait: ALIVE_WAIT_MS })) names.push(`'${answer.string()}'`);
  } catch (e) {
    if (!(e instanceof NoRespondersError)) return busy;
    return info.num_waiting > 0 ? `${countOf(info.num_waiting, 'pull')} waiting on it` : undefined;
  }
  if (names.length === 0) return busy;
  return names.length === 1 ? `compressor ${names[0]} consumes from it` : `compressors ${names.sort().join(', ')} consume from it`;
}

/** Whether another consumer's subject filter (`other`, '' for none) shares a subject with `filter` (every run's or one run's). */
const overlaps = (filter: string, other: string) => filter === other || other === '' || filter === JOB_SUBJECTS || other === JOB_SUBJECTS;

/** What a consumer takes, for messages: every run's jobs (no filter, or every run's subjects) or one run's. */
function takes(info: ConsumerInfo): string {
  const filter = info.config.filter_subject ?? '';
  const run = filter.startsWith(jobSubject('')) && filter !== JOB_SUBJECTS ? filter.slice(jobSubject('').length) : undefined;
  return run === undefined ? "every run's jobs: compressors started without --run" : `run ${run}'s jobs: compressors started with --run ${run}`;
}

/** Whether `e` says the consumer does not exist. */
const notFound = (e: unknown) => e instanceof JetStreamApiError && e.code === JetStreamApiCodes.ConsumerNotFound;


/**
 * Whether any compressor takes `run`'s jobs now: one uses (as {@link ensureCompressorConsumer} tells) a consumer of
 * `stream` whose filter covers the run's subject.
 * @throws JetStream's errors listing the consumers.
 */
export async function anyCompressorTakes(nc: NatsConnection, jsm: JetStreamManager, stream: string, run: string): Promise<boolean> {
  const subject = jobSubject(run);
  for await (const info of await jsm.consumers.list(stream)) {
    if (overlaps(subject, info.config.filter_subject ?? '') && (await usedBy(nc, info)) !== undefined) return true;
  }
  return false;
}

/**
 * Creates the consumer of `run`'s jobs (every run's without `run`) on `stream`, or updates its lease (`ackWaitMs`, ms)
 * and deliveries, removing the unused consumers it would overlap (see the file comment), each told to `removed` in
 * words.
 * @throws BusError naming each overlapping consumer in use, what it takes, who uses it and what to do; BusError when
 *   JetStream refuses a call.
 */
export async function ensureCompressorConsumer(
  nc: NatsConnection,
  jsm: JetStreamManager,
  stream: string,
  run: string | undefined,
  ackWaitMs: number,
  removed: (what: string) => void = () => undefined,
): Promise<void> {
  const { name, filter } = compressorConsumer(run);
  // Deliveries unlimited: the queue counts attempts itself (a hand-back is a delivery but no attempt).
  const wanted = { ack_wait: nanos(ackWaitMs), max_deliver: -1 };
  try {
    const info = await jsm.consumers.info(stream, name).catch((e: unknown) => {
      if (notFound(e)) return undefined;
      throw e;
    });
    if (info) {
      if (info.config.ack_wait !== wanted.ack_wait || info.config.max_deliver !== wanted.max_deliver) await jsm.consumers.update(stream, name, wanted);
      return;
    }
    const inUse: string[] = [];
    for await (const other of await jsm.consumers.list(stream)) {
      if (other.name === name || !overlaps(filter, other.config.filter_subject ?? '')) continue;
      const user = await usedBy(nc, other);
      if (user === undefined) {
        const deleted = await jsm.consumers.delete(stream, other.name).catch((e: unknown) => {
          if (!notFound(e)) throw e;
          return false; // gone already: another compressor removed it
        });
        if (deleted) removed(`removed the unused consumer '${other.name}' of ${stream} (${takes(other)}), which overlapped '${name}'; the jobs it had not delivered go to '${name}'`);
      }
      else inUse.push(`'${other.name}' (${takes(other)}; ${user})`);
    }
    if (inUse.length > 0) {
      const instead = run === undefined ? 'stop them, or start this compressor with --run RUN' : 'stop them, or start them with --run RUN for the runs they serve';
      throw new BusError(
        `cannot create consumer '${name}' on ${stream}: a work-queue stream's consumers may not overlap, and ${inUse.join(', ')} ${inUse.length === 1 ? 'is' : 'are'} in use; ${instead}`,
      );
    }
    await jsm.consumers.add(stream, {
      durable_name: name,
      ack_policy: AckPolicy.Explicit,
      filter_subject: filter,
      max_ack_pending: -1,
      ...(run === undefined ? {} : { inactive_threshold: nanos(RUN_CONSUMER_INACTIVE_MS) }),
      ...wanted,
    });
  } catch (e) {
    throw e instanceof BusError ? e : new BusError(`cannot set up consumer '${name}' on ${stream}: ${(e as Error).message}`, { cause: e });
  }
}
