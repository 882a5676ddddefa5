/**
 * What `metatrain watch` shows: run events as published on NATS (src/bus/run-subjects.ts), or as derived from
 * successive status snapshots when there is no NATS. One line per event; the watch ends at the run's end.
 */
import type { RunEventMessage } from '../bus';

/** A run event to show (the NATS message body). */
export type WatchEvent = Pick<RunEventMessage, 'event' | 'time' | 'data'>;

/** How a watched run ended. */
export interface WatchEnd {
  /** `succeeded`, `failed` or `stopped` (stopped gracefully by a signal; the run resumes with --resume). */
  phase: string;
  /** Why (the phase message, the finished reason, or why the watch lost the run). */
  reason: string;
  /** Absolute path of the run's `summary.json` on the coordinator's machine, when its `finished` event named one. */
  summaryFile?: string;
  /** ISO 8601 time the run ended, when it had ended before the watch started (from what NATS keeps of it). */
  endedAt?: string;
}

/** Phases a run ends in (src/coordinator/run-phase.ts). */
export const TERMINAL_PHASES: readonly string[] = ['succeeded', 'failed', 'stopped'];

/** The end of the run if `e` is its last event (`finished`, or a `phase` event to a terminal phase). */
export function endOf(e: WatchEvent): WatchEnd | undefined {
  const phase = String(e.data.phase ?? '');
  if (e.event === 'finished') {
    const summaryFile = typeof e.data.summaryFile === 'string' ? { summaryFile: e.data.summaryFile } : {};
    return { phase: TERMINAL_PHASES.includes(phase) ? phase : 'failed', reason: String(e.data.reason ?? ''), ...summaryFile };
  }
  if (e.event === 'phase' && TERMINAL_PHASES.includes(phase)) return { phase, reason: String(e.data.message ?? '') };
  return undefined;
}
