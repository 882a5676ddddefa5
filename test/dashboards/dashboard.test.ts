import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Registry } from 'prom-client';
import { parseRunConfig } from '../../src/core/config';
import { createMetricsRegistry } from '../../src/core/metrics';
import { packageFile } from '../../src/core/package-root';
import { CompressorMetrics } from '../../src/compress/metrics';
import { CoordinatorMetrics } from '../../src/coordinator/metrics';
import { RunEvents } from '../../src/coordinator/run-events';
import { TaskDispatcher } from '../../src/coordinator/task-dispatcher';
import { WorkerMetrics } from '../../src/worker/metrics';
import { sinusoidConfig, tempDir } from '../support/harness';
import { alertRules, loadDashboard, panelQueries, type Panel } from './dashboard-queries';

/** dcgm-exporter's default counters the GPU row reads (etc/default-counters.csv of NVIDIA/dcgm-exporter). */
const DCGM_DEFAULT_COUNTERS = ['DCGM_FI_DEV_GPU_UTIL', 'DCGM_FI_DEV_FB_USED', 'DCGM_FI_DEV_POWER_USAGE', 'DCGM_FI_DEV_GPU_TEMP'];

/** Every series name metatrain exposes: the metrics of a coordinator, a worker and a compressor, with default metrics. */
function exposedNames(): Set<string> {
  const coordinator = createMetricsRegistry({ run: 'r' });
  new CoordinatorMetrics(coordinator, parseRunConfig(sinusoidConfig(tempDir())), { events: new RunEvents(), dispatcher: new TaskDispatcher({ leaseTimeoutMs: 1000, maxAttempts: 1 }) });
  const worker = createMetricsRegistry();
  new WorkerMetrics(worker, 'w');
  const compressor = new Registry();
  new CompressorMetrics(compressor);
  const names = new Set<string>();
  for (const metric of [coordinator, worker, compressor].flatMap((r) => r.getMetricsAsArray())) {
    const { name, type } = metric as unknown as { name: string; type: string };
    names.add(name);
    if (type === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(name + suffix);
  }
  return names;
}

/** Metric names in a PromQL expression (identifiers of our, process, Node.js and DCGM families). */
function metricNames(expr: string): string[] {
  return [...expr.matchAll(/\b(?:metatrain|process|nodejs)_[a-z0-9_]+|\bDCGM_FI_[A-Z_]+/g)].map((m) => m[0]);
}

test('the dashboard provisions cleanly: no ${DS_} inputs, a datasource variable, a run variable, every query on ${datasource}', () => {
  const text = readFileSync(packageFile('dashboards/metatrain.json'), 'utf8');
  assert.doesNotMatch(text, /\$\{DS_|__inputs|__requires/);
  const d = loadDashboard();
  assert.equal(d.id, null, 'provisioned dashboards carry no database id');
  assert.match(d.uid, /^[a-z0-9-]{1,40}$/);
  const [ds, run] = d.templating.list;
  assert.deepEqual([ds?.name, ds?.type, ds?.query], ['datasource', 'datasource', 'prometheus']);
  assert.deepEqual([run?.name, run?.type, run?.datasource], ['run', 'query', { type: 'prometheus', uid: '${datasource}' }]);
  assert.match(JSON.stringify(run?.query), /label_values\(metatrain_meta_step, run\)/);
  for (const p of d.panels.filter((x) => x.type !== 'row')) {
    assert.deepEqual(p.datasource, { type: 'prometheus', uid: '${datasource}' }, p.title);
    assert.ok((p.targets ?? []).length > 0, `${p.title} has no query`);
    for (const t of p.targets!) assert.deepEqual(t.datasource, { type: 'prometheus', uid: '${datasource}' }, `${p.title} ${t.refId}`);
  }
});

test('the dashboard has rows for progress, throughput and latency, workers, checkpoints, compression and GPU, with panels that do not overlap', () => {
  const d = loadDashboard();
  assert.deepEqual(d.panels.filter((p) => p.type === 'row').map((p) => p.title), ['Progress', 'Throughput and latency', 'Workers', 'Checkpoints', 'Compression', 'GPU (DCGM exporter)']);
  const ids = d.panels.map((p) => p.id);
  assert.equal(new Set(ids).size, ids.length, 'panel ids are unique');
  const overlaps = (a: Panel['gridPos'], b: Panel['gridPos']) => a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
  d.panels.forEach((p, i) => {
    assert.ok(p.gridPos.x >= 0 && p.gridPos.x + p.gridPos.w <= 24 && p.gridPos.h > 0, `${p.title} fits the 24-column grid`);
    for (const q of d.panels.slice(i + 1)) assert.ok(!overlaps(p.gridPos, q.gridPos), `${p.title} overlaps ${q.title}`);
  });
});

test('every metric a dashboard query or alert rule reads is one metatrain exposes (or a DCGM exporter default counter)', () => {
  const known = exposedNames();
  const exprs = [...panelQueries(loadDashboard()).map((q) => `${q.panel}: ${q.expr}`), ...alertRules().map((r) => `${r.alert}: ${r.expr}`)];
  const unknown = exprs.flatMap((e) => metricNames(e).filter((n) => !known.has(n) && !DCGM_DEFAULT_COUNTERS.includes(n)).map((n) => `${n} in ${e}`));
  assert.deepEqual(unknown, []);
  // Each run-level query selects the chosen run (GPU queries select the run's worker pods by name instead).
  for (const q of panelQueries(loadDashboard())) assert.match(q.expr, q.row.startsWith('GPU') ? /\$run-worker-/ : /run="\$run"/, `${q.panel}: ${q.expr}`);
});
