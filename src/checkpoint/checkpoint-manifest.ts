/**
 * The on-disk layout of one checkpoint directory and its `manifest.json` (format versions 1 and 2):
 *
 * ```
 * step-00000042/
 *   params.safetensors     meta-parameters (F32)
 *   optimizer.safetensors  outer-optimizer moments, names prefixed `m/` and `v/` (absent: no optimizer state)
 *   manifest.json          {format, formatVersion, step, configHash, optimizer?: {step}, rng, metrics, extra,
 *                           files: {name: {sha256, bytes}}, createdAt}
 * ```
 * A checkpoint without optimizer state (no optimizer.safetensors, no `optimizer` field: both or neither) holds
 * parameters only, such as an imported Hugging Face model (src/hf): a run resuming from it, or pretraining that
 * continues it, starts the outer optimizer afresh (Adam with zero moments, step 0), exactly what zero moments of
 * step 0 stored in the file meant, without writing twice the parameters' size of zeros.
 * The manifest is written last inside the directory, and the directory is published by one rename, so a
 * directory with this name is either complete or was damaged afterwards (which the sha256s detect).
 */
import { CheckpointError } from '../core/errors';
import type { FileDigest } from '../core/file-digest';

/** `format` field of every manifest. */
export const CHECKPOINT_FORMAT = 'metatrain-checkpoint';
/** `formatVersion` of a checkpoint with optimizer state: 1, which every metatrain reads. */
export const CHECKPOINT_FORMAT_VERSION = 1;
/**
 * `formatVersion` of a checkpoint of parameters only (no optimizer state): 2. A metatrain that reads version 1 only
 * required optimizer state; it refuses such a checkpoint by its version instead of by a missing file. This code reads
 * both (and a version 1 checkpoint without optimizer state, as metatrain 0.1.0 wrote for a while).
 */
export const PARAMETERS_ONLY_FORMAT_VERSION = 2;
export const PARAMS_FILE = 'params.safetensors';
export const OPTIMIZER_FILE = 'optimizer.safetensors';
export const MANIFEST_FILE = 'manifest.json';

/** Contents of `manifest.json`. */
export interface CheckpointManifest {
  readonly format: typeof CHECKPOINT_FORMAT;
  readonly formatVersion: typeof CHECKPOINT_FORMAT_VERSION | typeof PARAMETERS_ONLY_FORMAT_VERSION;
  /** Outer step the parameters are the result of. */
  readonly step: number;
  /** {@link configHash} of the run config that produced the checkpoint. */
  readonly configHash: string;
  /** Outer optimizer scalar state (its moments live in `optimizer.safetensors`); absent when it has none. */
  readonly optimizer?: { readonly step: number };
  readonly rng: Readonly<Record<string, unknown>>;
  readonly metrics: Readonly<Record<string, number>>;
  readonly extra: Readonly<Record<string, unknown>>;
  /** Every data file of the checkpoint: {@link PARAMS_FILE}, and {@link OPTIMIZER_FILE} when `optimizer` is present. */
  readonly files: Readonly<Record<string, FileDigest>>;
  /** ISO 8601 time of writing. */
  readonly createdAt: string;
}

const STEP_DIR = /^step-(\d{8,})$/;

/** Directory name of the checkpoint of `step`: `step-` and the step zero-padded to 8 digits (`step-00000042`). */
export function stepDirName(step: number): string {
  return `step-${String(step).padStart(8, '0')}`;
}

/** The step a checkpoint directory name stands for, or undefined when `name` is not one (temp dirs, files). */
export function parseStepDirName(name: string): number | undefined {
  const m = STEP_DIR.exec(name);
  if (!m) return undefined;
  const step = Number(m[1]);
  return Number.isSafeInteger(step) ? step : undefined;
}

