/**
 * The compression pipeline of one checkpoint (DESIGN.md, src/compress): load the meta-learned teacher (a LoRA
 * teacher's adapters merged into its weights for the student, ./merge-lora), distil it
 * into a narrower student that keeps fast adaptation (./distill, ./student), prune the student gradually
 * (./prune) with recovery training (./student-training), quantize its weights to int8 per output channel
 * (./quantize) — the head and every 1-D or learned-rate tensor stay float32, so the model can still be adapted —
 * evaluate teacher and compressed model few-shot on the same meta-test tasks, export ONNX (./onnx-export) and
 * check it in onnxruntime (./onnx-check). Returns the output files and the report; writing them is
 * ./compress-job's business.
 */
import type { RunConfig } from '../core/config';
import { configDifferences, configHash } from '../core/config';
import { CheckpointError, CompressionError } from '../core/errors';
import { digestOf } from '../core/file-digest';
import { countParams, paramSet, type ParamSet } from '../core/param-set';
import { deriveSeed } from '../core/rng';
import { meanCI95 } from '../core/stats';
import { loadCheckpoint, type Checkpoint } from '../checkpoint';
import { initBackend, type BackendName } from '../model/backend';
import { createModel } from '../model/create-model';
import type { Model } from '../model/model';
import { evaluateAdaptation } from '../meta/evaluate';
import { isLrName, modelParamsOf } from '../meta/meta-params';
import { taskMetric } from '../tasks/family';
import { taskFamilyFor } from '../tasks/task-family';
import type { Task, TaskFamily } from '../tasks/task';
import { COMPRESSED_MODEL_FILE, dequantizedParams, encodeCompressedModel, type CompressedModel } from './compressed-model';
import { ONNX_FILE, REPORT_FORMAT, type CompressionReport, type FewShotScore } from './compression-report';
import { teacherTargets } from './distill';
import { mergeLora } from './merge-lora';
import { checkOnnx, ONNX_CHECK_INPUTS, ONNX_EXACT_TOLERANCE } from './onnx-check';
import { exportOnnx } from './onnx-export';
import { ONNX_OPSET, type ExportWeight } from './onnx-graph';
import { sparsityOf } from './prune';
import { quantizePerChannel } from './quantize';
import { studentInit, studentModelConfig } from './student';
import { trainStudent, type TrainingProgress } from './student-training';

/** Meta-train tasks whose adapted-teacher targets are computed (cycled through by the training steps). */
export const TEACHER_TASK_POOL = 64;

/** What the pipeline needs besides the config. */
export interface PipelineInput {
  readonly jobId: string;
  readonly config: RunConfig;
  /** Teacher checkpoint directory. */
  readonly checkpoint: string;
  /** tfjs backend to compute on. @default 'wasm' */
  readonly backend?: BackendName;
  readonly signal?: AbortSignal;
  readonly onProgress?: (message: string, training?: TrainingProgress) => void;
  /** The teacher's few-shot score on the same `evalTasks` tasks, when already known (skips re-evaluating it). */
  readonly teacherScore?: FewShotScore;
}

/** The pipeline's products. */
export interface PipelineResult {
  readonly compressed: CompressedModel;
  /** Output files by name (`model.safetensors`, `model.onnx`); the report is written after them. */
  readonly files: ReadonlyMap<string, Uint8Array>;
  readonly report: CompressionReport;
}

/**
 * Compresses `input.checkpoint`.
 * @throws CheckpointError when the checkpoint is missing, corrupt or belongs to another config; CompressionError
 *   when the export fails its check, or (aborted) when `signal` aborts; DatasetError when the task family cannot
 *   be built.
 */
/**
 * Refuses a job whose config is not the run config of its checkpoint (another config hash).
 * @throws CheckpointError naming the checkpoint, both hashes, the fields that differ from the config the checkpoint
 *   records, and what the config must be.
 */
