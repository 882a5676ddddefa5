import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunSummary } from '../../src/summary';
import { packageFile } from '../../src/core/package-root';
import { requireBinary } from '../support/binaries';
import { sinusoidConfig, startCli, tempDir, waitExit, writeConfig } from '../support/harness';
import { startPrometheus, type PromSeries } from '../support/prometheus';
import { alertRules, loadDashboard, panelQueries, substitute } from './dashboard-queries';

const RUN = 'prom-run';
/** Four scrape intervals of the test Prometheus (1 s), as Grafana's $__rate_interval would be. */
const RATE_INTERVAL = '4s';

/**
 * The only panels exempt from "returns data": DCGM exporter metrics need an NVIDIA GPU and dcgm-exporter, which a
 * local run never has. (Compression metrics are required: the run compresses in-process, and the test checks it
 * did.)
 */
function exempt(expr: string): boolean {
  return /\bDCGM_FI_/.test(expr);
}

function hasNumbers(series: readonly PromSeries[]): boolean {
  return series.some((s) => (s.values ?? []).some(([, v]) => !Number.isNaN(Number(v))));
}

test('a real Prometheus scrapes a live local run: every dashboard query returns data, every alert parses, none fires, promtool accepts every /metrics', async () => {
  const promtool = requireBinary('promtool');
  const dir = tempDir();
  const config = sinusoidConfig(dir, {
    name: RUN,
    training: { maxSteps: 1500, evalEverySteps: 50, evalTasks: 6, checkpointEverySteps: 50, patience: 1000 },
    evaluation: { testTasks: 8, adaptSteps: 2, baselines: ['random'] },
  });
  const runDir = join(dir, 'run');
  const targetsFile = join(runDir, 'targets.json');
  // Lingering 3 s after the run lets Prometheus scrape its final state (phase, compression results).
  const child = startCli(['run', writeConfig(dir, config), '--workers', '2', '--linger-seconds', '3']);
  const t0 = Date.now() / 1000;
  while (!existsSync(targetsFile)) {
    assert.equal(child.exitCode, null, `metatrain run exited early:\n${child.output.stderr}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const prometheus = await startPrometheus([{ job_name: 'metatrain', file_sd_configs: [{ files: [targetsFile] }] }], [packageFile('dashboards/alerts.yml')]);
  try {
    await prometheus.waitForTargetsUp(3);

    // promtool lints every exposition of the live run: names, units, suffixes, help texts.
    const groups = JSON.parse(readFileSync(targetsFile, 'utf8')) as Array<{ targets: string[]; labels: { component: string } }>;
    assert.deepEqual(groups.map((g) => [g.labels.component, g.targets.length]), [['coordinator', 1], ['worker', 2]]);
    for (const target of groups.flatMap((g) => g.targets)) {
      const exposition = await (await fetch(`http://${target}/metrics`)).text();
      assert.match(exposition, /^metatrain_/m, `${target} exposes no metatrain_ metric`);
      const lint = spawnSync(promtool, ['check', 'metrics'], { input: exposition, encoding: 'utf8' });
      assert.equal(lint.status, 0, `promtool check metrics on ${target}:\n${lint.stdout}${lint.stderr}`);
    }

    const result = await waitExit(child, 90_000);
    assert.equal(result.code, 0, result.stderr);
    const t1 = Date.now() / 1000;
    await new Promise((r) => setTimeout(r, 1500)); // let the last scrape land in the TSDB
    const summary = JSON.parse(readFileSync(join(runDir, 'summary.json'), 'utf8')) as RunSummary;
    assert.equal(summary.compression?.status, 'succeeded', `the run's compression did not succeed: ${JSON.stringify(summary.compression)}`);

    // The dashboard's run variable lists the run.
    const runs = await prometheus.api('label/run/values', { 'match[]': 'metatrain_meta_step' });
    assert.ok((runs.data as unknown as string[]).includes(RUN), JSON.stringify(runs));

    // Every panel query parses and, unless explicitly exempt, returns numbers over the run's time range.
    const queries = panelQueries(loadDashboard());
    assert.ok(queries.length >= 30, `only ${queries.length} panel queries`);
    const range = { start: String(t0), end: String(t1 + 1), step: '1' };
    const empty: string[] = [];
    for (const q of queries) {
      const expr = substitute(q.expr, RUN, RATE_INTERVAL);
      const answer = await prometheus.api('query_range', { query: expr, ...range });
      assert.equal(answer.status, 'success', `${q.row} / ${q.panel} (${q.refId}): ${answer.error}\n${expr}`);
      if (!exempt(q.expr) && !hasNumbers(answer.data!.result)) empty.push(`${q.row} / ${q.panel} (${q.refId}): ${expr}`);
    }
    assert.deepEqual(empty, [], `panel queries without data:\n${empty.join('\n')}`);
    // The exemption covers exactly the GPU row.
    assert.deepEqual([...new Set(queries.filter((q) => exempt(q.expr)).map((q) => q.row))], ['GPU (DCGM exporter)']);
    assert.ok(queries.filter((q) => q.row === 'GPU (DCGM exporter)').every((q) => exempt(q.expr)));

    // The numbers Prometheus holds are the run's. One scrape snapshots every gauge in one tick, so at each
    // evaluation time the meta-loss is exactly the run's loss at the step shown, and the train tasks completed
    // are those of the finished steps plus part of the next meta-batch.
    const at = async (query: string) => new Map(((await prometheus.api('query_range', { query, ...range })).data!.result[0]?.values ?? []).map(([t, v]) => [t, Number(v)]));
    const step = await at(`metatrain_meta_step{run="${RUN}"}`);
    const loss = await at(`metatrain_meta_train_loss{run="${RUN}"}`);
    const trainDone = await at(`metatrain_tasks_completed_total{run="${RUN}",kind="train"}`);
    const scraped = [...step].filter(([, s]) => s > 0);
    assert.ok(new Set(scraped.map(([, s]) => s)).size >= 3, `too few steps scraped: ${JSON.stringify(scraped)}`);
    for (const [t, s] of scraped) {
      assert.ok(s <= summary.steps, `step ${s} > ${summary.steps}`);
      assert.equal(loss.get(t), summary.history.metaLoss[s - 1], `meta-loss at step ${s}`);
      const done = trainDone.get(t)!;
      assert.ok(done >= 6 * s && done < 6 * (s + 1), `${done} train tasks completed at step ${s}`);
    }

    // Every alert expression parses and evaluates; the rules loaded healthy; a healthy run fires none.
    for (const rule of alertRules()) {
      const answer = await prometheus.api('query', { query: rule.expr, time: String(t1) });
      assert.equal(answer.status, 'success', `alert ${rule.alert}: ${answer.error}\n${rule.expr}`);
    }
    const rules = (await prometheus.api('rules')) as unknown as { data: { groups: Array<{ rules: Array<{ name: string; health: string; lastError?: string }> }> } };
    const loaded = rules.data.groups.flatMap((g) => g.rules);
    assert.deepEqual(loaded.map((r) => r.name).sort(), alertRules().map((r) => r.alert).sort());
    for (const r of loaded) assert.equal(r.health, 'ok', `${r.name}: ${r.lastError}`);
    const alerts = (await prometheus.api('alerts')) as unknown as { data: { alerts: Array<{ labels: { alertname: string }; state: string }> } };
    assert.deepEqual(alerts.data.alerts.filter((a) => a.state === 'firing').map((a) => a.labels.alertname), []);
  } finally {
    child.kill('SIGKILL');
    await prometheus.stop();
  }
});
