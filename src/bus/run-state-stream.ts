/**
 * The last `phase` and `finished` event of every run, kept by JetStream: the stream {@link RUN_STATE_STREAM}
 * captures the run events published on `metatrain.run.*.phase` and `metatrain.run.*.finished` (core publishes,
 * run-event-publisher.ts) and keeps one message per subject, so that `metatrain watch` started after a run ended
 * can say how it ended and where its summary is, instead of waiting for events that will never come. The other
 * events stay plain notifications. Without JetStream on the server nothing is kept and the run is unaffected.
 */
import { jetstreamManager, RetentionPolicy, StorageType } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { BusError } from '../core/errors';
import { addStream } from './jetstream-stream';
import { parseRunEventMessage, RUN_SUBJECT_PREFIX, runEventSubject, type RunEventMessage } from './run-subjects';

/** The JetStream stream holding each run's last `phase` and `finished` event. */
export const RUN_STATE_STREAM = 'METATRAIN_RUN_STATE';

/** Time allowed for one JetStream request here (a server without JetStream answers at once). */
const JETSTREAM_TIMEOUT_MS = 3000;

/** What the server keeps of a run ({@link lastRunState}). */
export interface RecordedRunState {
  /** Its last `phase` event (`data.phase`, `data.message`), if any. */
  readonly phase?: RunEventMessage;
  /** Its last `finished` event (`data.phase`, `data.reason`, `data.summaryFile`), if any. */
  readonly finished?: RunEventMessage;
}

/**
 * Makes the server keep each run's last `phase` and `finished` event: creates {@link RUN_STATE_STREAM} unless it
 * exists (file storage, one message per subject). Call before the run publishes its first event.
 * @throws BusError when the server has no JetStream or refuses the stream (the run's events still flow without it).
 */
export async function keepRunState(nc: NatsConnection): Promise<void> {
  try {
    const jsm = await jetstreamManager(nc, { timeout: JETSTREAM_TIMEOUT_MS });
    await addStream(jsm, {
      name: RUN_STATE_STREAM,
      subjects: [`${RUN_SUBJECT_PREFIX}.*.phase`, `${RUN_SUBJECT_PREFIX}.*.finished`],
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
      max_msgs_per_subject: 1,
    });
  } catch (e) {
    throw e instanceof BusError ? e : new BusError(`JetStream unavailable: ${(e as Error).message}`, { cause: e });
  }
}

/**
 * What the server at `nc` keeps of run `run`: its last `phase` and `finished` events, or undefined when it keeps
 * nothing (no JetStream, no {@link RUN_STATE_STREAM}: no run with this server as `nats.url` has started since,
 * or none of that name has published a phase). A stored message that is not a run event is ignored.
 * @throws ProtocolError when `run` is not a DNS label.
 */
export async function lastRunState(nc: NatsConnection, run: string): Promise<RecordedRunState | undefined> {
  const subjects = { phase: runEventSubject(run, 'phase'), finished: runEventSubject(run, 'finished') };
  let jsm;
  try {
    jsm = await jetstreamManager(nc, { timeout: JETSTREAM_TIMEOUT_MS });
  } catch {
    return undefined;
  }
  const last = async (subject: string): Promise<RunEventMessage | undefined> => {
    try {
      const stored = await jsm.streams.getMessage(RUN_STATE_STREAM, { last_by_subj: subject });
      return stored ? parseRunEventMessage(stored.string()) : undefined;
    } catch {
      return undefined;
    }
  };
  const [phase, finished] = await Promise.all([last(subjects.phase), last(subjects.finished)]);
  return phase || finished ? { phase, finished } : undefined;
}