export function assertCheckpointOfConfig(checkpoint: Checkpoint, config: RunConfig): void {
  if (checkpoint.configHash === configHash(config)) return;
  const recorded = checkpoint.extra['config'] as RunConfig | undefined;
  const changed = recorded ? configDifferences(recorded, config) : [];
  throw new CheckpointError(
    `checkpoint ${checkpoint.path} was written by another config (hash ${checkpoint.configHash.slice(0, 12)}, job config ${configHash(config).slice(0, 12)}${changed.length > 0 ? `; changed: ${changed.join('; ')}` : ''}): ` +
      "the job config must be the run config of that checkpoint (with --config: the run's config file; without it, the config recorded in the checkpoint is used)",
  );
}

export async function runPipeline(input: PipelineInput): Promise<PipelineResult> {
  const { config, signal = new AbortController().signal } = input;
  const progress = input.onProgress ?? (() => undefined);
  const t0 = performance.now();
  const lap = (() => {
    let last = t0;
    return () => {
      const now = performance.now();
      const s = (now - last) / 1000;
      last = now;
      return s;
    };
  })();
  const checkAbort = async () => {
    await new Promise((resolve) => setImmediate(resolve));
    if (signal.aborted) throw new CompressionError('compression aborted', true);
  };

  await initBackend(input.backend ?? 'wasm');
  const checkpoint = await loadCheckpoint(input.checkpoint);
  assertCheckpointOfConfig(checkpoint, config);
  const family = taskFamilyFor(config);
  const outputs = family.outputs;
  const metric = taskMetric(config);
  const classification = metric === 'accuracy';
  const teacher = createModel(config.model, outputs);
  // A LoRA teacher is merged into plain weights first: the student (and the export) has no adapters and adapts its head.
  const base = mergeLora(checkpoint.params, config.model, config.algorithm);
  const studentConfig = studentModelConfig(base.model, config.compression.studentWidth);
  const student = createModel(studentConfig, outputs);
  const loadSeconds = lap();

  const c = config.compression;
  const totalSteps = c.distillSteps + c.pruneSteps + c.recoverySteps;
  const pool = Math.max(1, Math.min(TEACHER_TASK_POOL, totalSteps));
  progress(`adapting the teacher on ${pool} meta-train tasks`);
  const trainTasks = Array.from({ length: pool }, (_, i) => family.build(family.sampleSpec('train', deriveSeed(config.seed, 'compress', i))));
  const targets = teacherTargets(teacher, checkpoint.params, trainTasks, config.algorithm);
  const targetSeconds = lap();

  const prunable = [...student.spec].filter(([name, shape]) => shape.length === 2 && !student.headNames.includes(name)).map(([name]) => name);
  const trained = await trainStudent(student, studentInit(base.params, base.model, studentConfig), targets, prunable, c, base.algorithm, classification, signal, (p) =>
    // The step counts the three phases together (distill, prune, recovery): `step 7368/70000 (distill)`.
    progress(`step ${p.step}/${p.totalSteps} (${p.phase}): loss ${p.loss.toFixed(4)}, sparsity ${p.sparsity.toFixed(3)}`, p),
  );
  lap();

  const quantized = new Map(prunable.map((name) => [name, quantizePerChannel(trained.params.get(name)!, 1, name)] as const));
  const compressed: CompressedModel = {
    model: studentConfig,
    outputs,
    algorithm: { name: base.algorithm.name, adapt: base.algorithm.adapt, innerLr: base.algorithm.innerLr, headInit: base.algorithm.headInit },
    float: paramSet([...trained.params].filter(([name]) => !quantized.has(name))),
    quantized,
    source: { run: config.name, checkpoint: input.checkpoint, step: checkpoint.step, configHash: checkpoint.configHash },
  };
  const compressedParams = dequantizedParams(compressed);
  const quantizeSeconds = lap();

  progress(`evaluating teacher and compressed model on ${c.evalTasks} meta-test tasks`);
  const testTasks = Array.from({ length: c.evalTasks }, (_, i) => family.sampleSpec('test', deriveSeed(config.seed, 'test', i)));
  const teacherScore = input.teacherScore ?? (await fewShot(teacher, checkpoint.params, family, testTasks, config.evaluation.adaptSteps, config.algorithm, checkAbort));
  const compressedScore = await fewShot(student, compressedParams, family, testTasks, config.evaluation.adaptSteps, base.algorithm, checkAbort);
  const evaluateSeconds = lap();

  const weights = new Map<string, ExportWeight>([
    ...[...compressed.float].filter(([n]) => !isLrName(n)).map(([n, t]) => [n, { kind: 'float', tensor: t }] as const),
    ...[...quantized].map(([n, q]) => [n, { kind: 'int8', tensor: q }] as const),
  ]);
  const onnxBytes = exportOnnx(studentConfig, outputs, weights);
  const agreement = await checkOnnx(onnxBytes, studentConfig, outputs, compressedParams, deriveSeed(config.seed, 'onnx-check'));
  const modelBytes = encodeCompressedModel(compressed);
  const exportSeconds = lap();

  const files = new Map<string, Uint8Array>([
    [COMPRESSED_MODEL_FILE, modelBytes],
    [ONNX_FILE, onnxBytes],
  ]);
  const float32Bytes = 4 * countParams(modelParamsOf(checkpoint.params));
  const prunedValues = prunable.flatMap((n) => Array.from(compressedParams.get(n)!.data));
  const studentModelParams = modelParamsOf(compressedParams);
  const report: CompressionReport = {
    format: REPORT_FORMAT,
    jobId: input.jobId,
    run: config.name,
    checkpoint: input.checkpoint,
    step: checkpoint.step,
    settings: c,
    teacher: { model: config.model, params: countParams(modelParamsOf(checkpoint.params)) },
    student: { model: studentConfig, params: countParams(studentModelParams) },
    sizes: {
      float32Bytes,
      compressedBytes: modelBytes.length,
      ratio: modelBytes.length / float32Bytes,
      onnxBytes: onnxBytes.length,
      onnxRatio: onnxBytes.length / float32Bytes,
    },
    sparsity: {
      target: c.sparsity,
      pruned: sparsityOf(prunedValues),
      overall: sparsityOf([...studentModelParams.values()].flatMap((t) => Array.from(t.data))),
    },
    quantization: { scheme: 'int8 symmetric, per output channel (axis 1), zero point 0', int8: [...quantized.keys()], float32: [...compressed.float.keys()] },
    accuracy: {
      metric,
      tasks: c.evalTasks,
      adaptSteps: config.evaluation.adaptSteps,
      teacher: teacherScore,
      compressed: compressedScore,
      drop: classification ? teacherScore.metric.mean - compressedScore.metric.mean : compressedScore.metric.mean - teacherScore.metric.mean,
    },
    onnx: { file: ONNX_FILE, opset: ONNX_OPSET, agreement, tolerance: ONNX_EXACT_TOLERANCE, inputs: ONNX_CHECK_INPUTS },
    training: {
      teacherTasks: pool,
      steps: { distill: c.distillSteps, prune: c.pruneSteps, recover: c.recoverySteps },
      losses: trained.losses,
    },
    seconds: {
      load: loadSeconds,
      teacherTargets: targetSeconds,
      ...trained.seconds,
      quantize: quantizeSeconds,
      evaluate: evaluateSeconds,
      export: exportSeconds,
      total: (performance.now() - t0) / 1000,
    },
    files: Object.fromEntries([...files].map(([name, bytes]) => [name, digestOf(bytes)])),
    createdAt: new Date().toISOString(),
  };
  return { compressed, files, report };
}

/** Query metric and loss after `evaluation.adaptSteps` fine-tuning steps, mean ± 95% CI over `specs`. */
async function fewShot(
  model: Model,
  params: ParamSet,
  family: TaskFamily,
  specs: ReturnType<TaskFamily['sampleSpec']>[],
  steps: number,
  algorithm: RunConfig['algorithm'],
  checkAbort: () => Promise<void>,
): Promise<FewShotScore> {
  const metric: number[] = [];
  const loss: number[] = [];
  for (const spec of specs) {
    await checkAbort();
    const task: Task = family.build(spec);
    const curve = evaluateAdaptation(model, params, task, { steps, algorithm });
    metric.push(curve.metric.at(-1)!);
    loss.push(curve.loss.at(-1)!);
  }
  return { metric: meanCI95(metric), loss: meanCI95(loss) };
}
