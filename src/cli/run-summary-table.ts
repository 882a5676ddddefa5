/** Prints a run summary as tables (cli-table3): few-shot meta-test results with 95% CI, then where things are. */
import Table from 'cli-table3';
import { tableStyle } from './options';
import type { RunSummary } from '../summary';
import type { MeanCI } from '../core/stats';

function fmt(x: MeanCI, percent: boolean): string {
  return percent ? `${(100 * x.mean).toFixed(1)}% ± ${(100 * x.ci95).toFixed(1)}` : `${x.mean.toFixed(3)} ± ${x.ci95.toFixed(3)}`;
}

/** How meta-training ended: `max-steps after 40 steps (best at step 36)`; a run that ended before its first meta-step has no best step. */
function metaTraining(summary: RunSummary): string {
  return summary.steps === 0 ? `${summary.reason} before the first meta-step` : `${summary.reason} after ${summary.steps} steps (best at step ${summary.bestStep})`;
}

/**
 * Renders the summary of a run as text: the meta-test table (when there are results), then how meta-training ended,
 * the times in seconds, the best checkpoint (`none …` when no meta-step was taken) and `paths` (label → path).
 */
export function formatSummary(summary: RunSummary, paths: Record<string, string>): string {
  const percent = summary.metricName === 'accuracy';
  const first = summary.results[0];
  const lines: string[] = [];
  if (first) {
    const last = first.metric.length - 1;
    const table = new Table({
      style: tableStyle(),
      // For regression the metric is the loss (MSE): no separate loss column.
      head: ['initialization', `${summary.metricName} before adaptation`, `${summary.metricName} after ${last} steps`, `${summary.metricName} at chosen steps`, ...(percent ? [`query loss after ${last} steps`] : [])],
    });
    const chosen = (r: RunSummary['results'][number]) => (r.chosen ? `${fmt(r.chosen.metric, percent)} (${r.chosen.steps.mean.toFixed(1)} steps)` : '—');
    for (const r of summary.results) table.push([r.name, fmt(r.metric[0]!, percent), fmt(r.metric[last]!, percent), chosen(r), ...(percent ? [fmt(r.loss[last]!, false)] : [])]);
    // Classical baselines classify the query set from the support set directly: no steps, no loss.
    for (const c of summary.classical ?? []) table.push([`${c.name} (classical)`, '—', fmt(c.metric, percent), '—', ...(percent ? ['—'] : [])]);
    lines.push(`Few-shot meta-test results (${first.metric[0]!.n} tasks, mean ± 95% CI; chosen steps: picked per task on held-out support examples):`, table.toString());
  }
  const where = new Table({ style: tableStyle() });
  where.push(
    ...(summary.pretraining ? [{ 'started from': `pretrained body ${summary.pretraining.checkpoint}${summary.pretraining.history.loss.length > 0 ? ` (MLM step ${summary.pretraining.step}, final loss ${summary.pretraining.history.loss.at(-1)!.toFixed(3)})` : ''}; transfer too` }] : []),
    { 'meta-training': `${metaTraining(summary)}, ${summary.seconds.training.toFixed(0)} s` },
    { 'total time': `${summary.seconds.total.toFixed(0)} s` },
    { checkpoint: summary.checkpoint || 'none (no meta-step was taken)' },
    ...Object.entries(paths).map(([k, v]) => ({ [k]: v })),
  );
  lines.push(where.toString());
  return lines.join('\n');
}