/** A CheckpointError about the checkpoint directory `dir`: `checkpoint DIR: DETAIL`. */
export function checkpointError(dir: string, detail: string, cause?: unknown): CheckpointError {
  return new CheckpointError(`checkpoint ${dir}: ${detail}`, cause === undefined ? undefined : { cause });
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isStep(v: unknown): v is number {
  return Number.isSafeInteger(v) && (v as number) >= 0;
}

/**
 * Parses and validates `manifest.json` text.
 * @param dir the checkpoint directory, named in errors.
 * @returns the manifest; `extra` defaults to `{}`.
 * @throws CheckpointError naming `dir` and the first bad field: not JSON, wrong format or version, step /
 *   optimizer.step not a non-negative integer, empty configHash, optimizer.safetensors listed without the optimizer
 *   field or the other way round, rng or extra not an object, a metric not a finite
 *   number, a file digest malformed or its name not a plain file name, a required file not listed, bad createdAt.
 */
export function parseManifest(text: string, dir: string): CheckpointManifest {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw checkpointError(dir, `${MANIFEST_FILE} is not valid JSON (${(e as Error).message})`, e);
  }
  const bad: (field: string, value: unknown, want: string) => never = (field, value, want) => {
    throw checkpointError(dir, `${MANIFEST_FILE}: ${field} is ${JSON.stringify(value)}, expected ${want}`);
  };
  if (!isPlainObject(raw)) bad('the top level', raw, 'an object');
  const { format, formatVersion, step, configHash, optimizer, rng, metrics, extra = {}, files, createdAt } = raw;
  if (format !== CHECKPOINT_FORMAT) bad('format', format, JSON.stringify(CHECKPOINT_FORMAT));
  if (formatVersion !== CHECKPOINT_FORMAT_VERSION && formatVersion !== PARAMETERS_ONLY_FORMAT_VERSION) {
    bad('formatVersion', formatVersion, `${CHECKPOINT_FORMAT_VERSION} or ${PARAMETERS_ONLY_FORMAT_VERSION} (a newer metatrain wrote it?)`);
  }
  if (!isStep(step)) bad('step', step, 'a non-negative integer');
  if (typeof configHash !== 'string' || configHash === '') bad('configHash', configHash, 'a non-empty string');
  if (optimizer !== undefined && (!isPlainObject(optimizer) || !isStep(optimizer.step))) bad('optimizer', optimizer, '{"step": non-negative integer}');
  if (!isPlainObject(rng)) bad('rng', rng, 'an object');
  if (!isPlainObject(extra)) bad('extra', extra, 'an object');
  if (!isPlainObject(metrics)) bad('metrics', metrics, 'an object');
  for (const [k, v] of Object.entries(metrics)) {
    if (typeof v !== 'number' || !Number.isFinite(v)) bad(`metrics.${k}`, v, 'a finite number');
  }
  if (!isPlainObject(files)) bad('files', files, 'an object');
  for (const [name, d] of Object.entries(files)) {
    const ok = isPlainObject(d) && typeof d.sha256 === 'string' && /^[0-9a-f]{64}$/.test(d.sha256) && isStep(d.bytes);
    if (!ok) bad(`files.${name}`, d, '{"sha256": 64 lowercase hex digits, "bytes": non-negative integer}');
    if (name.includes('/') || name.includes('\\') || name === '..' || name === '.') bad('a file name', name, 'a plain file name');
  }
  if (!(PARAMS_FILE in files)) bad('files', Object.keys(files), `a list naming ${PARAMS_FILE}`);
  if ((optimizer === undefined) !== !(OPTIMIZER_FILE in files)) {
    bad('files', Object.keys(files), optimizer === undefined ? `no ${OPTIMIZER_FILE} when there is no optimizer field` : `a list naming ${OPTIMIZER_FILE}, as the optimizer field says there is optimizer state`);
  }
  if (typeof createdAt !== 'string' || Number.isNaN(Date.parse(createdAt))) bad('createdAt', createdAt, 'an ISO 8601 time');
  return { ...raw, extra } as unknown as CheckpointManifest;
}
