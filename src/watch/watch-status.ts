/**
 * `metatrain watch` without NATS: polls the coordinator's status and turns each change between two snapshots
 * into the run event it stands for (phase, step, validation, workers, checkpoint), so the output reads like the
 * NATS one. Ends when the phase is terminal.
 */
import { AuthError, ConnectionRefusedError, NotCoordinatorError, RunUnreachableError } from '../core/errors';
import type { PhaseEntered, StatusClient, StatusSnapshot, StepDone } from './status-client';
import { endOf, type WatchEnd, type WatchEvent } from './watch-event';
import { RECENT_STEPS } from '../wire/proto';

/** Polling settings. */
export interface StatusWatchOptions {
  /** Time between two reads. @default 1000 */
  intervalMs?: number;
  /**
   * Give up after the coordinator has been unreachable this long (before the first read or after a later one). When
   * given, it is waited for in full, also where nothing listens yet (a run that is starting); when not given, 30000,
   * and a coordinator never read that refuses connections is given up on after {@link REFUSED_GIVE_UP_MS}.
   * @default 30000
   */
  giveUpMs?: number;
}

/** Where a coordinator's status address is found, for the advice to check it. */
const STATUS_ADDRESSES = 'host:PORT of its --listen for the status RPC, http://host:METRICS_PORT for its /status; a coordinator prints both in its "listening" line';

/** How long a coordinator may be unreachable before the watch ends, when `giveUpMs` is not given. */
const DEFAULT_GIVE_UP_MS = 30_000;

/**
 * How long a coordinator never read may refuse connections before the watch ends, when `giveUpMs` is not given: long
 * enough for one started at the same moment to begin listening, short enough that a wrong address or a run that is
 * not running is said at once. One read before that refuses later is waited for `giveUpMs` (it may be restarting);
 * an explicit `giveUpMs` (waiting for a run that is starting) is waited for in full.
 */
const REFUSED_GIVE_UP_MS = 2000;

/** `ms` in words: `250 ms` under a second, else seconds to one decimal (`1.5 s`, `30 s`). */
const duration = (ms: number) => (ms < 1000 ? `${ms} ms` : `${Number((ms / 1000).toFixed(1))} s`);

const same = (a: number, b: number) => a === b || (Number.isNaN(a) && Number.isNaN(b));

/** Phases up to a run's last training step: their lines come before a read's step lines, the later phases' after. */
const TRAINING_PHASES: readonly string[] = ['pending', 'training'];

/**
 * The phases the run entered from snapshot `prev` (undefined: first read) to `next`, in the run's order: those
 * `next.phases` lists after `prev`'s phase (all of them on a first read), then `next`'s phase with its current
 * message; none when the phase is unchanged.
 */
function phasesEntered(prev: StatusSnapshot | undefined, next: StatusSnapshot): PhaseEntered[] {
  if (prev?.phase === next.phase) return [];
  const seen = prev ? next.phases.findIndex((p) => p.phase === prev.phase) : -1;
  const passed = next.phases.slice(seen + 1).filter((p) => p.phase !== next.phase);
  return [...passed, { phase: next.phase, message: next.message }];
}

/**
 * The steps done from snapshot `prev` (undefined: first read) to `next`, in order, and the steps done in between that
 * the status no longer lists (`missing`, first and last; undefined when none). The steps are those of
 * `next.recentSteps` after `prev`'s step, or all it lists before `next`'s step when the step went down (a coordinator
 * restarted and resumed from an earlier checkpoint), then the last one; a first read gives the last step only, as a
 * NATS watch that starts late; a coordinator that lists none (an earlier version) gives the last step as the status
 * says it; none when the step is unchanged or no step is done yet.
 */
function stepsDone(prev: StatusSnapshot | undefined, next: StatusSnapshot): { steps: StepDone[]; missing?: [number, number] } {
  if (!(next.step > 0) || prev?.step === next.step) return { steps: [] };
  const listedLast = next.recentSteps.at(-1);
  const last = listedLast?.step === next.step ? listedLast : { step: next.step, metaLoss: next.metaLoss, tasksPerSecond: next.tasksPerSecond, workers: next.workers };
  if (!prev) return { steps: [last] };
  const after = next.step < prev.step ? -Infinity : prev.step;
  const steps = [...next.recentSteps.filter((s) => s.step > after && s.step < next.step), last];
  const firstShown = steps[0]!.step;
  const missing = next.recentSteps.length > 0 && after !== -Infinity && firstShown > prev.step + 1 ? ([prev.step + 1, firstShown - 1] as [number, number]) : undefined;
  return { steps, missing };
}

