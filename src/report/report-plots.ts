/**
 * The plots of a run report, as Vega-Lite specs with inline data (https://vega.github.io/vega-lite/docs/):
 * the pretraining loss (when the run started from a pretrained body), meta-train and meta-val loss, meta-val metric, few-shot metric vs adaptation steps for every initialization with
 * 95% CI bands, task throughput, workers, and, when a compression ran, model size and metric per compressed model.
 * Every number plotted comes from `summary.json` / `compression.json` of the run.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { RunSummary } from '../summary';
import type { MeanCI } from '../core/stats';
import type { CompressionResults } from './compression-results';

/** One plot of the report. */
export interface ReportPlot {
  /** Stable id, also the prefix of the SVG's ids (`loss`, `few-shot`, ...). */
  id: string;
  title: string;
  /** One sentence under the plot saying what it shows. */
  caption: string;
  spec: TopLevelSpec;
}

const WIDTH = 460;
const HEIGHT = 240;
const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';
/** The x axis of per-step plots: integer outer steps. */
const STEP_X = { field: 'step', type: 'quantitative', title: 'outer step', axis: { format: 'd', tickMinStep: 1 } } as const;

/** Fields every plot shares: schema, size, title, inline data and style. */
function base(title: string, values: object[]) {
  return { $schema: SCHEMA, width: WIDTH, height: HEIGHT, title, data: { values }, config: { font: 'sans-serif', legend: { orient: 'bottom' as const, labelLimit: 300 } } };
}

/** Log scale when every value is positive and they span more than two decades; linear otherwise. */
function yScale(values: readonly number[]): { type: 'log' | 'linear'; zero?: boolean } {
  const positive = values.length > 0 && values.every((v) => v > 0);
  return positive && Math.max(...values) / Math.min(...values) > 100 ? { type: 'log' } : { type: 'linear', zero: false };
}

function lossPlot(s: RunSummary): ReportPlot {
  const h = s.history;
  const values = [
    ...h.steps.map((step, i) => ({ step, loss: h.metaLoss[i]!, series: 'meta-train' })),
    ...h.valSteps.map((step, i) => ({ step, loss: h.valLoss[i]!, series: 'meta-val' })),
  ];
  return {
    id: 'loss',
    title: 'Meta-train and meta-val loss',
    caption: 'Mean query loss after inner-loop adaptation: every meta-batch (meta-train) and every validation on the fixed meta-val tasks.',
    spec: {
      ...base('Meta-train and meta-val loss', values),
      mark: { type: 'line', point: true },
      encoding: {
        x: STEP_X,
        y: { field: 'loss', type: 'quantitative', title: 'loss', scale: yScale(values.map((v) => v.loss)) },
        color: { field: 'series', type: 'nominal', title: null },
      },
    },
  };
}

function valMetricPlot(s: RunSummary): ReportPlot {
  const h = s.history;
  const values = h.valSteps.map((step, i) => ({ step, metric: h.valMetric[i]! }));
  return {
    id: 'val-metric',
    title: `Meta-val ${s.metricName}`,
    caption: `Mean query ${s.metricName} on the meta-validation tasks after adaptation, at every validation.`,
    spec: {
      ...base(`Meta-val ${s.metricName}`, values),
      mark: { type: 'line', point: true },
      encoding: {
        x: STEP_X,
        y: { field: 'metric', type: 'quantitative', title: s.metricName, scale: { zero: false } },
      },
    },
  };
}

function fewShotPlot(s: RunSummary): ReportPlot {
  const point = (initialization: string, kind: string, steps: number, m: MeanCI) => ({ initialization, kind, steps, mean: m.mean, low: m.mean - m.ci95, high: m.mean + m.ci95 });
  const values = s.results.flatMap((r) => r.metric.map((m, steps) => point(r.name, 'fine-tuned', steps, m)));
  // Classical baselines do not fine-tune: a flat dashed line at their accuracy across the same steps.
  const stepCount = s.results[0]?.metric.length ?? 0;
  for (const c of s.classical ?? []) for (let steps = 0; steps < stepCount; steps++) values.push(point(c.name, 'classical (no fine-tuning)', steps, c.metric));
  const n = s.results[0]?.metric[0]?.n ?? 0;
  const x = { field: 'steps', type: 'quantitative' as const, title: 'fine-tuning steps on the support set', axis: { format: 'd', tickMinStep: 1 } };
  const color = { field: 'initialization', type: 'nominal' as const, title: null };
  return {
    id: 'few-shot',
    title: `Few-shot ${s.metricName} vs adaptation steps`,
    caption: `Meta-test query ${s.metricName} after s fine-tuning steps from each initialization, mean over ${n} tasks with its 95% confidence band; dashed: classical baselines, which do not fine-tune.`,
    spec: {
      ...base(`Few-shot ${s.metricName} vs adaptation steps (95% CI)`, values),
      layer: [
        { mark: { type: 'area', opacity: 0.2 }, encoding: { x, y: { field: 'low', type: 'quantitative', title: s.metricName, scale: { zero: false } }, y2: { field: 'high' }, color } },
        { mark: { type: 'line', point: true }, encoding: { x, y: { field: 'mean', type: 'quantitative' }, color, strokeDash: { field: 'kind', type: 'nominal', title: null } } },
      ],
    },
  };
}

