/**
 * Sinusoid few-shot regression benchmark: the protocol of Finn et al. 2017 (MAML §5.1) and Li et al. 2017
 * (Meta-SGD §4.1, Table 1) run through src/meta exactly as the orchestrator runs it (per-task
 * `computeMetaGradient`, float64 mean in task order, Adam on ParamSets), in one process, no network.
 *
 * Protocol: amplitude U[0.1, 5], phase U[0, π], x U[−5, 5]; MLP 1-40-40-1 ReLU; one inner SGD step, inner lr 0.01
 * (Meta-SGD: learned per-element rates initialised to 0.01); Adam 1e-3; meta-batch 25 tasks of K support and K
 * query points (as Finn et al.'s code). Evaluation: the post-adaptation (one step) MSE on 100 query points of
 * ≥ 600 fresh meta-test tasks, mean ± 95% CI (`meanCI95`), beside the paper and the PyTorch anchor of
 * DESIGN.md (70,000 meta-steps).
 *
 * Speed: tasks/s of second-order MAML (5-shot, meta-batch 25, one inner step; the whole loop incl. task building,
 * aggregation and Adam) on one core, with the tasks run one by one (`computeMetaGradient`, sequential) and as one
 * task-vectorized batch (`computeMetaGradients`, src/meta/batched-meta-gradient), beside bench/sinusoid_torch.py
 * (PyTorch CPU, one thread) run here, and their ratios. Meta-training for accuracy uses the task-vectorized path
 * (the same per-task gradients: test/meta/batched-meta-gradient.test.ts).
 * With --torch-accuracy the PyTorch script also meta-trains every configuration for the same number of steps.
 *
 * Run: npx tsx bench/sinusoid.ts [--steps N] [--shots 5,10,20] [--algorithms maml,metasgd] [--test-tasks 600]
 *        [--backend wasm|cpu] [--speed-steps 100] [--torch-accuracy] [--python PATH]
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { loadavg } from 'node:os';
import Table from 'cli-table3';
import { Command } from 'commander';
import { parseRunConfig, type RunConfig } from '../src/core/config';
import { specOf, type ParamSet } from '../src/core/param-set';
import { deriveSeed } from '../src/core/rng';
import { meanCI95, type MeanCI } from '../src/core/stats';
import { meanGradient } from '../src/coordinator/aggregate';
import { Adam, computeMetaGradient, evaluateAdaptation, initMetaParams } from '../src/meta';
import { computeMetaGradients } from '../src/meta/batched-meta-gradient';
import { taskBatched } from '../src/model/task-batched';
import { createModel, initBackend, type BackendName, type Model } from '../src/model';
import { sinusoidFamily } from '../src/tasks/sinusoid';
import { positiveInt } from '../src/cli/options';

/** The 70,000-step budget of the PyTorch anchor in DESIGN.md. */
const ANCHOR_STEPS = 70_000;
const META_BATCH = 25;
const QUERY_POINTS = 100;

type Algorithm = 'maml' | 'metasgd';

/** Published post-adaptation MSE: Li et al. 2017 Table 1 (paper) and the PyTorch anchor of DESIGN.md. */
const PUBLISHED: Record<number, Record<Algorithm, { paper: string; anchor: string }>> = {
  5: { maml: { paper: '1.13 ± 0.18', anchor: '0.56 ± 0.05' }, metasgd: { paper: '0.90 ± 0.16', anchor: '0.37 ± 0.04' } },
  10: { maml: { paper: '0.77', anchor: '0.31 ± 0.03' }, metasgd: { paper: '0.53', anchor: '0.20 ± 0.02' } },
  20: { maml: { paper: '0.48', anchor: '—' }, metasgd: { paper: '0.31', anchor: '—' } },
};

const options = new Command()
  .option('--steps <n>', 'meta-steps per configuration (default sized to finish in ≤ 10 min on 2 shared cores)', positiveInt, 1000)
  .option('--shots <list>', 'K of K-shot, comma-separated', (list: string) => list.split(',').map(positiveInt), [5, 10, 20])
  .option('--algorithms <list>', 'maml and/or metasgd, comma-separated', 'maml,metasgd')
  .option('--test-tasks <n>', 'meta-test tasks per configuration (≥ 600 for the published protocol)', positiveInt, 600)
  .option('--backend <name>', 'tfjs backend: wasm or cpu', 'wasm')
  .option('--speed-steps <n>', 'meta-steps timed for tasks/s (each implementation)', positiveInt, 100)
  .option('--torch-accuracy', 'also meta-train every configuration in PyTorch for the same number of steps')
  .option('--python <path>', 'Python interpreter with torch (default: the first of python3, /usr/bin/python3 that imports torch)')
  .option('--seed <n>', 'seed of initialization and task sampling', '0')
  .parse()
  .opts<{ steps: number; shots: number[]; algorithms: string; testTasks: number; backend: string; speedSteps: number; torchAccuracy?: boolean; python?: string; seed: string }>();

