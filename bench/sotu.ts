/**
 * State of the Union authorship benchmark: 5-way 1-shot and 5-way 5-shot meta-test accuracy (95% CI over
 * ≥ 200 tasks of presidents never seen in meta-training) of the meta-learned initialization against the random
 * and transfer baselines and the classical TF-IDF baselines (nearest centroid and logistic regression, src/baselines), all evaluated on
 * the same tasks in the same run, through the local cluster (the TF-IDF baselines are added to the config's
 * `evaluation.baselines`).
 *
 *   npx tsx bench/sotu.ts [--config examples/quickstart.yaml] [--test-tasks 200] [--workers 2] [--shots 1,5] [--inits random,pretrained]
 *
 * `--inits`: where meta-training (and the transfer baseline) starts, `model.init` — `random` (from scratch) and/or
 * `pretrained` (the config's masked-language-model pretraining, run here first in this process; its `pretraining`
 * section is used, or the schema's defaults when it has none).
 *
 * Prints one table; every number comes from the run it describes (summary.json of each run is kept under
 * runs/bench-sotu-*, replaced at each invocation).
 */
import { rmSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { loadRunConfig, parseRunConfig } from '../src/core/config';
import { LocalCluster } from '../src/local/local-cluster';
import type { MeanCI } from '../src/core/stats';
import { initBackend } from '../src/model/backend';
import { runPretrainingStage } from '../src/cli/pretraining-stage';

const { values } = parseArgs({
  options: {
    config: { type: 'string', default: 'examples/quickstart.yaml' },
    'test-tasks': { type: 'string', default: '200' },
    workers: { type: 'string', default: '2' },
    shots: { type: 'string', default: '1,5' },
    inits: { type: 'string', default: 'random,pretrained' },
  },
});

const pct = (x: MeanCI) => `${(100 * x.mean).toFixed(1)} ± ${(100 * x.ci95).toFixed(1)}`;

async function main(): Promise<void> {
  const base = loadRunConfig(values.config!);
  const rows: string[][] = [];
  await initBackend(base.runtime.backend);
  for (const shots of values.shots!.split(',').map(Number)) for (const init of values.inits!.split(',')) {
    const name = `bench-sotu-${shots}shot-${init}`;
    const config = parseRunConfig({
      ...base,
      name,
      task: { ...base.task, shots },
      model: { ...base.model, init },
      pretraining: base.pretraining ?? {},
      evaluation: { ...base.evaluation, testTasks: Number(values['test-tasks']), baselines: [...new Set([...base.evaluation.baselines, 'tfidf-char', 'tfidf-word', 'tfidf-char-lr', 'tfidf-word-lr'] as const)] },
      runtime: { ...base.runtime, workers: Number(values.workers), outDir: `runs/${name}` },
      compression: { ...base.compression, enabled: false },
    });
    rmSync(config.runtime.outDir!, { recursive: true, force: true }); // the benchmark's own scratch run
    const pretrainStarted = performance.now();
    if (init === 'pretrained') await runPretrainingStage(config, () => false);
    const pretrainSeconds = (performance.now() - pretrainStarted) / 1000;
    const cluster = new LocalCluster({ config });
    await cluster.start();
    const started = performance.now();
    const summary = await cluster.run();
    const seconds = (performance.now() - started) / 1000;
    const S = config.evaluation.adaptSteps;
    const byName = new Map(summary.results.map((r) => [r.name, r]));
    const meta = byName.get('meta-learned')!;
    const run = `${init === 'pretrained' ? `pretrain ${pretrainSeconds.toFixed(0)} s + ` : ''}${summary.steps} steps, ${seconds.toFixed(0)} s`;
    const setting = `5-way ${shots}-shot, init ${init}`;
    for (const r of summary.results) {
      const chosen = r.chosen ? `${pct(r.chosen.metric)} (${r.chosen.steps.mean.toFixed(1)})` : '—';
      rows.push([setting, r.name, pct(r.metric[0]!), pct(r.metric[S]!), chosen, (r.metric[S]!.mean / meta.metric[S]!.mean).toFixed(2), String(r.metric[S]!.n), run]);
    }
    for (const c of summary.classical) rows.push([setting, `${c.name} (classical)`, '—', pct(c.metric), '—', (c.metric.mean / meta.metric[S]!.mean).toFixed(2), String(c.metric.n), run]);
  }
  const head = ['setting', 'initialization', 'acc. 0 steps (%)', 'acc. after S steps (%)', 'acc. at chosen steps (%) (mean steps)', 'ratio to meta-learned', 'tasks', 'run'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ');
  console.log(`State of the Union authorship, config ${values.config} (S = adaptation steps at test time; chance = 20%)`);
  console.log(line(head));
  console.log(widths.map((w) => '-'.repeat(w)).join('-|-'));
  for (const r of rows) console.log(line(r));
}

void main().then(() => process.exit(0), (err: Error) => {
  console.error(err);
  process.exit(1);
});
