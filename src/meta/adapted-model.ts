/**
 * The adapted-model directory `metatrain adapt` writes and `metatrain predict` reads:
 * - `model.safetensors`: the adapted parameters (F32; metadata `labels`, a JSON array of label names),
 * - `adapted.json`: the model config (`model`), label names (`labels`: output i is `labels[i]`), the adapting
 *   algorithm, and how the step count was chosen (held-out accuracy, curve, source checkpoint and data),
 * - `tokenizer.json` ({@link ADAPTED_TOKENIZER_FILE}), for a model whose tokenizer is a file (`tokenizer: hf`): a copy,
 *   which `model.tokenizerPath` names relative to the directory, so the directory can be moved or copied whole.
 *   Directories written before hold an absolute `tokenizerPath` (the import's file), still read as is.
 */
import { statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { readBoundedFile } from '../core/bounded-file';
import { modelSchema } from '../core/config';
import { CheckpointError } from '../core/errors';
import { assertFinite, assertMatchesSpec, type ParamSet } from '../core/param-set';
import { decodeSafetensors, MAX_SAFETENSORS_FILE_BYTES } from '../core/safetensors';
import { architectureOf, type ModelConfig } from '../model/architecture';

/** Parameters file of an adapted model. */
export const ADAPTED_PARAMS_FILE = 'model.safetensors';
/** The tokenizer file of an adapted model whose tokenizer is a file (`model.tokenizerPath` names it, relative). */
export const ADAPTED_TOKENIZER_FILE = 'tokenizer.json';
/** Description file of an adapted model. */
export const ADAPTED_REPORT_FILE = 'adapted.json';

/**
 * The largest {@link ADAPTED_REPORT_FILE} read, in bytes (16 MiB): adapt writes some KB (its longest part, the
 * held-out accuracy after each of up to 10,000 steps, about 250 KB), so a larger file is not one adapt wrote.
 */
export const MAX_ADAPTED_REPORT_BYTES = 16 << 20;

/** An adapted model in memory: what prediction needs. */
export interface AdaptedModel {
  /** The architecture (`createModel(model, labels.length)` builds it); `tokenizerPath`, if any, absolute. */
  readonly model: ModelConfig;
  /** Label names: output i of the model is `labels[i]`. */
  readonly labels: readonly string[];
  /** Parameters, spec `architectureOf(model, labels.length).spec`. */
  readonly params: ParamSet;
}

/**
 * Whether `dir` looks like an adapted model (holds {@link ADAPTED_REPORT_FILE}); a checkpoint or compressed
 * model directory does not.
 */
export function isAdaptedModelDir(dir: string): boolean {
  try {
    return statSync(join(dir, ADAPTED_REPORT_FILE)).isFile();
  } catch {
    return false;
  }
}

/**
 * Reads and checks an adapted-model directory.
 * @throws CheckpointError naming the file and the field when a file is missing or unreadable, not a regular file
 *   or a pipe, larger than its limit ({@link MAX_ADAPTED_REPORT_BYTES}, MAX_SAFETENSORS_FILE_BYTES), `adapted.json` is
 *   not JSON or lacks a valid `model` or `labels` (a non-empty array of distinct non-empty strings, at least 2),
 *   the labels in the parameters file differ from `adapted.json`, or the parameters do not match the model's
 *   spec or hold NaN/Inf. (A missing tokenizer file is named when the tokenizer is first used.)
 */
export function loadAdaptedModel(dir: string): AdaptedModel {
  const reportPath = join(dir, ADAPTED_REPORT_FILE);
  const paramsPath = join(dir, ADAPTED_PARAMS_FILE);
  const report = readJson(reportPath, MAX_ADAPTED_REPORT_BYTES);
  const parsed = modelSchema.safeParse(report.model);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new CheckpointError(`${reportPath}: field model${issue.path.map((p) => `.${String(p)}`).join('')}: ${issue.message}`);
  }
  const labels = checkLabels(report.labels, reportPath);
  const bytes = readBytes(paramsPath, MAX_SAFETENSORS_FILE_BYTES);
  const { params, metadata } = decodeSafetensors(bytes, paramsPath);
  if (metadata.labels !== undefined && metadata.labels !== JSON.stringify(labels)) {
    throw new CheckpointError(`${paramsPath}: metadata labels ${metadata.labels.slice(0, 200)} differ from labels in ${reportPath}; the two files come from different adaptations`);
  }
  try {
    assertMatchesSpec(params, architectureOf(parsed.data, labels.length).spec, `parameters of the ${labels.length}-label model in ${reportPath}`);
    assertFinite(params, `parameters in ${paramsPath}`);
  } catch (err) {
    throw new CheckpointError(`${paramsPath}: ${(err as Error).message}`, { cause: err });
  }
  const { tokenizerPath } = parsed.data;
  const model = tokenizerPath !== undefined && !isAbsolute(tokenizerPath) ? { ...parsed.data, tokenizerPath: resolve(dir, tokenizerPath) } : parsed.data;
  return { model, labels, params };
}

/** The bytes of `path`, at most `maxBytes`; CheckpointError naming it when it cannot be read, is not a file or is larger. */
function readBytes(path: string, maxBytes: number): Buffer {
  return readBoundedFile(path, maxBytes, (err) =>
    new CheckpointError(err.code === 'ENOENT' ? `cannot read ${path}: no such file (is this a directory written by metatrain adapt?)` : `${err.message}${err.reason === 'unreadable' ? '' : ': not a file metatrain adapt wrote'}`, { cause: err }),
  );
}

function readJson(path: string, maxBytes: number): Record<string, unknown> {
  const text = readBytes(path, maxBytes).toString('utf8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new CheckpointError(`${path}: not valid JSON (${(err as Error).message})`, { cause: err });
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new CheckpointError(`${path}: expected a JSON object`);
  return value as Record<string, unknown>;
}

function checkLabels(labels: unknown, path: string): string[] {
  if (!Array.isArray(labels) || labels.length < 2) throw new CheckpointError(`${path}: field labels must be an array of at least 2 label names`);
  labels.forEach((l, i) => {
    if (typeof l !== 'string' || l.length === 0) throw new CheckpointError(`${path}: field labels[${i}] must be a non-empty string, got ${JSON.stringify(l)?.slice(0, 60)}`);
  });
  if (new Set(labels).size !== labels.length) throw new CheckpointError(`${path}: field labels has duplicate names`);
  return labels as string[];
}
