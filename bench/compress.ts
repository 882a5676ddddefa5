/**
 * Compression benchmark on the State of the Union 5-way 5-shot authorship benchmark: meta-trains a teacher through
 * the local cluster (or takes `--checkpoint`), compresses it with the compression pipeline under each
 * `--settings` (student width : sparsity), and prints, all measured in this run:
 * - sizes: float32 bytes of the teacher vs the compressed checkpoint (sparse int8) and the int8 ONNX file;
 * - few-shot meta-test accuracy (mean ± 95% CI over `--eval-tasks` tasks of presidents never seen in meta-training,
 *   after `evaluation.adaptSteps` fine-tuning steps) of the teacher and of each compressed model, on the same tasks;
 * - ONNX inference latency in onnxruntime-node (1 thread, full graph optimizations, median of 50 runs after 5
 *   warm-ups) of the float32 teacher (the baseline) and of each compressed model (int8, and the same student in
 *   float32), batch 25 (a support set) and 1.
 * Goal (issue 4): compressed ≤ 10% of the float32 bytes with at most 1 point of accuracy lost.
 *
 *   npx tsx bench/compress.ts [--config FILE] [--checkpoint DIR] [--eval-tasks 100] [--settings 0.5:0.5,0.5:0.75] [--workers 2]
 *
 * Without --config and --checkpoint, examples/quickstart.yaml is used, or a built-in SOTU config (printed).
 */