function seriesPlot(id: string, title: string, caption: string, field: string, steps: readonly number[], ys: readonly number[]): ReportPlot {
  const values = steps.map((step, i) => ({ step, [field]: ys[i]! }));
  return {
    id,
    title,
    caption,
    spec: {
      ...base(title, values),
      mark: { type: 'line', interpolate: 'step-after' },
      encoding: { x: STEP_X, y: { field, type: 'quantitative', title: field.replace(/_/g, ' ') } },
    },
  };
}

/** The MLM loss of each pretraining step (every step: the batch loss of masked-token prediction). */
function pretrainingPlot(p: NonNullable<RunSummary['pretraining']>): ReportPlot {
  const values = p.history.steps.map((step, i) => ({ step, loss: p.history.loss[i]!, accuracy: p.history.accuracy[i]! }));
  return {
    id: 'pretraining',
    title: 'Pretraining (masked-language model) loss',
    caption: `Cross-entropy (nats) of the masked tokens of each pretraining batch, before meta-training started from ${p.checkpoint}.`,
    spec: {
      ...base('Pretraining (masked-language model) loss', values),
      mark: { type: 'line' },
      encoding: {
        x: { field: 'step', type: 'quantitative', title: 'pretraining step', axis: { format: 'd', tickMinStep: 1 } },
        y: { field: 'loss', type: 'quantitative', title: 'MLM loss', scale: { zero: false } },
      },
    },
  };
}

function compressionPlots(c: CompressionResults): ReportPlot[] {
  const sizes = c.models.map((m) => ({ model: m.name, kibibytes: m.bytes / 1024 }));
  const values = c.models.flatMap((m) => (m.metric ? [{ model: m.name, mean: m.metric.mean, low: m.metric.mean - m.metric.ci95, high: m.metric.mean + m.metric.ci95 }] : []));
  const y = { field: 'model', type: 'nominal' as const, title: null, sort: null, axis: { labelLimit: 240 } };
  return [
    {
      id: 'compression-size',
      title: 'Model size',
      caption: 'Size of each model file (KiB): the float32 meta-initialization, the compressed checkpoint and the ONNX export.',
      spec: { ...base('Model size', sizes), height: 30 * sizes.length, mark: 'bar', encoding: { y, x: { field: 'kibibytes', type: 'quantitative', title: 'KiB' } } },
    },
    {
      id: 'compression-metric',
      title: `Few-shot ${c.metricName} per model`,
      caption: `Meta-test ${c.metricName} after ${c.adaptSteps} adaptation steps on ${c.tasks} tasks, before and after compression, with 95% confidence intervals.`,
      spec: {
        ...base(`Few-shot ${c.metricName} per model`, values),
        height: 30 * values.length,
        layer: [
          { mark: 'bar', encoding: { y, x: { field: 'mean', type: 'quantitative', title: c.metricName } } },
          { mark: { type: 'rule', color: 'black' }, encoding: { y, x: { field: 'low', type: 'quantitative' }, x2: { field: 'high' } } },
        ],
      },
    },
  ];
}

/** The plots of a run, in report order; plots without data (a run stopped before evaluation) are left out. */
export function reportPlots(s: RunSummary, compression?: CompressionResults): ReportPlot[] {
  const h = s.history;
  const plots: ReportPlot[] = [];
  if (s.pretraining && s.pretraining.history.steps.length > 0) plots.push(pretrainingPlot(s.pretraining));
  if (h.steps.length > 0) plots.push(lossPlot(s));
  if (h.valSteps.length > 0) plots.push(valMetricPlot(s));
  if (s.results.length > 0) plots.push(fewShotPlot(s));
  if (h.steps.length > 0) {
    plots.push(seriesPlot('throughput', 'Task throughput', 'Meta-train tasks per second over each outer step (meta-batch size / step wall time).', 'tasks_per_second', h.steps, h.tasksPerSecond));
    plots.push(seriesPlot('workers', 'Workers', 'Workers joined when each outer step ended.', 'workers', h.steps, h.workers));
  }
  if (compression) plots.push(...compressionPlots(compression));
  return plots;
}
