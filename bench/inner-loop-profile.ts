/**
 * Where the time of one sinusoid meta-gradient goes (second-order MAML, MLP 1-40-40-1, 5-shot, one inner step): tfjs
 * kernels launched (`tf.profile`), kernel time (`tf.time`) and wall time per task, for one task at a time
 * (`computeMetaGradient`) and for a task-vectorized batch of T tasks (`computeMetaGradients`), on wasm and cpu.
 * Many kernels on tiny tensors, with wall time far above kernel time, mean per-op overhead dominates: batching tasks
 * into one set of kernels is then the fix (src/model/task-batched).
 *
 * Run: npx tsx bench/inner-loop-profile.ts [--tasks 25] [--repeats 100]
 */
import * as tf from '@tensorflow/tfjs';
import Table from 'cli-table3';
import { Command } from 'commander';
import { positiveInt } from '../src/cli/options';
import { parseRunConfig } from '../src/core/config';
import { computeMetaGradient, initMetaParams } from '../src/meta';
import { computeMetaGradients } from '../src/meta/batched-meta-gradient';
import { createModel, initBackend } from '../src/model';
import { taskBatched } from '../src/model/task-batched';
import { sinusoidFamily } from '../src/tasks/sinusoid';

const options = new Command()
  .option('--tasks <n>', 'tasks per vectorized batch (the meta-batch)', positiveInt, 25)
  .option('--repeats <n>', 'timed repetitions of each path', positiveInt, 100)
  .parse()
  .opts<{ tasks: number; repeats: number }>();

async function main(): Promise<void> {
  const config = parseRunConfig({ name: 'profile', task: { family: 'sinusoid', shots: 5, queryShots: 5 }, model: { kind: 'sinusoid-mlp', hidden: [40, 40] }, algorithm: { name: 'maml', adapt: 'all', innerSteps: 1, innerLr: 0.01 } });
  const model = createModel(config.model, 1);
  const batched = taskBatched(model, config.model);
  const params = initMetaParams(config, 1, 0);
  const family = sinusoidFamily({ shots: 5, queryShots: 5 });
  const tasks = Array.from({ length: options.tasks }, (_, i) => family.build(family.sampleSpec('train', i)));
  const paths: Array<[string, number, () => void]> = [
    ['one task (computeMetaGradient)', 1, () => void computeMetaGradient(model, params, tasks[0]!, config.algorithm)],
    [`${options.tasks} tasks vectorized (computeMetaGradients)`, options.tasks, () => void computeMetaGradients(batched, params, tasks, config.algorithm)],
  ];
  const table = new Table({ head: ['backend', 'path', 'kernels', 'kernel ms (tf.time)', 'wall ms per call', 'wall ms per task'], style: { head: [], border: [] } });
  for (const backend of ['wasm', 'cpu'] as const) {
    await initBackend(backend);
    for (const [name, count, run] of paths) {
      for (let i = 0; i < 10; i++) run();
      const t0 = performance.now();
      for (let i = 0; i < options.repeats; i++) run();
      const wall = (performance.now() - t0) / options.repeats;
      const profile = await tf.profile(run);
      const timing = await tf.time(run);
      table.push([backend, name, profile.kernels.length, typeof timing.kernelMs === 'number' ? timing.kernelMs.toFixed(2) : timing.kernelMs.error, wall.toFixed(2), (wall / count).toFixed(3)]);
    }
  }
  console.log(table.toString());
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
