/**
 * Live progress of a local run: a progress bar (cli-progress) on a terminal, plain lines otherwise (CI, logs).
 * Shows step, meta-loss, meta-val metric, tasks/s and workers; then the baseline and evaluation phases.
 */
import { SingleBar, Presets } from 'cli-progress';
import type { RunEvents } from '../coordinator/run-events';
import { countOf } from '../core/count-words';

/** Attaches a progress display to a run's events; returns a function that stops it. */
export function showProgress(events: RunEvents, metricName: string, out: NodeJS.WriteStream = process.stderr): () => void {
  const tty = Boolean(out.isTTY);
  let bar: SingleBar | undefined;
  let label = '';
  const state = { loss: '-', val: '-', tps: '-', workers: 0 };
  const line = (text: string) => {
    if (bar) bar.stop();
    bar = undefined;
    out.write(`${text}\n`);
  };
  const ensureBar = (name: string, total: number, value: number) => {
    if (!tty) return;
    if (!bar || label !== name) {
      bar?.stop();
      label = name;
      bar = new SingleBar(
        { format: `${name.padEnd(20)} |{bar}| {value}/{total} | loss {loss} | val ${metricName} {val} | {tps} tasks/s | workers {workers}`, stream: out, hideCursor: true, clearOnComplete: false },
        Presets.shades_classic,
      );
      bar.start(total, value, state);
    }
    bar.setTotal(total);
    bar.update(value, state);
  };
  events.on('workers', (n) => {
    state.workers = n;
    bar?.update(state);
  });
  events.on('step', (e) => {
    Object.assign(state, { loss: e.metaLoss.toFixed(4), tps: e.tasksPerSecond.toFixed(1), workers: e.workers });
    ensureBar('meta-training', e.maxSteps, e.step);
  });
  events.on('validation', (e) => {
    state.val = e.metric.toFixed(4);
    if (!tty) out.write(`step ${e.step}: meta-val loss ${e.loss.toFixed(4)}, ${metricName} ${e.metric.toFixed(4)}${e.improved ? ' (best)' : ''}, meta-loss ${state.loss}, ${state.tps} tasks/s, ${countOf(state.workers, 'worker')}\n`);
  });
  events.on('progress', (name, done, total) => {
    if (tty) ensureBar(name, total, done);
    else if (done === total || done % Math.max(1, Math.floor(total / 4)) === 0) out.write(`${name}: ${done}/${total}\n`);
  });
  events.on('phase', (phase, message) => line(`[${phase}] ${message}`));
  events.on('warning', (message) => line(`warning: ${message}`));
  return () => bar?.stop();
}
