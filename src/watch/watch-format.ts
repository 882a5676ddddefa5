/** One line of `metatrain watch` output per run event. */
import type { WatchEvent } from './watch-event';
import { countOf } from '../core/count-words';

function num(v: unknown, digits = 4): string {
  return typeof v === 'number' && Number.isFinite(v) ? v.toFixed(digits) : '-';
}

function bytes(v: unknown): string {
  return typeof v === 'number' ? `${(v / 1024).toFixed(1)} KiB` : '-';
}

/** ` at step N` when the event says its step. */
function at(d: Record<string, unknown>): string {
  return d.step === undefined ? '' : ` at step ${String(d.step)}`;
}

/** `key=value` pairs of an event whose payload the watch does not know field by field (compression events). */
function pairs(data: Record<string, unknown>): string {
  return Object.entries(data)
    .map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
    .join(' ');
}

/** The text of an event, without its time. */
function describe(e: WatchEvent): string {
  const d = e.data;
  switch (e.event) {
    case 'phase':
      return `[${String(d.phase)}] ${String(d.message ?? '')}`;
    case 'step': {
      const of = typeof d.maxSteps === 'number' ? `/${d.maxSteps}` : '';
      const metric = d.metaMetric === undefined ? '' : `  metric ${num(d.metaMetric)}`;
      return `step ${String(d.step)}${of}  meta-loss ${num(d.metaLoss)}${metric}  ${num(d.tasksPerSecond, 1)} tasks/s  ${typeof d.workers === 'number' ? countOf(d.workers, 'worker') : '- workers'}`;
    }
    case 'validation':
      return `validation${at(d)}: loss ${num(d.loss)}  metric ${num(d.metric)}${d.improved ? '  (best)' : ''}`;
    case 'checkpoint':
      return `checkpoint${at(d)}${d.best ? ' (best)' : ''}: ${String(d.path)}${d.bytes === undefined ? '' : `  ${bytes(d.bytes)} in ${num(d.durationSeconds, 3)} s`}`;
    case 'workers':
      return `workers: ${String(d.count)}`;
    case 'warning':
      return `warning: ${String(d.message)}`;
    case 'converged':
      return `converged at step ${String(d.step)} (best step ${String(d.bestStep)})`;
    case 'finished':
      return `finished: ${String(d.phase)} after ${String(d.steps)} steps (${String(d.reason)})`;
    default:
      return `${e.event}: ${pairs(d)}`;
  }
}

/** `HH:MM:SS  <text>` in local time. */
export function formatWatchEvent(e: WatchEvent): string {
  const t = new Date(e.time);
  const hms = Number.isNaN(t.getTime()) ? '--:--:--' : t.toTimeString().slice(0, 8);
  return `${hms}  ${describe(e)}`;
}
