/**
 * The frozen body's feature cache (src/meta/feature-cache.ts): evaluation of one fixed checkpoint on `--tasks`
 * 5-way State of the Union meta-test tasks, the work a worker does per evaluation task (the query curve after
 * s = 0..S steps, `evaluateAdaptation`, and the step count chosen on held-out support examples, `chooseSteps`),
 * without the cache (baseline) and with one cache across all tasks (cold at the start), for the quickstart model
 * (0 layers, d 64) and a 1-layer Transformer (d 32), both `adapt: head` with the prototype head. Same tasks, same
 * checkpoint (a seeded initialization: the time does not depend on the values); the table prints the largest
 * difference between the two runs' numbers (0 when the cache is exact), the cache's hit rate and bytes held.
 *
 * Run: npx tsx bench/feature-cache.ts [--backend wasm] [--tasks 100] [--shots 5] [--eval-steps 10]
 */
import { cpus, loadavg } from 'node:os';
import * as tf from '@tensorflow/tfjs';
import Table from 'cli-table3';
import { Command } from 'commander';
import { positiveInt } from '../src/cli/options';
import { loadRunConfig, parseRunConfig } from '../src/core/config';
import { initMetaParams } from '../src/meta';
import type { AdaptOptions } from '../src/meta/adapt';
import { chooseSteps } from '../src/meta/choose-steps';
import { evaluateAdaptation } from '../src/meta/evaluate';
import { FeatureCache } from '../src/meta/feature-cache';
import { createModel, initBackend, type BackendName } from '../src/model';
import { taskFamilyFor } from '../src/tasks/task-family';

const options = new Command()
  .option('--backend <name>', 'tfjs backend', 'wasm')
  .option('--tasks <n>', 'meta-test tasks evaluated', positiveInt, 100)
  .option('--shots <n>', 'support examples per class', positiveInt, 5)
  .option('--eval-steps <n>', 'fine-tuning steps S of the evaluation', positiveInt, 10)
  .parse()
  .opts<{ backend: string; tasks: number; shots: number; evalSteps: number }>();

async function main(): Promise<void> {
  await initBackend(options.backend as BackendName);
  const quickstart = await loadRunConfig('examples/quickstart.yaml');
  const table = new Table({
    style: { head: [], border: [] },
    head: ['model', `${options.tasks} tasks: no cache (s)`, 'with the cache (s)', 'speed-up', 'rows hit / computed', 'bytes held', 'max |difference|'],
  });
  const models = [
    { label: 'quickstart: 0 layers, d 64', model: { ...quickstart.model, init: 'random' } },
    { label: '1 layer, d 32, 2 heads, dFf 64', model: { ...quickstart.model, init: 'random', layers: 1, dModel: 32, heads: 2, dFf: 64 } },
  ];
  for (const { label, model: modelConfig } of models) {
    const config = parseRunConfig({ ...quickstart, task: { ...quickstart.task, shots: options.shots }, model: modelConfig, pretraining: undefined });
    const family = taskFamilyFor(config);
    const model = createModel(config.model, family.outputs);
    const params = initMetaParams(config, family.outputs, 1);
    const tasks = Array.from({ length: options.tasks }, (_, i) => family.build(family.sampleSpec('test', i)));
    const run = (adapt: AdaptOptions) => {
      const started = performance.now();
      const numbers = tasks.flatMap((task) => [...evaluateAdaptation(model, params, task, adapt).metric, chooseSteps(model, params, task, adapt) ?? -1]);
      return { seconds: (performance.now() - started) / 1000, numbers };
    };
    const adapt = { steps: options.evalSteps, algorithm: config.algorithm };
    run({ ...adapt, steps: 0 }); // warm-up (kernel initialization)
    const baseline = run(adapt);
    const cache = new FeatureCache();
    const cached = run({ ...adapt, featureCache: cache });
    const diff = Math.max(...baseline.numbers.map((v, i) => Math.abs(v - cached.numbers[i]!)));
    const { hits, misses, bytes } = cache.stats();
    table.push([label, baseline.seconds.toFixed(1), cached.seconds.toFixed(1), `${(baseline.seconds / cached.seconds).toFixed(2)}×`, `${hits} / ${misses}`, `${(bytes / 2 ** 20).toFixed(1)} MiB`, diff.toExponential(1)]);
    process.stderr.write('.');
  }
  process.stderr.write('\n');
  console.log(
    `5-way ${options.shots}-shot SOTU meta-test tasks, adapt: head with the prototype head, S = ${options.evalSteps}, backend ${options.backend}, ` +
      `tfjs ${tf.version.tfjs}, ${cpus().length} cores, load average ${loadavg()[0]!.toFixed(1)}`,
  );
  console.log(table.toString());
}

void main();