import { existsSync, rmSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { loadRunConfig, parseRunConfig, type RunConfig, type RunConfigInput } from '../src/core/config';
import type { ParamSet } from '../src/core/param-set';
import type { MeanCI } from '../src/core/stats';
import { loadCheckpoint } from '../src/checkpoint';
import { LocalCluster } from '../src/local/local-cluster';
import { dequantizedParams } from '../src/compress/compressed-model';
import type { FewShotScore } from '../src/compress/compression-report';
import { exportOnnx } from '../src/compress/onnx-export';
import type { ExportWeight } from '../src/compress/onnx-graph';
import { loadOnnx } from '../src/compress/onnx-run';
import { randomInputs } from '../src/compress/onnx-check';
import { runPipeline } from '../src/compress/pipeline';
import { isLrName } from '../src/meta/meta-params';
import type { ModelConfig } from '../src/model/architecture';

const { values } = parseArgs({
  options: {
    config: { type: 'string' },
    checkpoint: { type: 'string' },
    'eval-tasks': { type: 'string', default: '100' },
    settings: { type: 'string', default: '0.5:0.5,0.5:0.75' },
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

/** Accuracy in percent, or MSE as is (a sinusoid teacher given with --config). */
let percent = true;
const pct = (x: MeanCI) => (percent ? `${(100 * x.mean).toFixed(1)} ± ${(100 * x.ci95).toFixed(1)}` : `${x.mean.toFixed(3)} ± ${x.ci95.toFixed(3)}`);

async function teacherCheckpoint(): Promise<{ checkpoint: string; config: RunConfig; trainSeconds: number }> {
  if (values.checkpoint) {
    const c = await loadCheckpoint(values.checkpoint);
    return { checkpoint: values.checkpoint, config: parseRunConfig(c.extra.config), trainSeconds: NaN };
  }
  const file = values.config ?? (existsSync('examples/quickstart.yaml') ? 'examples/quickstart.yaml' : undefined);
  const base = file ? await loadRunConfig(file) : parseRunConfig(FALLBACK);
  console.log(file ? `config ${file}` : `config (built in): ${JSON.stringify(FALLBACK)}`);
  const config = parseRunConfig({
    ...base,
    name: 'bench-compress',
    evaluation: { ...base.evaluation, testTasks: Math.min(base.evaluation.testTasks, 20), baselines: [] },
    runtime: { ...base.runtime, workers: Number(values.workers), outDir: 'runs/bench-compress' },
    compression: { ...base.compression, enabled: false },
  });
  rmSync(config.runtime.outDir!, { recursive: true, force: true }); // the benchmark's own scratch teacher run
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

/** Median milliseconds of one run on batches of 25 and of 1 (full optimizations, 1 thread). */
async function latencyMs(bytes: Uint8Array, model: ModelConfig): Promise<[number, number]> {
  const session = await loadOnnx(bytes, model, 'full');
  const out: number[] = [];
  for (const n of [25, 1]) {
    const input = randomInputs(model, n, 5);
    for (let i = 0; i < 5; i++) await session.run(input, n);
    const times: number[] = [];
    for (let i = 0; i < 50; i++) {
      const t = performance.now();
      await session.run(input, n);
      times.push(performance.now() - t);
    }
    out.push(times.sort((a, b) => a - b)[25]!);
  }
  await session.release();
  return [out[0]!, out[1]!];
}

async function main(): Promise<void> {
  const teacher = await teacherCheckpoint();
  const teacherParams = (await loadCheckpoint(teacher.checkpoint)).params;
  const teacherOnnx = exportOnnx(teacher.config.model, teacherParams.get('head.b')!.shape[0]!, floatWeights(teacherParams));
  const base = await latencyMs(teacherOnnx, teacher.config.model);
  let teacherScore: FewShotScore | undefined;
  const rows: string[][] = [];
  const lines: string[] = [];
  let f32 = 0;
  for (const setting of values.settings!.split(',')) {
    const [width, sparsity] = setting.split(':').map(Number) as [number, number];
    const config = parseRunConfig({
      ...teacher.config,
      compression: { ...teacher.config.compression, enabled: true, evalTasks: Number(values['eval-tasks']), studentWidth: width, sparsity },
    });
    console.log(`compressing: student width ${width}, sparsity ${sparsity}`);
    const { report, compressed, files } = await runPipeline({ jobId: `bench-${setting}`, config, checkpoint: teacher.checkpoint, teacherScore });
    teacherScore = report.accuracy.teacher;
    percent = report.accuracy.metric === 'accuracy';
    f32 = report.sizes.float32Bytes;
    const int8 = await latencyMs(files.get('model.onnx')!, compressed.model);
    const float = await latencyMs(exportOnnx(compressed.model, compressed.outputs, floatWeights(dequantizedParams(compressed))), compressed.model);
    const name = `width ${width}, sparsity ${sparsity}`;
    const a = report.accuracy;
    rows.push(
      [`${name}: model.safetensors`, String(report.sizes.compressedBytes), report.sizes.ratio.toFixed(3), pct(a.compressed.metric), percent ? (100 * a.drop).toFixed(1) : a.drop.toFixed(3), '', '', '', ''],
      [`${name}: model.onnx (int8)`, String(report.sizes.onnxBytes), report.sizes.onnxRatio.toFixed(3), '〃', '', int8[0].toFixed(3), (int8[0] / base[0]).toFixed(2), int8[1].toFixed(4), (int8[1] / base[1]).toFixed(2)],
      [`${name}: student float32 ONNX`, '', '', '', '', float[0].toFixed(3), (float[0] / base[0]).toFixed(2), float[1].toFixed(4), (float[1] / base[1]).toFixed(2)],
    );
    const s = report.seconds;
    lines.push(
      `${name}: student ${compressed.model.kind === 'transformer' ? `dModel ${compressed.model.dModel} dFf ${compressed.model.dFf}` : `hidden ${compressed.model.hidden.join('-')}`}; ${(100 * report.sparsity.pruned).toFixed(0)}% of int8 weights zero; ONNX vs TypeScript ${report.onnx.agreement.exact.toExponential(1)} (exact graph), ${report.onnx.agreement.full.toExponential(1)} (full optimizations); compression ${s.total.toFixed(0)} s (targets ${s.teacherTargets.toFixed(0)}, distill ${s.distill.toFixed(0)}, prune ${s.prune.toFixed(0)}, recover ${s.recover.toFixed(0)}, evaluate ${s.evaluate.toFixed(0)})`,
    );
  }
  rows.unshift(['teacher float32 (baseline)', String(f32), '1.000', pct(teacherScore!.metric), '0.0', base[0].toFixed(3), '1.00', base[1].toFixed(4), '1.00']);
  const head = ['model', 'bytes', 'ratio to float32', `${percent ? 'accuracy (%)' : 'MSE'} after ${teacher.config.evaluation.adaptSteps} steps`, percent ? 'points lost' : 'MSE added', 'ONNX ms, batch 25', 'ratio', 'ONNX ms, batch 1', 'ratio'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ');
  const task = teacher.config.task;
  const title = task.family === 'sotu' ? `State of the Union ${task.ways}-way ${task.shots}-shot (chance ${(100 / task.ways).toFixed(0)}%)` : `${task.family} ${task.shots}-shot`;
  console.log(`\n${title}: compression of ${teacher.checkpoint} (${values['eval-tasks']} meta-test tasks, mean ± 95% CI; teacher trained ${teacher.trainSeconds.toFixed(0)} s)`);
  console.log(line(head));
  console.log(widths.map((w) => '-'.repeat(w)).join('-|-'));
  for (const r of rows) console.log(line(r));
  for (const l of lines) console.log(l);
}

void main().then(
  () => process.exit(0),
  (err: Error) => {
    console.error(err);
    process.exit(1);
  },
);
