/**
 * `compression.json`: what a compression job produced and measured. Every number is measured by the job itself.
 */
import { existsSync, lstatSync, readlinkSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { z } from 'zod';
import { readBoundedFile } from '../core/bounded-file';
import { FileReadError, OtherCompressionError } from '../core/errors';
import type { RunConfig } from '../core/config';
import type { FileDigest } from '../core/file-digest';
import type { MeanCI } from '../core/stats';
import type { ModelConfig } from '../model/architecture';
import type { TaskMetric } from '../tasks/family';
import type { OnnxAgreement } from './onnx-check';
import type { TrainingPhase } from './student-training';

/** `format` of the report. */
export const REPORT_FORMAT = 'metatrain-compression-report';
/** File name of the report in the output directory; written last. */
export const REPORT_FILE = 'compression.json';
/** File name of the int8 ONNX model. */
export const ONNX_FILE = 'model.onnx';

/** Few-shot evaluation of one model on the meta-test tasks. */
export interface FewShotScore {
  /** Query metric after `adaptSteps` fine-tuning steps (accuracy in [0, 1], or MSE), mean ± 95% CI over tasks. */
  readonly metric: MeanCI;
  /** Query loss after `adaptSteps` steps. */
  readonly loss: MeanCI;
}

/** The report. */
export interface CompressionReport {
  readonly format: typeof REPORT_FORMAT;
  readonly jobId: string;
  readonly run: string;
  /** The teacher checkpoint and its step. */
  readonly checkpoint: string;
  readonly step: number;
  /** The run config's `compression` section the job ran with (absent in reports written before it was recorded). */
  readonly settings?: RunConfig['compression'];
  readonly teacher: { readonly model: ModelConfig; readonly params: number };
  readonly student: { readonly model: ModelConfig; readonly params: number };
  readonly sizes: {
    /** 4 bytes × the teacher's model parameters (the float32 meta-initialization, learned rates excluded). */
    readonly float32Bytes: number;
    /** Bytes of `model.safetensors` (sparse int8 + float head). */
    readonly compressedBytes: number;
    /** compressedBytes / float32Bytes. */
    readonly ratio: number;
    /** Bytes of `model.onnx` (dense int8 weights: ONNX has no sparse int8 initializer onnxruntime reads). */
    readonly onnxBytes: number;
    readonly onnxRatio: number;
  };
  readonly sparsity: {
    readonly target: number;
    /** Zeros / weights over the pruned tensors. */
    readonly pruned: number;
    /** Zeros / all student parameters. */
    readonly overall: number;
  };
  readonly quantization: {
    readonly scheme: 'int8 symmetric, per output channel (axis 1), zero point 0';
    /** Tensors stored as int8. */
    readonly int8: readonly string[];
    /** Tensors kept in float32 (the head and other adaptable or 1-D parameters). */
    readonly float32: readonly string[];
  };
  readonly accuracy: {
    readonly metric: TaskMetric;
    /** Meta-test tasks (the run's first `compression.evalTasks`). */
    readonly tasks: number;
    /** Fine-tuning steps on each task's support set (`evaluation.adaptSteps`). */
    readonly adaptSteps: number;
    /** The meta-learned float32 teacher. */
    readonly teacher: FewShotScore;
    /** The compressed model (int8 weights dequantized, exactly what `model.onnx` computes), adapted from its own initialization. */
    readonly compressed: FewShotScore;
    /** Quality lost: teacher − compressed accuracy, or compressed − teacher MSE (positive = worse than the teacher). */
    readonly drop: number;
  };
  readonly onnx: {
    readonly file: typeof ONNX_FILE;
    readonly opset: number;
    /** Largest |ONNX − TypeScript| relative to max(1, max |output|) on random inputs, per onnxruntime level. */
    readonly agreement: OnnxAgreement;
    readonly tolerance: number;
    readonly inputs: number;
  };
  readonly training: {
    readonly teacherTasks: number;
    readonly steps: Record<TrainingPhase, number>;
    readonly losses: Partial<Record<TrainingPhase, { first: number; last: number }>>;
  };
  readonly seconds: Readonly<Record<'load' | 'teacherTargets' | TrainingPhase | 'quantize' | 'evaluate' | 'export' | 'total', number>>;
  /** Output files (the report excluded). */
  readonly files: Readonly<Record<string, FileDigest>>;
  readonly createdAt: string;
}

/**
 * The largest {@link REPORT_FILE} read, in bytes (16 MiB): a compression writes some KB, so a larger file (or a
 * device in its place) is not one it wrote.
 */
export const MAX_REPORT_BYTES = 16 << 20;

/**
 * The text of the report in `outDir` (at most {@link MAX_REPORT_BYTES}), or undefined when there is none.
 * @throws FileReadError naming the file when it cannot be read (other than missing), is not a regular file or a
 *   pipe, or is larger than the limit.
 */
export function readReportText(outDir: string): string | undefined {
  try {
    return readBoundedFile(join(outDir, REPORT_FILE), MAX_REPORT_BYTES).toString('utf8');
  } catch (e) {
    if (e instanceof FileReadError && e.code === 'ENOENT') return undefined;
    throw e;
  }
}

/** The fields of a report that say which compression it is (checked on reading: the rest is only displayed). */
const reportIdentity = z.object({ format: z.literal(REPORT_FORMAT), jobId: z.string(), run: z.string(), checkpoint: z.string(), step: z.number().int().nonnegative() });

/**
 * Why the entry at `path` itself (a link not followed) is not the regular file a compression publishes as its
 * report, e.g. `a symbolic link to /data/r.json, which does not exist`, `a directory, not a regular file`; undefined
 * when it is a regular file or cannot be looked at (missing, unreadable: reading it says which).
 */
function notRegularFile(path: string): string | undefined {
  let entry;
  try {
    entry = lstatSync(path);
  } catch {
    return undefined;
  }
  if (entry.isFile()) return undefined;
  if (entry.isSymbolicLink()) {
    const target = resolve(dirname(path), readlinkSync(path));
    return `a symbolic link to ${target}${existsSync(target) ? '' : ', which does not exist'}; a compression writes its report as a regular file`;
  }
  return `${entry.isDirectory() ? 'a directory' : 'a special file'}, not a regular file`;
}

/**
 * The report of a committed result in `outDir`, or undefined when there is none.
 * @throws FileReadError as {@link readReportText}; OtherCompressionError naming the file when it is not a report a
 *   compression wrote (a symbolic link, to a file or to nothing, a directory or a pipe; not JSON, or without its
 *   format, job id, run, checkpoint and step), e.g. `runs/x/compressed/compression.json is not a compression report
 *   (step: expected number, received undefined): move runs/x/compressed elsewhere or remove it`.
 */
export async function committedReport(outDir: string): Promise<CompressionReport | undefined> {
  const path = join(outDir, REPORT_FILE);
  const notAReport = (why: string, cause?: unknown) => new OtherCompressionError(`${path} is not a compression report (${why}): move ${dirname(path)} elsewhere or remove it`, { cause });
  // Before reading: a link to nothing reads as missing, and the compression then fails only at its final rename.
  const notAFile = notRegularFile(path);
  if (notAFile !== undefined) throw notAReport(notAFile);
  const text = readReportText(outDir);
  if (text === undefined) return undefined;
  let report: unknown;
  try {
    report = JSON.parse(text);
  } catch (e) {
    throw notAReport(`not JSON: ${(e as Error).message}`, e);
  }
  const checked = reportIdentity.safeParse(report);
  if (!checked.success) throw notAReport(checked.error.issues.map((i) => (i.path.length > 0 ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; '));
  return report as CompressionReport;
}
