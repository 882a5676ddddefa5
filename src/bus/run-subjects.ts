/**
 * The NATS contract of run events (read by `metatrain watch`): one subject per run and event,
 * `metatrain.run.<run>.<event>`, carrying JSON `{ "run", "event", "time": ISO 8601, "data": {...} }` where `data`
 * is the RunEvents payload (src/coordinator/run-events.ts). Subscribe to {@link runEventsWildcard} for all of a
 * run's events. Plain NATS core publish: events are notifications, not a durable log.
 */
import { ProtocolError } from '../core/errors';
import { echoJson } from '../core/echo-value';
import { RUN_NAME_PATTERN, RUN_NAME_RULE } from '../core/run-name';

/** Every event name published for a run (the names of the RunEvents it mirrors, `progress` excluded). */
export const RUN_EVENT_NAMES = [
  'phase',
  'step',
  'validation',
  'checkpoint',
  'workers',
  'warning',
  'converged',
  'finished',
  'compression.queued',
  'compression.started',
  'compression.succeeded',
  'compression.failed',
] as const;

/** One of {@link RUN_EVENT_NAMES}. */
export type RunEventName = (typeof RUN_EVENT_NAMES)[number];

/** The JSON body of a run event message. */
export interface RunEventMessage {
  readonly run: string;
  readonly event: RunEventName;
  /** ISO 8601 time of publication. */
  readonly time: string;
  readonly data: Readonly<Record<string, unknown>>;
}

/** Subject prefix of every run event. */
export const RUN_SUBJECT_PREFIX = 'metatrain.run';

/** @throws ProtocolError when `run` is not a run name (src/core/run-name.ts), which is one token of every subject. */
function checkRun(run: string): void {
  if (!RUN_NAME_PATTERN.test(run)) throw new ProtocolError(`run name ${echoJson(run)}: ${RUN_NAME_RULE}`);
}

/**
 * `metatrain.run.<run>.<event>`, e.g. `metatrain.run.sotu-maml.compression.succeeded`.
 * @throws ProtocolError when `run` is not a run name (config `name` guarantees one).
 */
export function runEventSubject(run: string, event: RunEventName): string {
  checkRun(run);
  return `${RUN_SUBJECT_PREFIX}.${run}.${event}`;
}

/**
 * `metatrain.run.<run>.>`: matches every event of `run` (the `compression.*` ones included).
 * @throws ProtocolError as {@link runEventSubject}.
 */
export function runEventsWildcard(run: string): string {
  checkRun(run);
  return `${RUN_SUBJECT_PREFIX}.${run}.>`;
}

/** The message body of one event, stamped with `time` (default now). */
export function runEventMessage(run: string, event: RunEventName, data: Readonly<Record<string, unknown>>, time = new Date()): RunEventMessage {
  return { run, event, time: time.toISOString(), data };
}

/**
 * Parses a received event body.
 * @throws ProtocolError naming the missing or malformed field.
 */
export function parseRunEventMessage(text: string): RunEventMessage {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new ProtocolError(`run event is not JSON: ${(e as Error).message}`, { cause: e });
  }
  const m = raw as Partial<RunEventMessage> | null;
  if (typeof m !== 'object' || m === null) throw new ProtocolError('run event is not a JSON object');
  if (typeof m.run !== 'string') throw new ProtocolError('run event has no string field "run"');
  if (!RUN_EVENT_NAMES.includes(m.event as RunEventName)) throw new ProtocolError(`run event has unknown event ${JSON.stringify(m.event)}`);
  if (typeof m.time !== 'string' || Number.isNaN(Date.parse(m.time))) throw new ProtocolError(`run event has no ISO 8601 "time" (got ${JSON.stringify(m.time)})`);
  if (typeof m.data !== 'object' || m.data === null) throw new ProtocolError('run event has no object field "data"');
  return m as RunEventMessage;
}