const { steps, testTasks, speedSteps, shots: shotsList } = options;
const seed = Number(options.seed);
const algorithms = options.algorithms.split(',').map((a) => {
  if (a !== 'maml' && a !== 'metasgd') throw new Error(`--algorithms: unknown algorithm ${JSON.stringify(a)} (maml, metasgd)`);
  return a;
});

function runConfig(algorithm: Algorithm, shots: number): RunConfig {
  return parseRunConfig({
    name: 'bench-sinusoid',
    seed,
    task: { family: 'sinusoid', shots, queryShots: shots },
    model: { kind: 'sinusoid-mlp', hidden: [40, 40] },
    algorithm: { name: algorithm, adapt: 'all', innerSteps: 1, innerLr: 0.01, outerLr: 1e-3, metaBatchSize: META_BATCH },
  });
}

/**
 * `count` meta-steps of the orchestrator's loop from `params`: per-task meta-gradients (one by one, or as one
 * task-vectorized batch), float64 mean in task order, Adam.
 */
function metaTrain(model: Model, config: RunConfig, params: ParamSet, adam: Adam, firstStep: number, count: number, vectorized = true): ParamSet {
  const family = sinusoidFamily({ shots: config.task.shots, queryShots: config.task.queryShots });
  const batched = taskBatched(model, config.model);
  for (let step = firstStep; step < firstStep + count; step++) {
    const tasks = Array.from({ length: META_BATCH }, (_, b) => family.build(family.sampleSpec('train', deriveSeed(seed, 'bench-train', step, b))));
    const gradients = vectorized
      ? computeMetaGradients(batched, params, tasks, config.algorithm).map((r) => r.gradient)
      : tasks.map((task) => computeMetaGradient(model, params, task, config.algorithm).gradient);
    params = adam.step(params, meanGradient(gradients));
  }
  return params;
}

/** Post-adaptation (one step) query MSE on `testTasks` fresh meta-test tasks with 100 query points. */
function evaluate(model: Model, config: RunConfig, params: ParamSet): MeanCI {
  const family = sinusoidFamily({ shots: config.task.shots, queryShots: QUERY_POINTS });
  const mse = Array.from({ length: testTasks }, (_, i) => {
    const task = family.build(family.sampleSpec('test', deriveSeed(seed, 'bench-test', i)));
    return evaluateAdaptation(model, params, task, { steps: 1, algorithm: config.algorithm }).metric[1]!;
  });
  return meanCI95(mse);
}

