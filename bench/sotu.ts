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
 * `--variant lora`: instead of the config's model, a 1-layer Transformer (`--d-model`, 2 heads, feed-forward
 * 2·d_model, same tokenizer and maxLength), pretrained once (`--pretrain-steps` MLM steps, in
 * runs/bench-sotu-layer1-pretrain, kept and reused by the next invocation when its settings are the same) and meta-learned for `--meta-steps` steps twice from that body, with
 * `adapt: head` and with `adapt: lora` (rank `--lora-rank`, α 8), both with `--algorithm` (default fomaml:
 * second-order MAML through the attention layer takes about 20× longer per task than first order on 2 cores) and
 * the config's algorithm otherwise, 20 validation tasks, keepalive 30 s (a LoRA evaluation task blocks a
 * worker's event loop for seconds); the baselines are the
 * classical ones only (the random and transfer baselines are the quickstart variant's), on the same meta-test
 * tasks (the tasks depend on the seed and the task section only).
 *
 *   npx tsx bench/sotu.ts --variant lora [--d-model 32] [--pretrain-steps 600] [--meta-steps 300] [--lora-rank 4] [--algorithm fomaml]
 *
 * Prints one table; every number comes from the run it describes (summary.json of each run is kept under
 * runs/bench-sotu-*, replaced at each invocation).
 */
import { rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadRunConfig, parseRunConfig, type RunConfig } from '../src/core/config';
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
    variant: { type: 'string', default: 'quickstart' },
    'd-model': { type: 'string', default: '32' },
    'pretrain-steps': { type: 'string', default: '600' },
    'meta-steps': { type: 'string', default: '300' },
    'lora-rank': { type: 'string', default: '4' },
    algorithm: { type: 'string', default: 'fomaml' },
  },
});

const pct = (x: MeanCI) => `${(100 * x.mean).toFixed(1)} ± ${(100 * x.ci95).toFixed(1)}`;

const CLASSICAL = ['tfidf-char', 'tfidf-word', 'tfidf-char-lr', 'tfidf-word-lr'] as const;

/** One run of the table: its config, the row label, and the pretraining it needs first (undefined: none). */
interface BenchRun {
  readonly config: RunConfig;
  readonly setting: string;
  readonly pretrain?: RunConfig;
}

/** The quickstart variant: the config's model from each `--inits`, with the random, transfer and classical baselines. */
function quickstartRuns(base: RunConfig, shots: number): BenchRun[] {
  return values.inits!.split(',').map((init) => {
    const name = `bench-sotu-${shots}shot-${init}`;
    const config = parseRunConfig({
      ...base,
      name,
      task: { ...base.task, shots },
      model: { ...base.model, init },
      pretraining: base.pretraining ?? {},
      evaluation: { ...base.evaluation, testTasks: Number(values['test-tasks']), baselines: [...new Set([...base.evaluation.baselines, ...CLASSICAL])] },
      runtime: { ...base.runtime, workers: Number(values.workers), outDir: `runs/${name}` },
      compression: { ...base.compression, enabled: false },
    });
    return { config, setting: `5-way ${shots}-shot, init ${init}`, pretrain: init === 'pretrained' ? config : undefined };
  });
}

