/**
 * Speed of the quickstart's meta-gradients (examples/quickstart.yaml: Proto-MAML — second-order MAML on a head set from
 * the support set's class means — with `adapt: head` on a 0-layer Transformer of hashed words and bigrams, 5-way
 * 5-shot sotu tasks): tasks/s with the T tasks a worker holds run one by one (`computeMetaGradient` per task,
 * sequential) and as one task-vectorized batch (`computeMetaGradients`: the body's features once per task, the head's
 * inner loop and its second-order backward batched), on wasm and cpu, for T = 1, 2, 4 (the quickstart's meta-batch is
 * 4 over 2 workers). Also the evaluation path (10 fine-tuning steps, `evaluateAdaptation` vs `evaluateAdaptations`).
 * Parameters are the seeded random initialization (speed does not depend on the pretrained values). Wall-clock
 * median of --repeats rounds after warm-up, the two paths interleaved; the load average is printed: the cores are
 * shared.
 *
 * Run: npx tsx bench/quickstart-speed.ts [--backends wasm,cpu] [--repeats 5] [--tasks 1,2,4]
 */
import { loadavg } from 'node:os';
import Table from 'cli-table3';
import { Command } from 'commander';
import { loadRunConfig, runModelConfig } from '../src/core/config';
import { packageFile } from '../src/core/package-root';
import { computeMetaGradient, evaluateAdaptation, initMetaParams } from '../src/meta';
import { computeMetaGradients } from '../src/meta/batched-meta-gradient';
import { evaluateAdaptations } from '../src/meta/batched-evaluate';
import { createModel, initBackend, type BackendName } from '../src/model';
import { taskBatched } from '../src/model/task-batched';
import { taskFamilyFor } from '../src/tasks/task-family';
import { positiveInt } from '../src/cli/options';

const options = new Command()
  .option('--backends <list>', 'comma-separated tfjs backends', 'wasm,cpu')
  .option('--repeats <n>', 'timed rounds per cell (median reported)', positiveInt, 5)
  .option('--tasks <list>', 'tasks per batch, comma-separated', (list: string) => list.split(',').map(positiveInt), [1, 2, 4])
  .option('--eval-steps <n>', 'fine-tuning steps of the evaluation rows', positiveInt, 10)
  .parse()
  .opts<{ backends: string; repeats: number; tasks: number[]; evalSteps: number }>();

/**
 * Median wall-clock ms of `a` and of `b` over `options.repeats` rounds, after one warm-up call of each; the two are
 * interleaved round by round, so that a change of load on the shared machine slows both alike.
 */
function medianMs(a: () => void, b: () => void): [number, number] {
  a();
  b();
  const times: [number[], number[]] = [[], []];
  for (let r = 0; r < options.repeats; r++) {
    [a, b].forEach((fn, i) => {
      const t0 = performance.now();
      fn();
      times[i]!.push(performance.now() - t0);
    });
  }
  return times.map((t) => t.sort((x, y) => x - y)[Math.floor(t.length / 2)]!) as [number, number];
}

async function main(): Promise<void> {
  const config = await loadRunConfig(packageFile('examples/quickstart.yaml'));
  const family = taskFamilyFor(config);
  const model = createModel(runModelConfig(config), family.outputs);
  const batched = taskBatched(model, runModelConfig(config));
  const params = initMetaParams(config, family.outputs, 1);
  const maxTasks = Math.max(...options.tasks);
  const trainTasks = Array.from({ length: maxTasks }, (_, i) => family.build(family.sampleSpec('train', i)));
  const testTasks = Array.from({ length: maxTasks }, (_, i) => family.build(family.sampleSpec('test', i)));
  const evalOptions = { steps: options.evalSteps, algorithm: config.algorithm };
  const table = new Table({
    head: ['backend', 'path', 'T', 'sequential tasks/s', 'vectorized tasks/s', 'vectorized / sequential'],
    style: { head: [], border: [] },
  });
  for (const backend of options.backends.split(',') as BackendName[]) {
    await initBackend(backend);
    for (const tasksPerBatch of options.tasks) {
      const train = trainTasks.slice(0, tasksPerBatch);
      const test = testTasks.slice(0, tasksPerBatch);
      const rows: Array<[string, () => void, () => void]> = [
        [`meta-gradient (${config.algorithm.name}, adapt: ${config.algorithm.adapt}, head ${config.algorithm.headInit})`, () => train.forEach((t) => computeMetaGradient(model, params, t, config.algorithm)), () => computeMetaGradients(batched, params, train, config.algorithm)],
        [`evaluation (${options.evalSteps} steps)`, () => test.forEach((t) => evaluateAdaptation(model, params, t, evalOptions)), () => evaluateAdaptations(batched, params, test, evalOptions)],
      ];
      for (const [path, sequential, vectorized] of rows) {
        const [seqMs, vecMs] = medianMs(sequential, vectorized);
        const seq = (1000 * tasksPerBatch) / seqMs;
        const vec = (1000 * tasksPerBatch) / vecMs;
        table.push([backend, path, tasksPerBatch, seq.toFixed(1), vec.toFixed(1), (vec / seq).toFixed(2)]);
        process.stderr.write('.');
      }
    }
  }
  process.stderr.write('\n');
  console.log(`examples/quickstart.yaml model and tasks (${config.task.ways}-way ${config.task.shots}-shot, ${config.task.queryShots} query per class), median of ${options.repeats}; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} (2 cores, shared)`);
  console.log(table.toString());
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
