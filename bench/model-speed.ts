/**
 * Model speed: forward, forward+backward (first order) and one second-order MAML meta-gradient (one inner SGD
 * step on a support batch, then the query loss differentiated through it) of the Transformer classifier at a
 * few sizes, on wasm and cpu, with the sinusoid MLP as the baseline row of each backend. Prints one table;
 * ratios are against the baseline's forward+backward on the same backend. Wall-clock medians over repeats,
 * after warm-up calls (which also compile/initialize kernels). The header shows the 1-minute load average:
 * other processes on the machine slow every cell.
 *
 * Run: npx tsx bench/model-speed.ts [--backends wasm,cpu] [--batch 25] [--repeats 5] [--quick]
 */
import { cpus, loadavg } from 'node:os';
import * as tf from '@tensorflow/tfjs';
import Table from 'cli-table3';
import { Command } from 'commander';
import { parseRunConfig, type RunConfig } from '../src/core/config';
import { createModel, initBackend, initParams, toTensors, type BackendName, type Model, type TensorMap } from '../src/model';
import type { ExampleSet } from '../src/tasks/task';

interface Size {
  readonly label: string;
  readonly model: RunConfig['model'];
}

const options = new Command()
  .option('--backends <list>', 'comma-separated tfjs backends', 'wasm,cpu')
  .option('--batch <n>', 'examples per batch (support = query = batch)', '25')
  .option('--repeats <n>', 'timed repeats per cell (median reported)', '5')
  .option('--quick', 'only dModel 32 and 64, 1 layer, length 64')
  .parse()
  .opts<{ backends: string; batch: string; repeats: string; quick?: boolean }>();

const batch = Number(options.batch);
const repeats = Number(options.repeats);
const outputs = 5;

function modelConfig(raw: Record<string, unknown>): RunConfig['model'] {
  return parseRunConfig({ name: 'bench', task: { family: raw.kind === 'sinusoid-mlp' ? 'sinusoid' : 'sotu' }, model: raw }).model;
}

function sizes(): Size[] {
  const out: Size[] = [];
  const grid = options.quick
    ? [[32, 1, 64], [64, 1, 64]]
    : [32, 64].flatMap((d) => [1, 2].flatMap((layers) => [32, 64, 128].map((len) => [d, layers, len])));
  for (const [d, layers, len] of grid as [number, number, number][]) {
    out.push({
      label: `transformer d${d} h${d / 16} ff${2 * d} L${layers} len${len}`,
      model: modelConfig({ kind: 'transformer', dModel: d, heads: d / 16, dFf: 2 * d, layers, maxLength: len }),
    });
  }
  return out;
}

function exampleSet(model: RunConfig['model'], seed: number): ExampleSet {
  if (model.kind === 'sinusoid-mlp') {
    const x = Float32Array.from({ length: batch }, (_, i) => -5 + (10 * ((i * 7 + seed) % batch)) / batch);
    return { kind: 'regression', x, y: x.map(Math.sin) };
  }
  // Texts long enough to fill maxLength, so no row is mostly padding.
  const texts = Array.from({ length: batch }, (_, i) => `example ${i + seed} `.repeat(Math.ceil(model.maxLength / 8)));
  return { kind: 'text', texts, labels: Int32Array.from({ length: batch }, (_, i) => i % outputs) };
}

/** Warm-up calls before timing (the first calls on a backend JIT-compile and allocate). */
const WARMUP_CALLS = 3;

function medianMs(fn: () => void): number {
  for (let i = 0; i < WARMUP_CALLS; i++) fn();
  const times: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

interface Timing {
  forward: number;
  backward: number;
  secondOrder: number;
}

function timeModel(cfg: RunConfig['model']): Timing {
  const classes = cfg.kind === 'sinusoid-mlp' ? 1 : outputs;
  const model: Model = createModel(cfg, classes);
  const params = toTensors(initParams(cfg, classes, 1));
  const names = Object.keys(params);
  const support = model.encode(exampleSet(cfg, 0));
  const query = model.encode(exampleSet(cfg, 1));
  const asMap = (ts: tf.Tensor[]): TensorMap => Object.fromEntries(names.map((n, i) => [n, ts[i]!]));
  const lossOf = (batchTensors: { x: tf.Tensor; y: tf.Tensor }) => (...ts: tf.Tensor[]) =>
    model.loss(model.forward(asMap(ts), batchTensors.x), batchTensors.y);
  const values = names.map((n) => params[n]!);

  const forward = medianMs(() => tf.tidy(() => void model.forward(params, query.x).dataSync()));
  const backward = medianMs(() =>
    tf.tidy(() => {
      const grads = tf.grads(lossOf(query))(values);
      grads.forEach((g) => g.dataSync());
    }),
  );
  const secondOrder = medianMs(() =>
    tf.tidy(() => {
      const meta = (...ts: tf.Tensor[]): tf.Scalar => {
        const inner = tf.grads(lossOf(support))(ts);
        return lossOf(query)(...ts.map((t, i) => tf.sub(t, tf.mul(inner[i]!, 0.01))));
      };
      tf.grads(meta)(values).forEach((g) => g.dataSync());
    }),
  );
  tf.dispose([...values, support.x, support.y, query.x, query.y]);
  return { forward, backward, secondOrder };
}

async function main(): Promise<void> {
  const table = new Table({
    style: { head: [], border: [] },
    head: ['backend', 'model', 'fwd ms', 'fwd+bwd ms', 'bwd/fwd', 'MAML 2nd-order ms', '2nd/fwd+bwd', 'fwd+bwd vs MLP'],
  });
  const baseline = modelConfig({ kind: 'sinusoid-mlp', hidden: [40, 40] });
  for (const backend of options.backends.split(',') as BackendName[]) {
    await initBackend(backend);
    const base = timeModel(baseline);
    const row = (label: string, t: Timing): string[] => [
      backend,
      label,
      t.forward.toFixed(2),
      t.backward.toFixed(2),
      (t.backward / t.forward).toFixed(1),
      t.secondOrder.toFixed(1),
      (t.secondOrder / t.backward).toFixed(1),
      `${(t.backward / base.backward).toFixed(0)}×`,
    ];
    table.push(row('baseline: sinusoid MLP 1-40-40-1', base));
    for (const size of sizes()) {
      table.push(row(size.label, timeModel(size.model)));
      process.stderr.write('.');
    }
  }
  process.stderr.write('\n');
  console.log(
    `batch ${batch} (support and query), ${outputs} classes, median of ${repeats} after ${WARMUP_CALLS} warm-ups, ` +
      `tfjs ${tf.version.tfjs}, ${cpus().length} cores, load average ${loadavg()[0]!.toFixed(1)}`,
  );
  console.log(table.toString());
}

void main();
