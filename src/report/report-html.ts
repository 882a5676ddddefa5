/**
 * The HTML page of a run report: one self-contained file (inline CSS and SVG; no script, no font, no external
 * URL), so it opens offline and can be attached to a ticket. Every text from the run is HTML-escaped.
 */
import type { RunSummary } from '../summary';
import type { MeanCI } from '../core/stats';
import type { CompressionResults } from './compression-results';
import type { ReportPlot } from './report-plots';

/** Escapes `& < > " '` for HTML text and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const CSS = `
body { font-family: sans-serif; margin: 2rem auto; max-width: 1180px; color: #222; padding: 0 1rem; }
h1 { margin-bottom: 0.2rem; } .sub { color: #666; margin-top: 0; }
table { border-collapse: collapse; margin: 1rem 0; } th, td { border: 1px solid #ccc; padding: 0.3rem 0.7rem; text-align: left; }
th { background: #f3f3f3; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
.plots { display: flex; flex-wrap: wrap; gap: 1.5rem; }
figure.plot { margin: 0; border: 1px solid #e3e3e3; padding: 0.5rem; } figure.plot figcaption { color: #555; max-width: 560px; font-size: 0.9rem; }
`;

function fmt(x: MeanCI, metricName: string): string {
  return metricName === 'accuracy' ? `${(100 * x.mean).toFixed(1)}% ± ${(100 * x.ci95).toFixed(1)}` : `${x.mean.toFixed(4)} ± ${x.ci95.toFixed(4)}`;
}

/** A table; no header row when `head` is empty. */
function table(head: readonly string[], rows: ReadonlyArray<readonly string[]>, numeric: (col: number) => boolean): string {
  const thead = head.length > 0 ? `<thead><tr>${head.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead>` : '';
  const trs = rows.map((r) => `<tr>${r.map((c, i) => `<td${numeric(i) ? ' class="num"' : ''}>${escapeHtml(c)}</td>`).join('')}</tr>`).join('\n');
  return `<table>${thead}<tbody>\n${trs}\n</tbody></table>`;
}

function overview(s: RunSummary): string {
  const rows: string[][] = [
    ['meta-training', `${s.reason} after ${s.steps} steps (best validation at step ${s.bestStep})`],
    ...(s.error === undefined ? [] : [['error', s.error]]),
    ['time', `training ${s.seconds.training.toFixed(1)} s, baselines ${s.seconds.baselines.toFixed(1)} s, evaluation ${s.seconds.evaluation.toFixed(1)} s, total ${s.seconds.total.toFixed(1)} s`],
    ['meta-initialization', s.checkpoint],
  ];
  return table([], rows, () => false);
}

function resultsTable(s: RunSummary): string {
  const first = s.results[0];
  if (!first) return `<p>No meta-test evaluation: the run ${s.reason === 'failed' ? 'failed' : 'stopped'} before it.</p>`;
  const last = first.metric.length - 1;
  const chosen = (r: RunSummary['results'][number]) => (r.chosen ? `${fmt(r.chosen.metric, s.metricName)} (${r.chosen.steps.mean.toFixed(1)} steps)` : '—');
  const rows = s.results.map((r) => [r.name, fmt(r.metric[0]!, s.metricName), fmt(r.metric[last]!, s.metricName), chosen(r), fmt(r.loss[last]!, 'loss')]);
  // Classical baselines classify the query set from the support set directly: no fine-tuning steps, no loss.
  for (const c of s.classical ?? []) rows.push([`${c.name} (${c.description})`, '—', fmt(c.metric, s.metricName), '—', '—']);
  const head = ['initialization', `${s.metricName} before adaptation`, `${s.metricName} after ${last} steps`, `${s.metricName} at chosen steps`, `query loss after ${last} steps`];
  return `<p>Meta-test: ${first.metric[0]!.n} held-out tasks, mean ± 95% CI; chosen steps: picked per task on held-out support examples.</p>\n${table(head, rows, (i) => i > 0)}`;
}

function compressionSection(s: RunSummary, c: CompressionResults | undefined): string {
  if (!s.compression) return '';
  if (!c) return `<h2>Compression</h2>\n<p>Compression ${escapeHtml(s.compression.status)} after ${s.compression.attempts} attempt(s)${s.compression.error ? `: ${escapeHtml(s.compression.error)}` : ''}.</p>`;
  const first = c.models[0]!;
  const rows = c.models.map((m) => [m.name, `${(m.bytes / 1024).toFixed(1)} KiB`, `${(first.bytes / m.bytes).toFixed(2)}×`, m.metric ? fmt(m.metric, c.metricName) : 'as compressed']);
  const intro = `<p>Student distilled, pruned to ${(100 * c.sparsity).toFixed(0)}% zeros and quantized to int8; few-shot ${escapeHtml(c.metricName)} after ${c.adaptSteps} adaptation steps on ${c.tasks} meta-test tasks, mean ± 95% CI.</p>`;
  return `<h2>Compression</h2>\n${intro}\n${table(['model', 'size', `smaller than ${first.name}`, c.metricName], rows, (i) => i > 0)}`;
}

/** A rendered plot: its description and its SVG document. */
export interface RenderedPlot {
  plot: ReportPlot;
  svg: string;
}

/** How the title of every report begins, within its first {@link REPORT_HEAD_BYTES} bytes. */
const REPORT_TITLE = '<title>metatrain run ';

/** The bytes at the start of a report that hold its title (the title comes before the styles). */
export const REPORT_HEAD_BYTES = 512;

/**
 * Whether `head`, the first {@link REPORT_HEAD_BYTES} bytes of a `report.html`, is the start of a report metatrain
 * wrote (its doctype and title), not a user's page of the same name.
 */
export function isRunReportHead(head: string): boolean {
  return head.startsWith('<!DOCTYPE html>') && head.includes(REPORT_TITLE);
}

/** The whole report page. */
export function reportHtml(s: RunSummary, plots: readonly RenderedPlot[], compression: CompressionResults | undefined, generatedAt: Date): string {
  const figures = plots
    .map(({ plot, svg }) => `<figure class="plot" id="plot-${plot.id}" data-plot="${escapeHtml(plot.id)}">\n${svg}\n<figcaption>${escapeHtml(plot.caption)}</figcaption>\n</figure>`)
    .join('\n');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
${REPORT_TITLE}${escapeHtml(s.run)}</title>
<style>${CSS}</style>
</head>
<body>
<h1>Run ${escapeHtml(s.run)}</h1>
<p class="sub">metatrain report, generated ${escapeHtml(generatedAt.toISOString())}</p>
${overview(s)}
<h2>Few-shot results</h2>
${resultsTable(s)}
${compressionSection(s, compression)}
<h2>Plots</h2>
<div class="plots">
${figures}
</div>
</body>
</html>
`;
}
