/**
 * Compression benchmark on the State of the Union 5-way 5-shot authorship benchmark: meta-trains a teacher through
 * the local cluster (or takes `--checkpoint`), compresses it with the compression pipeline of its config, and
 * prints, all measured in this run:
 * - sizes: float32 bytes of the teacher vs the compressed checkpoint (sparse int8) and the int8 ONNX file;
 * - few-shot meta-test accuracy (mean ± 95% CI over `--eval-tasks` tasks of presidents never seen in meta-training,
 *   after `evaluation.adaptSteps` fine-tuning steps) of the teacher and of the compressed model on the same tasks;
 * - ONNX inference latency in onnxruntime-node (1 thread, full graph optimizations, median of 50 runs after 5
 *   warm-ups) of the float32 teacher (the baseline), the float32 student and the int8 student, batch 25 and 1.
 * Goal (issue 4): compressed ≤ 10% of the float32 bytes with at most 1 point of accuracy lost.
 *
 *   npx tsx bench/compress.ts [--config examples/quickstart.yaml] [--checkpoint DIR] [--eval-tasks 100] [--workers 2]
 *
 * Without examples/quickstart.yaml (and without --config) a built-in SOTU config is used (printed).
 */
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { loadRunConfig, parseRunConfig, type RunConfig, type RunConfigInput } from '../src/core/config';
import type { MeanCI } from '../src/core/stats';
import { loadCheckpoint } from '../src/coordinator/checkpoint-load';
import { LocalCluster } from '../src/local/local-cluster';
import { dequantizedParams } from '../src/compress/compressed-model';
import { exportOnnx } from '../src/compress/onnx-export';
import type { ExportWeight } from '../src/compress/onnx-graph';
import { loadOnnx } from '../src/compress/onnx-run';
import { randomInputs } from '../src/compress/onnx-check';
import { runPipeline } from '../src/compress/pipeline';
import { isLrName } from '../src/meta/meta-params';
import type { ModelConfig } from '../src/model/architecture';
import type { ParamSet } from '../src/core/param-set';

const { values } = parseArgs({
  options: {
    config: { type: 'string' },
    checkpoint: { type: 'string' },
    'eval-tasks': { type: 'string', default: '100' },
    workers: { type: 'string', default: '2' },
  },
});

/** Used when there is no examples/quickstart.yaml: SOTU 5-way 5-shot, a small 1-layer encoder, FOMAML. */
const FALLBACK: RunConfigInput = {
  name: 'bench-compress',
  seed: 1,
  task: { family: 'sotu', ways: 5, shots: 5, queryShots: 5, passageChars: 128 },
  model: { kind: 'transformer', layers: 1, dModel: 32, heads: 2, dFf: 64, maxLength: 64 },
  algorithm: { name: 'fomaml', adapt: 'all', innerSteps: 3, innerLr: 0.1, outerLr: 0.003, metaBatchSize: 4 },
  training: { maxSteps: 300, evalEverySteps: 50, evalTasks: 20, patience: 100 },
  evaluation: { testTasks: 20, adaptSteps: 10, baselines: [] },
};

const pct = (x: MeanCI) => `${(100 * x.mean).toFixed(1)} ± ${(100 * x.ci95).toFixed(1)}`;

async function teacherCheckpoint(): Promise<{ checkpoint: string; config: RunConfig; trainSeconds: number }> {
  if (values.checkpoint) {
    const c = await loadCheckpoint(values.checkpoint);
    return { checkpoint: values.checkpoint, config: parseRunConfig(c.extra.config), trainSeconds: NaN };
  }
  const file = values.config ?? (existsSync('examples/quickstart.yaml') ? 'examples/quickstart.yaml' : undefined);
  const base = file ? loadRunConfig(file) : parseRunConfig(FALLBACK);
  if (!file) console.log(`config (built in): ${JSON.stringify(FALLBACK)}`);
  const config = parseRunConfig({
    ...base,
    name: 'bench-compress',
    evaluation: { ...base.evaluation, testTasks: Math.min(base.evaluation.testTasks, 20), baselines: [] },
    runtime: { ...base.runtime, workers: Number(values.workers), outDir: 'runs/bench-compress' },
    compression: { ...base.compression, enabled: false },
  });
  const cluster = new LocalCluster({ config });
  await cluster.start();
  const t0 = performance.now();
  const summary = await cluster.run();
  console.log(`teacher: ${summary.reason} after ${summary.steps} steps (best ${summary.bestStep}), ${summary.checkpoint}`);
  return { checkpoint: summary.checkpoint, config, trainSeconds: (performance.now() - t0) / 1000 };
}

function floatWeights(params: ParamSet): Map<string, ExportWeight> {
  return new Map([...params].filter(([n]) => !isLrName(n)).map(([n, t]) => [n, { kind: 'float', tensor: t } as ExportWeight]));
}