function findPython(): string | undefined {
  const candidates = options.python ? [options.python] : ['python3', '/usr/bin/python3'];
  return candidates.find((p) => spawnSync(p, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0);
}

function torch(python: string, args: string[]): Record<string, unknown> {
  const child = spawnSync(python, [join(__dirname, 'sinusoid_torch.py'), ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (child.status !== 0) throw new Error(`sinusoid_torch.py ${args.join(' ')} failed: ${child.stderr}`);
  return JSON.parse(child.stdout) as Record<string, unknown>;
}

const fmt = (m: MeanCI) => `${m.mean.toFixed(2)} ± ${m.ci95.toFixed(2)}`;
const log = (line: string) => process.stderr.write(`${line}\n`);

async function main(): Promise<void> {
  const started = performance.now();
  await initBackend(options.backend as BackendName);
  const python = findPython();
  if (!python) log('PyTorch not found (apt-get install -y python3-torch, or pass --python): PyTorch columns are left empty.');
  const model = createModel(runConfig('maml', 5).model, 1);

  // Speed first, both implementations back to back: second-order MAML, 5-shot, meta-batch 25, one inner step.
  const speedConfig = runConfig('maml', 5);
  const speedParams = initMetaParams(speedConfig, 1, deriveSeed(seed, 'bench-speed'));
  /** Tasks/s of `speedSteps` meta-steps (after 5 warm-up steps) on one inner-loop path. */
  const tasksPerS = (vectorized: boolean): number => {
    const adam = new Adam(specOf(speedParams), { lr: 1e-3 });
    const warm = metaTrain(model, speedConfig, speedParams, adam, 0, 5, vectorized);
    const t0 = performance.now();
    metaTrain(model, speedConfig, warm, adam, 5, speedSteps, vectorized);
    return (speedSteps * META_BATCH) / ((performance.now() - t0) / 1000);
  };
  const sequentialPerS = tasksPerS(false);
  const vectorizedPerS = tasksPerS(true);
  const torchPerS = python ? (torch(python, ['--mode', 'speed', '--steps', String(speedSteps), '--seed', String(seed)]).tasks_per_s as number) : undefined;
  log(`speed: metatrain sequential ${sequentialPerS.toFixed(0)} tasks/s, vectorized ${vectorizedPerS.toFixed(0)} tasks/s, PyTorch ${torchPerS?.toFixed(0) ?? 'not run'} tasks/s`);

  const rows: string[][] = [];
  for (const shots of shotsList) {
    for (const algorithm of algorithms) {
      const config = runConfig(algorithm, shots);
      const configStart = performance.now();
      let params = initMetaParams(config, 1, deriveSeed(seed, 'bench-init'));
      const adam = new Adam(specOf(params), { lr: config.algorithm.outerLr });
      const chunk = Math.max(1, Math.ceil(steps / 10));
      for (let done = 0; done < steps; done += chunk) {
        params = metaTrain(model, config, params, adam, done, Math.min(chunk, steps - done));
        log(`${shots}-shot ${algorithm}: ${Math.min(done + chunk, steps)}/${steps} meta-steps, ${((performance.now() - configStart) / 1000).toFixed(0)} s`);
      }
      const ours = evaluate(model, config, params);
      let sameBudget = '';
      if (python && options.torchAccuracy) {
        const out = torch(python, ['--mode', 'train', '--algorithm', algorithm, '--shots', String(shots), '--steps', String(steps), '--test-tasks', String(testTasks), '--seed', String(seed)]);
        sameBudget = fmt(meanCI95(out.mse as number[]));
      }
      const published = PUBLISHED[shots]?.[algorithm];
      rows.push([`${shots}-shot`, algorithm === 'maml' ? 'MAML' : 'Meta-SGD', fmt(ours), sameBudget, published?.anchor ?? '—', published?.paper ?? '—']);
      log(`${shots}-shot ${algorithm}: MSE ${fmt(ours)} (${((performance.now() - configStart) / 1000).toFixed(0)} s)`);
    }
  }

  const accuracy = new Table({
    head: ['K', 'algorithm', `metatrain, ${steps} steps`, `PyTorch, ${steps} steps`, 'PyTorch anchor, 70k steps', 'paper (Li et al. 2017)'],
    style: { head: [], border: [] },
  });
  accuracy.push(...rows);
  const speed = new Table({ head: ['second-order MAML, 5-shot, meta-batch 25, 1 inner step, one core', 'tasks/s'], style: { head: [], border: [] } });
  const ratio = (perS: number) => (torchPerS === undefined ? '—' : (perS / torchPerS).toFixed(2));
  speed.push([`metatrain sequential (tfjs ${options.backend}, computeMetaGradient per task + mean + Adam)`, sequentialPerS.toFixed(0)]);
  speed.push([`metatrain task-vectorized (tfjs ${options.backend}, computeMetaGradients on the 25 tasks + mean + Adam)`, vectorizedPerS.toFixed(0)]);
  speed.push(['PyTorch CPU (bench/sinusoid_torch.py, 1 thread)', torchPerS === undefined ? 'not run' : torchPerS.toFixed(0)]);
  speed.push(['ratio sequential / PyTorch', ratio(sequentialPerS)]);
  speed.push(['ratio task-vectorized / PyTorch', ratio(vectorizedPerS)]);
  speed.push(['ratio task-vectorized / sequential', (vectorizedPerS / sequentialPerS).toFixed(2)]);
  speed.push(['PyTorch anchor of DESIGN.md (a machine of this kind)', '1,370–1,580']);

  console.log('\nSinusoid regression: post-adaptation MSE (one step) on 100 query points, mean ± 95% CI over', testTasks, 'meta-test tasks');
  console.log(accuracy.toString());
  console.log(
    `Budget: ${steps} meta-steps per configuration = ${((100 * steps) / ANCHOR_STEPS).toFixed(1)}% of the ${ANCHOR_STEPS.toLocaleString('en')}-step anchor budget ` +
      `(${(ANCHOR_STEPS / steps).toFixed(0)}× fewer steps); the anchor columns are NOT comparable budgets.`,
  );
  console.log(speed.toString());
  console.log(`Elapsed ${((performance.now() - started) / 1000).toFixed(0)} s; load average at the end ${loadavg().map((l) => l.toFixed(2)).join(' ')} (2 cores, shared).`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