/** The LoRA variant: one 1-layer pretraining, then `adapt: head` and `adapt: lora` from it, classical baselines only. */
function loraRuns(base: RunConfig, shots: number): BenchRun[] {
  const dModel = Number(values['d-model']);
  const layer1 = { ...base.model, layers: 1, dModel, heads: 2, dFf: 2 * dModel, loraRank: 0 };
  const pretrainName = 'bench-sotu-layer1-pretrain';
  const pretrain = parseRunConfig({
    ...base,
    name: pretrainName,
    model: { ...layer1, init: 'pretrained' },
    algorithm: { ...base.algorithm, adapt: 'head' },
    pretraining: { ...base.pretraining, steps: Number(values['pretrain-steps']) },
    runtime: { ...base.runtime, outDir: `runs/${pretrainName}` },
  });
  return (['head', 'lora'] as const).map((adapt) => {
    const name = `bench-sotu-${shots}shot-layer1-${adapt}`;
    const config = parseRunConfig({
      ...base,
      name,
      task: { ...base.task, shots },
      model: { ...layer1, loraRank: adapt === 'lora' ? Number(values['lora-rank']) : 0, init: resolve(`runs/${pretrainName}/pretrained`) },
      algorithm: { ...base.algorithm, name: values.algorithm, adapt },
      pretraining: undefined,
      training: { ...base.training, maxSteps: Number(values['meta-steps']), evalEverySteps: Math.max(1, Math.floor(Number(values['meta-steps']) / 3)), evalTasks: 20 },
      evaluation: { ...base.evaluation, testTasks: Number(values['test-tasks']), baselines: [...CLASSICAL] },
      runtime: { ...base.runtime, workers: Number(values.workers), outDir: `runs/${name}`, keepaliveMs: 30_000 },
      compression: { ...base.compression, enabled: false },
    });
    return { config, setting: `5-way ${shots}-shot, 1 layer d${dModel}, ${values.algorithm} adapt ${adapt}`, pretrain };
  });
}

async function main(): Promise<void> {
  const base = await loadRunConfig(values.config!);
  if (values.variant !== 'quickstart' && values.variant !== 'lora') throw new Error(`--variant must be quickstart or lora, got ${values.variant}`);
  const rows: string[][] = [];
  await initBackend(base.runtime.backend);
  const pretrained = new Set<string>();
  for (const shots of values.shots!.split(',').map(Number)) for (const { config, setting, pretrain } of (values.variant === 'lora' ? loraRuns : quickstartRuns)(base, shots)) {
    rmSync(config.runtime.outDir!, { recursive: true, force: true }); // the benchmark's own scratch run
    const pretrainStarted = performance.now();
    if (pretrain && !pretrained.has(pretrain.runtime.outDir!)) {
      await runPretrainingStage(pretrain, { stopping: () => false });
      pretrained.add(pretrain.runtime.outDir!);
    }
    const pretrainSeconds = (performance.now() - pretrainStarted) / 1000;
    const cluster = new LocalCluster({ config });
    await cluster.start();
    const started = performance.now();
    const summary = await cluster.run();
    const seconds = (performance.now() - started) / 1000;
    const S = config.evaluation.adaptSteps;
    const byName = new Map(summary.results.map((r) => [r.name, r]));
    const meta = byName.get('meta-learned')!;
    const run = `${pretrainSeconds >= 1 ? `pretrain ${pretrainSeconds.toFixed(0)} s + ` : ''}${summary.steps} steps, ${seconds.toFixed(0)} s`;
    for (const r of summary.results) {
      const chosen = r.chosen ? `${pct(r.chosen.metric)} (${r.chosen.steps.mean.toFixed(1)})` : '—';
      rows.push([setting, r.name, pct(r.metric[0]!), pct(r.metric[S]!), chosen, (r.metric[S]!.mean / meta.metric[S]!.mean).toFixed(2), String(r.metric[S]!.n), run]);
    }
    for (const c of summary.classical) rows.push([setting, `${c.name} (classical)`, '—', pct(c.metric), '—', (c.metric.mean / meta.metric[S]!.mean).toFixed(2), String(c.metric.n), run]);
  }
  const head = ['setting', 'initialization', 'acc. 0 steps (%)', 'acc. after S steps (%)', 'acc. at chosen steps (%) (mean steps)', 'ratio to meta-learned', 'tasks', 'run'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ');
  console.log(`State of the Union authorship, config ${values.config}, variant ${values.variant} (S = adaptation steps at test time; chance = 20%)`);
  console.log(line(head));
  console.log(widths.map((w) => '-'.repeat(w)).join('-|-'));
  for (const r of rows) console.log(line(r));
}

void main().then(() => process.exit(0), (err: Error) => {
  console.error(err);
  process.exit(1);
});