/** Median milliseconds of one run on a batch of `n` (full optimizations, 1 thread). */
async function latencyMs(bytes: Uint8Array, model: ModelConfig, n: number): Promise<number> {
  const session = await loadOnnx(bytes, model, 'full');
  const input = randomInputs(model, n, 5);
  for (let i = 0; i < 5; i++) await session.run(input, n);
  const times: number[] = [];
  for (let i = 0; i < 50; i++) {
    const t = performance.now();
    await session.run(input, n);
    times.push(performance.now() - t);
  }
  await session.release();
  return times.sort((a, b) => a - b)[25]!;
}

async function main(): Promise<void> {
  const teacher = await teacherCheckpoint();
  const config = parseRunConfig({ ...teacher.config, compression: { ...teacher.config.compression, enabled: true, evalTasks: Number(values['eval-tasks']) } });
  const result = await runPipeline({
    jobId: 'bench',
    config,
    checkpoint: teacher.checkpoint,
    onProgress: (message, training) => {
      if (!training || training.step % 50 === 0) console.log(`  ${message}`);
    },
  });
  const { report, compressed, files } = result;
  const teacherParams = (await loadCheckpoint(teacher.checkpoint)).params;
  const outputs = compressed.outputs;
  const onnx = {
    teacher: exportOnnx(config.model, outputs, floatWeights(teacherParams)),
    studentFloat: exportOnnx(compressed.model, outputs, floatWeights(dequantizedParams(compressed))),
    studentInt8: files.get('model.onnx')!,
  };
  const lat: Record<keyof typeof onnx, [number, number]> = { teacher: [0, 0], studentFloat: [0, 0], studentInt8: [0, 0] };
  for (const key of Object.keys(onnx) as Array<keyof typeof onnx>) {
    const model = key === 'teacher' ? config.model : compressed.model;
    lat[key] = [await latencyMs(onnx[key], model, 25), await latencyMs(onnx[key], model, 1)];
  }
  const f32 = report.sizes.float32Bytes;
  const a = report.accuracy;
  const rows: string[][] = [
    ['teacher float32 (baseline)', String(f32), '1.000', pct(a.teacher.metric), lat.teacher[0].toFixed(2), '1.00', lat.teacher[1].toFixed(3), '1.00'],
    ['student float32 ONNX', String(onnx.studentFloat.length), (onnx.studentFloat.length / f32).toFixed(3), '—', lat.studentFloat[0].toFixed(2), (lat.studentFloat[0] / lat.teacher[0]).toFixed(2), lat.studentFloat[1].toFixed(3), (lat.studentFloat[1] / lat.teacher[1]).toFixed(2)],
    ['compressed int8 ONNX (model.onnx)', String(report.sizes.onnxBytes), report.sizes.onnxRatio.toFixed(3), pct(a.compressed.metric), lat.studentInt8[0].toFixed(2), (lat.studentInt8[0] / lat.teacher[0]).toFixed(2), lat.studentInt8[1].toFixed(3), (lat.studentInt8[1] / lat.teacher[1]).toFixed(2)],
    ['compressed checkpoint (model.safetensors)', String(report.sizes.compressedBytes), report.sizes.ratio.toFixed(3), pct(a.compressed.metric), '', '', '', ''],
  ];
  const head = ['model', 'bytes', 'ratio to float32', `acc. after ${a.adaptSteps} steps (%)`, 'ONNX ms, batch 25', 'ratio', 'ONNX ms, batch 1', 'ratio'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ');
  console.log(`\nState of the Union 5-way ${config.task.shots}-shot: compression of ${teacher.checkpoint} (${a.tasks} meta-test tasks, mean ± 95% CI; chance 20%)`);
  console.log(`student: dModel ${compressed.model.dModel}, dFf ${compressed.model.dFf} (teacher ${config.model.dModel}, ${config.model.dFf}); ${(100 * report.sparsity.pruned).toFixed(0)}% of int8 weights zero; accuracy drop ${(100 * a.drop).toFixed(1)} points`);
  console.log(line(head));
  console.log(widths.map((w) => '-'.repeat(w)).join('-|-'));
  for (const r of rows) console.log(line(r));
  console.log(`ONNX vs TypeScript (relative max difference): exact graph ${report.onnx.agreement.exact.toExponential(1)}, full optimizations ${report.onnx.agreement.full.toExponential(1)}`);
  const s = report.seconds;
  console.log(`seconds: teacher training ${teacher.trainSeconds.toFixed(0)}; compression ${s.total.toFixed(0)} (teacher targets ${s.teacherTargets.toFixed(0)}, distill ${s.distill.toFixed(0)}, prune ${s.prune.toFixed(0)}, recover ${s.recover.toFixed(0)}, evaluate ${s.evaluate.toFixed(0)}, export+check ${s.export.toFixed(0)})`);
}

void main().then(
  () => process.exit(0),
  (err: Error) => {
    console.error(err);
    process.exit(1);
  },
);
