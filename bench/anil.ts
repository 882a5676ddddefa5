/**
 * ANIL's frozen body (src/meta/frozen-body.ts): time per task of the second-order MAML meta-gradient with
 * `adapt: head` (K inner steps on the head) and of a few-shot evaluation (query scored after each of S steps),
 * with the body's features computed once per task (production path: `computeMetaGradient`,
 * `evaluateAdaptation`) against the baseline of re-running the whole Transformer at every inner step (the same
 * computation run through `innerLoop` and `lossAndMetric` on the model with its head names hidden, so that
 * nothing can tell that the body is frozen). Both columns compute the same numbers; the
 * table also prints their largest difference. One 5-way 5-shot State of the Union task (5 query passages per
 * class, passages of 2 × maxLength characters), tfjs backend `--backend`.
 *
 * Run: npx tsx bench/anil.ts [--backend wasm] [--repeats 5] [--inner-steps 5] [--eval-steps 10]
 */
import { cpus, loadavg } from 'node:os';
import * as tf from '@tensorflow/tfjs';
import Table from 'cli-table3';
import { Command } from 'commander';
import { positiveInt } from '../src/cli/options';
import { parseRunConfig } from '../src/core/config';
import { computeMetaGradient, evaluateAdaptation, initMetaParams, innerLoop, adaptableNames } from '../src/meta';
import { lossAndMetric, objectiveGradient } from '../src/meta/objective-gradient';
import { createModel, initBackend, toTensors, type BackendName, type Model } from '../src/model';
import { taskFamilyFor } from '../src/tasks/task-family';

const options = new Command()
  .option('--backend <name>', 'tfjs backend', 'wasm')
  .option('--repeats <n>', 'timed repeats per cell (median reported)', positiveInt, 5)
  .option('--inner-steps <n>', 'inner SGD steps K of the meta-gradient', positiveInt, 5)
  .option('--eval-steps <n>', 'fine-tuning steps S of the evaluation', positiveInt, 10)
  .parse()
  .opts<{ backend: string; repeats: number; innerSteps: number; evalSteps: number }>();

const ways = 5;
const shots = 5;

function medianMs(repeats: number, fn: () => void): number {
  fn(); // warm-up (kernel initialization)
  const times: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
  }
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)]!;
}

async function main(): Promise<void> {
  await initBackend(options.backend as BackendName);
  const { repeats } = options;
  const table = new Table({
    style: { head: [], border: [] },
    head: ['model', 'work per task', 'baseline: full forward per step (ms)', 'frozen body (ms)', 'speed-up', 'max |difference|'],
  });
  for (const maxLength of [64, 128]) {
    const config = parseRunConfig({
      name: 'bench-anil',
      task: { family: 'sotu', ways, shots, queryShots: shots, passageChars: 2 * maxLength },
      model: { kind: 'transformer', layers: 1, dModel: 32, heads: 2, dFf: 64, maxLength },
      algorithm: { name: 'maml', adapt: 'head', innerSteps: options.innerSteps, innerLr: 0.5 },
    });
    const model = createModel(config.model, ways);
    const theta = initMetaParams(config, ways, 1);
    const family = taskFamilyFor(config);
    const task = family.build(family.sampleSpec('train', 1));
    const label = `transformer d32 L1 len${maxLength}`;

    // Meta-gradient: production (frozen body) vs the same objective re-running the body at every inner step.
    const adaptable = adaptableNames(model, 'head');
    const unaware: Model = { ...model, headNames: [] }; // the baseline: the inner loop re-runs the body every step
    const baselineGradient = () => {
      const params = toTensors(theta);
      const support = model.encode(task.support);
      const query = model.encode(task.query);
      try {
        return objectiveGradient(params, (p) => {
          const phi = innerLoop(unaware, p, support, { steps: config.algorithm.innerSteps, lr: config.algorithm.innerLr, adaptable, createGraph: true });
          return lossAndMetric(unaware, phi, query);
        }).gradient;
      } finally {
        tf.dispose([...Object.values(params), support.x, support.y, query.x, query.y]);
      }
    };
    const fastGradient = () => computeMetaGradient(model, theta, task, config.algorithm).gradient;
    let gradientDiff = 0;
    const a = baselineGradient();
    const b = fastGradient();
    for (const [n, t] of a) t.data.forEach((v, i) => (gradientDiff = Math.max(gradientDiff, Math.abs(v - b.get(n)!.data[i]!))));
    const gBase = medianMs(repeats, baselineGradient);
    const gFast = medianMs(repeats, fastGradient);
    table.push([label, `MAML meta-gradient, adapt: head, K = ${config.algorithm.innerSteps}`, gBase.toFixed(1), gFast.toFixed(1), `${(gBase / gFast).toFixed(2)}×`, gradientDiff.toExponential(1)]);

    // Evaluation: query accuracy after s = 0..S steps.
    const S = options.evalSteps;
    const baselineEval = () => {
      const params = toTensors(theta);
      const support = model.encode(task.support);
      const query = model.encode(task.query);
      const metric: number[] = [];
      let current = params;
      try {
        for (let s = 0; ; s++) {
          metric.push(tf.tidy(() => lossAndMetric(unaware, current, query).metric.dataSync()[0]!));
          if (s === S) return metric;
          const next = innerLoop(unaware, current, support, { steps: 1, lr: config.algorithm.innerLr, adaptable, createGraph: false }) as Record<string, tf.Tensor>;
          if (current !== params) adaptable.forEach((n) => current[n]!.dispose());
          current = next;
        }
      } finally {
        if (current !== params) adaptable.forEach((n) => current[n]!.dispose());
        tf.dispose([...Object.values(params), support.x, support.y, query.x, query.y]);
      }
    };
    const fastEval = () => evaluateAdaptation(model, theta, task, { steps: S, algorithm: config.algorithm }).metric;
    const evalDiff = Math.max(...baselineEval().map((v, i) => Math.abs(v - fastEval()[i]!)));
    const eBase = medianMs(repeats, baselineEval);
    const eFast = medianMs(repeats, fastEval);
    table.push([label, `evaluation, S = ${S} steps`, eBase.toFixed(1), eFast.toFixed(1), `${(eBase / eFast).toFixed(2)}×`, evalDiff.toExponential(1)]);
    process.stderr.write('.');
  }
  process.stderr.write('\n');
  console.log(
    `5-way ${shots}-shot (${ways * shots} support + ${ways * shots} query), backend ${options.backend}, median of ${repeats} after 1 warm-up, ` +
      `tfjs ${tf.version.tfjs}, ${cpus().length} cores, load average ${loadavg()[0]!.toFixed(1)}`,
  );
  console.log(table.toString());
}

void main();