/**
 * The events between snapshot `prev` (undefined: first read) and `next`, stamped `time`, in the order the run's
 * NATS events come: `pending` and `training` first, then the last step, validation and checkpoint, then each later
 * phase entered (`evaluating`, `compressing`, a terminal one, which ends the watch), also those passed between two
 * reads; every step done between two reads that the status still lists (its last 100), after a `warning` naming
 * those it no longer lists. The status holds no step for the last validation, so a derived `validation` event has none.
 */
export function statusChanges(prev: StatusSnapshot | undefined, next: StatusSnapshot, time: string): WatchEvent[] {
  const out: WatchEvent[] = [];
  const add = (event: WatchEvent['event'], data: Record<string, unknown>) => out.push({ event, time, data });
  const entered = phasesEntered(prev, next);
  if (!prev || prev.workers !== next.workers) add('workers', { count: next.workers });
  for (const p of entered.filter((e) => TRAINING_PHASES.includes(e.phase))) add('phase', { ...p });
  const done = stepsDone(prev, next);
  if (done.missing) {
    const [first, lastMissing] = done.missing;
    add('warning', { message: `step${first === lastMissing ? ` ${first} was` : `s ${first}–${lastMissing} were`} done between two reads and no longer listed by the status (it keeps the last ${RECENT_STEPS}): read more often (--interval-ms) or follow the run's events with --nats URL` });
  }
  for (const s of done.steps) add('step', { step: s.step, maxSteps: next.maxSteps, metaLoss: s.metaLoss, tasksPerSecond: s.tasksPerSecond, workers: s.workers });
  if (Number.isFinite(next.metaValLoss) && (!prev || !same(prev.metaValLoss, next.metaValLoss) || !same(prev.metaValMetric, next.metaValMetric))) add('validation', { loss: next.metaValLoss, metric: next.metaValMetric });
  if (next.lastCheckpoint && (!prev || prev.lastCheckpoint !== next.lastCheckpoint)) add('checkpoint', { path: next.lastCheckpoint });
  for (const p of entered.filter((e) => !TRAINING_PHASES.includes(e.phase))) add('phase', { ...p });
  return out;
}

/**
 * Polls until the run `run` ends; calls `show` with every event derived from status changes.
 * @throws RunUnreachableError when the coordinator serves another run, or cannot be read for `giveUpMs` (when it
 *   refuses connections and was never read, and `giveUpMs` was not given, for {@link REFUSED_GIVE_UP_MS});
 *   NotCoordinatorError at once when something else answers at its address, AuthError at once when the coordinator
 *   refuses the run token or certificate (see StatusClient.read).
 */
export async function watchStatus(client: StatusClient, run: string, show: (e: WatchEvent) => void, o: StatusWatchOptions = {}): Promise<WatchEnd> {
  const intervalMs = o.intervalMs ?? 1000;
  const giveUpMs = o.giveUpMs ?? DEFAULT_GIVE_UP_MS;
  const refusedGiveUpMs = o.giveUpMs ?? REFUSED_GIVE_UP_MS;
  let prev: StatusSnapshot | undefined;
  let failingSince = Date.now();
  for (;;) {
    let next: StatusSnapshot | undefined;
    try {
      next = await client.read();
    } catch (err) {
      if (err instanceof NotCoordinatorError || err instanceof AuthError) throw err;
      if (err instanceof ConnectionRefusedError && !prev && Date.now() - failingSince > refusedGiveUpMs) {
        throw new RunUnreachableError(
          `no coordinator at ${client.target} (connection refused): is run ${run} still running? Check the address (${STATUS_ADDRESSES}), or follow the run's events with --nats URL`,
          { cause: err },
        );
      }
      if (Date.now() - failingSince > giveUpMs) {
        // A coordinator that was read before and is gone may have finished: it exits when its run ends, unless it
        // lingers. One never read is most often the wrong address, or a run not started (yet).
        const seen = prev
          ? `; last phase ${prev.phase} at step ${prev.step}. If the run ended, its coordinator has exited: start it with --linger-seconds S to serve its status after the end, or follow the run's events with --nats URL`
          : `; it never answered. Check the address (${STATUS_ADDRESSES}) and that the run is up, or follow the run's events with --nats URL`;
        throw new RunUnreachableError(`coordinator of run ${run} at ${client.target} unreachable for ${duration(giveUpMs)} (${(err as Error).message})${seen}`, { cause: err });
      }
    }
    if (next) {
      if (next.run !== run) throw new RunUnreachableError(`${client.target} serves run ${JSON.stringify(next.run)}, not ${JSON.stringify(run)}`);
      failingSince = Date.now();
      for (const e of statusChanges(prev, next, new Date().toISOString())) {
        show(e);
        const end = endOf(e);
        if (end) return end;
      }
      prev = next;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
