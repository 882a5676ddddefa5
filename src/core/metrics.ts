/**
 * Metrics with validated names, always registered in an injected prom-client registry (never the global one), so
 * that two coordinators in one process do not collide. Names follow the Prometheus naming conventions
 * (https://prometheus.io/docs/practices/naming/): a `metatrain_` prefix, snake_case, base units as suffixes
 * (`_seconds`, `_bytes`, `_ratio`), `_total` on counters and only on counters. Label names exclude identifiers of
 * unbounded cardinality (task ids, assignment ids, steps): those belong in logs, not in series.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { MetatrainError } from './errors';

/** Prefix of every metatrain metric. */
export const METRIC_PREFIX = 'metatrain_';

const NAME = /^metatrain_[a-z][a-z0-9]*(_[a-z0-9]+)*$/;
const LABEL = /^[a-z][a-z0-9_]*$/;
/** Suffixes of non-base units (Prometheus uses seconds and bytes). */
const NON_BASE_UNITS = ['milliseconds', 'microseconds', 'nanoseconds', 'ms', 'minutes', 'hours', 'days', 'kilobytes', 'megabytes', 'gigabytes', 'kb', 'mb', 'gb', 'percent'];
/** Labels that would create a series per task, assignment or step; `le` and `quantile` are reserved by histograms/summaries. */
const FORBIDDEN_LABELS = ['task', 'task_id', 'assignment', 'assignment_id', 'step', 'key', 'le', 'quantile'];

/**
 * Histogram buckets of one task's inner loop (coordinator and worker task-duration histograms): 1 ms (sinusoid
 * MLP, one step) to 2 min (Transformer encoder, second order, several steps), not the 5 ms–10 s web defaults.
 */
export const TASK_BUCKETS_SECONDS: readonly number[] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

/** What a metric is. */
export type MetricKind = 'counter' | 'gauge' | 'histogram';

/**
 * Checks a metric name and its label names against the conventions above.
 * @throws MetatrainError naming the metric and the broken rule (a programming error, raised when the metric is
 *   created, not when it is scraped).
 */
export function assertMetricName(name: string, kind: MetricKind, labelNames: readonly string[] = []): void {
  const fail = (rule: string): never => {
    throw new MetatrainError(`metric ${JSON.stringify(name)}: ${rule}`);
  };
  if (!NAME.test(name)) fail(`must be snake_case and start with ${METRIC_PREFIX}`);
  const words = name.split('_');
  const unit = words.find((w) => NON_BASE_UNITS.includes(w));
  if (unit) fail(`uses the non-base unit "${unit}"; use seconds, bytes or a 0..1 ratio`);
  const total = name.endsWith('_total');
  if (kind === 'counter' && !total) fail('a counter must end in _total');
  if (kind !== 'counter' && total) fail('only counters end in _total');
  if (kind === 'histogram' && /_(count|sum|bucket)$/.test(name)) fail('a histogram name must not end in _count, _sum or _bucket');
  for (const label of labelNames) {
    if (!LABEL.test(label)) fail(`label ${JSON.stringify(label)} must be snake_case`);
    if (FORBIDDEN_LABELS.includes(label)) fail(`label ${JSON.stringify(label)} is reserved or unbounded (one series per task or step)`);
  }
}

/** Options common to every metric. */
export interface MetricOptions<L extends string> {
  name: string;
  help: string;
  labelNames?: readonly L[];
}

/**
 * A counter registered in `registry`.
 * @throws MetatrainError when the name or labels break the conventions; Error (prom-client) when the name is taken.
 */
export function counter<L extends string = never>(registry: Registry, o: MetricOptions<L>): Counter<L> {
  assertMetricName(o.name, 'counter', o.labelNames);
  return new Counter<L>({ name: o.name, help: o.help, labelNames: o.labelNames ?? [], registers: [registry] });
}

/**
 * A gauge registered in `registry`; `collect` (optional) refreshes it at scrape time.
 * @throws MetatrainError when the name or labels break the conventions; Error (prom-client) when the name is taken.
 */
export function gauge<L extends string = never>(registry: Registry, o: MetricOptions<L> & { collect?: (this: Gauge<L>) => void }): Gauge<L> {
  assertMetricName(o.name, 'gauge', o.labelNames);
  return new Gauge<L>({ name: o.name, help: o.help, labelNames: o.labelNames ?? [], registers: [registry], ...(o.collect ? { collect: o.collect } : {}) });
}

/**
 * A histogram registered in `registry` with explicit `buckets` (upper bounds, in the metric's unit).
 * @throws MetatrainError when the name or labels break the conventions or buckets are not increasing.
 */
export function histogram<L extends string = never>(registry: Registry, o: MetricOptions<L> & { buckets: readonly number[] }): Histogram<L> {
  assertMetricName(o.name, 'histogram', o.labelNames);
  if (o.buckets.length === 0 || o.buckets.some((b, i) => i > 0 && b <= o.buckets[i - 1]!)) {
    throw new MetatrainError(`metric ${JSON.stringify(o.name)}: buckets must be a non-empty increasing list, got ${JSON.stringify(o.buckets)}`);
  }
  return new Histogram<L>({ name: o.name, help: o.help, labelNames: o.labelNames ?? [], buckets: [...o.buckets], registers: [registry] });
}

/**
 * prom-client's default gauges that end in `_total` although they are gauges (`nodejs_active_handles_total`, ...);
 * each duplicates a correctly named gauge (`nodejs_active_handles`) and fails `promtool check metrics`.
 */
const MISNAMED_DEFAULTS = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

/**
 * A fresh registry with the process default metrics (CPU, memory, event loop lag, GC) and `labels` on every
 * series (e.g. `{ run }`, `{ worker }`).
 */
export function createMetricsRegistry(labels: Record<string, string> = {}): Registry {
  const registry = new Registry();
  registry.setDefaultLabels(labels);
  collectDefaultMetrics({ register: registry });
  for (const name of MISNAMED_DEFAULTS) registry.removeSingleMetric(name);
  return registry;
}
