/**
 * `metatrain watch` over NATS: subscribes to `metatrain.run.<run>.>` (src/bus/run-subjects.ts) and shows every
 * event of the run until `finished` or a terminal `phase`. Core NATS keeps no history, but JetStream keeps each
 * run's last phase and end (src/bus/run-state-stream.ts): a run that had already ended is said to have ended, with
 * when and where its summary is, and a watch that sees no event for a while says so and what to check.
 */
import { connectNats, lastRunState, natsUrlShown, parseRunEventMessage, runEventsWildcard, type RecordedRunState } from '../bus';
import { BusError } from '../core/errors';
import { endOf, type WatchEnd, type WatchEvent } from './watch-event';

/** How long without an event before {@link NatsWatchOptions.onQuiet}, in ms. */
export const DEFAULT_QUIET_MS = 5000;
/** How long the `finished` event (which names the summary) is awaited after a terminal `phase` event, in ms. */
const FINISHED_GRACE_MS = 2000;

/** Options of {@link watchNats}. */
export interface NatsWatchOptions {
  /** Called once the subscription is registered at the server. */
  readonly onReady?: () => void;
  /**
   * Called when no event has arrived for `quietMs` (once per quiet stretch: again only after another event), with
   * what the server keeps of the run (undefined: nothing, see `lastRunState`); {@link quietNotice} words it.
   */
  readonly onQuiet?: (recorded: RecordedRunState | undefined) => void;
  /** @default {@link DEFAULT_QUIET_MS} */
  readonly quietMs?: number;
  /**
   * Follow the next run of this name: when the server recorded that the run already ended, call
   * {@link NatsWatchOptions.onEndedBefore} with that end and wait for the next run to start, instead of returning
   * that end. @default false
   */
  readonly next?: boolean;
  /** With {@link NatsWatchOptions.next}: called with the end of the run that had ended before this watch, once. */
  readonly onEndedBefore?: (end: WatchEnd) => void;
}

/**
 * Watches run `run` on the NATS server(s) at `url`. A message that breaks the event contract is shown as a
 * warning and skipped. When the server recorded that the run already ended (its last phase is terminal), returns
 * that end at once with `endedAt` (and `summaryFile` when its `finished` event named one), showing nothing; with
 * `options.next`, skips that run's last events instead and follows the next run of that name.
 * @throws BusError when NATS cannot be reached or the subscription ends early; ProtocolError when `run` is not a
 *   DNS label.
 */
export async function watchNats(url: string, run: string, show: (e: WatchEvent) => void, options: NatsWatchOptions = {}): Promise<WatchEnd> {
  const subject = runEventsWildcard(run);
  const nc = await connectNats(url, { name: `metatrain-watch-${process.pid}` });
  let quiet: NodeJS.Timeout | undefined;
  let grace: NodeJS.Timeout | undefined;
  try {
    const sub = nc.subscribe(subject);
    await nc.flush();
    options.onReady?.();
    const before = endedBefore(await lastRunState(nc, run));
    if (before && !options.next) return before;
    if (before) options.onEndedBefore?.(before);
    // The ended run's last events may still arrive (its terminal phase, published while this watch subscribed, and
    // the `finished` event after it): skipped until the next run's first event, stamped later and not `finished`
    // (a run publishes a phase before it finishes).
    let previous = before;
    const arm = () => {
      clearTimeout(quiet);
      quiet = setTimeout(() => void lastRunState(nc, run).then((recorded) => options.onQuiet?.(recorded)), options.quietMs ?? DEFAULT_QUIET_MS);
    };
    arm();
    let ending: WatchEnd | undefined;
    for await (const msg of sub) {
      arm();
      let e: WatchEvent;
      try {
        e = parseRunEventMessage(msg.string());
      } catch (err) {
        show({ event: 'warning', time: new Date().toISOString(), data: { message: `skipped a malformed event on ${msg.subject}: ${(err as Error).message}` } });
        continue;
      }
      if (previous && (e.event === 'finished' || Date.parse(e.time) <= Date.parse(previous.endedAt))) continue;
      previous = undefined;
      show(e);
      const end = endOf(e);
      if (!end) continue;
      if (e.event === 'finished') return ending ? { ...ending, ...(end.summaryFile ? { summaryFile: end.summaryFile } : {}) } : end;
      // A terminal phase: the `finished` event naming the summary follows at once; stop waiting for it soon.
      ending = end;
      grace ??= setTimeout(() => sub.unsubscribe(), FINISHED_GRACE_MS);
    }
    if (ending) return ending;
    throw new BusError(`subscription to ${subject} on ${natsUrlShown(url)} ended before the run did`);
  } finally {
    clearTimeout(quiet);
    clearTimeout(grace);
    await nc.close();
  }
}

/** The end of a run whose recorded last phase is terminal (with when, and its summary when recorded), else undefined. */
function endedBefore(recorded: RecordedRunState | undefined): (WatchEnd & { endedAt: string }) | undefined {
  const phase = recorded?.phase;
  const end = phase && endOf(phase);
  if (!end) return undefined;
  const finished = recorded.finished;
  // The finished event of this same end follows its phase event; an older one (an earlier attempt) is not it.
  const summary = finished && Date.parse(finished.time) >= Date.parse(phase.time) ? endOf(finished)?.summaryFile : undefined;
  return { ...end, endedAt: phase.time, ...(summary ? { summaryFile: summary } : {}) };
}

/**
 * The line saying that no event of run `run` arrived on `url` for `quietMs`, and what to check: with the run's
 * last recorded phase when the server keeps one (a live run can be quiet for minutes while evaluating or
 * compressing; an ended one, followed with `next`, until the next run of that name starts), else that the server knows no such run (its name, its `nats.url`, whether it started).
 */
export function quietNotice(run: string, url: string, quietMs: number, recorded: RecordedRunState | undefined): string {
  const head = `no event from run ${run} on ${natsUrlShown(url)} for ${quietMs / 1000} s`;
  const phase = recorded?.phase;
  if (phase && endOf(phase)) {
    return `${head}; the last run of that name ended (${String(phase.data.phase)} at ${phase.time}), and the next one has not started: check that it is starting, with this server as its nats.url. Still watching`;
  }
  if (phase) {
    return `${head}; its last recorded phase is ${String(phase.data.phase)} (since ${phase.time}): a run publishes an event per meta-step while training, but evaluation and compression can be quiet for minutes; if its process is gone, resume it with --resume. Still watching`;
  }
  return `${head}, and this server keeps no record of a run of that name: check that ${run} is the config's name, that the run's nats.url is this server and that it has started (a run that ended before this watch is not replayed without JetStream on the server: see summary.json in its run directory). Still watching`;
}
