/**
 * The bytes of one checkpoint (layout in checkpoint-manifest.ts): both safetensors files and the manifest that
 * records their sha256, after checking what the caller gives.
 */
import { CheckpointError } from '../core/errors';
import { digestOf, type FileDigest } from '../core/file-digest';
import { assertMatchesSpec, paramSet, specOf, type ParamSet } from '../core/param-set';
import { encodeSafetensors } from '../core/safetensors';
import { MOMENT_PREFIXES, type OptimizerState } from './checkpoint-load';
import {
  CHECKPOINT_FORMAT,
  CHECKPOINT_FORMAT_VERSION,
  PARAMETERS_ONLY_FORMAT_VERSION,
  MANIFEST_FILE,
  OPTIMIZER_FILE,
  PARAMS_FILE,
  type CheckpointManifest,
} from './checkpoint-manifest';

/** What `CheckpointStore.save` writes. `m` and `v` must have the spec of `params`. */
export interface CheckpointInput {
  /** Outer step the parameters result from; non-negative integer. */
  readonly step: number;
  readonly params: ParamSet;
  /** The outer optimizer's state; omitted for parameters only (an import), which a resume starts afresh. */
  readonly optimizer?: OptimizerState;
  /** configHash() of the run config; a resume with another hash is refused. Non-empty. */
  readonly configHash: string;
  /** RNG state; must survive JSON (no bigint, no NaN). */
  readonly rng: Readonly<Record<string, unknown>>;
  /** Finite numbers only (JSON has no NaN/Infinity). */
  readonly metrics: Readonly<Record<string, number>>;
  readonly extra?: Readonly<Record<string, unknown>>;
  /** Marks this checkpoint as the best so far (kept whatever `keep` says; `CheckpointStore.loadBest`). */
  readonly best?: boolean;
}

/** `params` with every name prefixed. */
function prefixed(prefix: string, params: ParamSet): ParamSet {
  return paramSet([...params].map(([n, t]) => [prefix + n, t] as const));
}

/** Checks what save() is given before anything touches the disk. */
function validateInput(input: CheckpointInput): void {
  const fail = (detail: string): never => {
    throw new CheckpointError(`cannot save checkpoint of step ${input.step}: ${detail}`);
  };
  if (!Number.isSafeInteger(input.step) || input.step < 0) fail('step must be a non-negative integer');
  if (typeof input.configHash !== 'string' || input.configHash === '') fail('configHash is empty');
  const { optimizer } = input;
  if (!optimizer) return;
  if (!Number.isSafeInteger(optimizer.step) || optimizer.step < 0) fail(`optimizer.step ${optimizer.step} is not a non-negative integer`);
  assertMatchesSpec(optimizer.m, specOf(input.params), `checkpoint of step ${input.step}: optimizer m`);
  assertMatchesSpec(optimizer.v, specOf(input.params), `checkpoint of step ${input.step}: optimizer v`);
}

/**
 * A manifest as JSON bytes, refusing values JSON would change or drop: NaN/±Infinity (would become null), bigint,
 * functions and symbols. The error names the offending key.
 */
function manifestBytes(manifest: CheckpointManifest): Buffer {
  const text = JSON.stringify(
    manifest,
    (key, value: unknown) => {
      const kind = typeof value;
      if ((kind === 'number' && !Number.isFinite(value)) || kind === 'bigint' || kind === 'function' || kind === 'symbol') {
        throw new CheckpointError(`cannot save checkpoint of step ${manifest.step}: ${key} is ${String(value)}, which JSON cannot store`);
      }
      return value;
    },
    2,
  );
  return Buffer.from(`${text}\n`, 'utf8');
}

/**
 * Serializes a checkpoint.
 * @returns file name → contents, in writing order: params.safetensors, optimizer.safetensors (moments named `m/…`,
 *   `v/…`; only when `input.optimizer` is given), then manifest.json (written last, so a complete manifest implies complete files).
 * @throws CheckpointError when the step or optimizer step is not a non-negative integer, configHash is empty, or a
 *   metric, rng or extra value does not survive JSON (NaN, ±Infinity, bigint, function); ShapeError when a moment's spec differs from the
 *   parameters'.
 */
export function encodeCheckpoint(input: CheckpointInput): Map<string, Buffer> {
  validateInput(input);
  const { optimizer } = input;
  const files = new Map<string, Buffer>([[PARAMS_FILE, encodeSafetensors(input.params)]]);
  if (optimizer) files.set(OPTIMIZER_FILE, encodeSafetensors(paramSet([...prefixed(MOMENT_PREFIXES.m, optimizer.m), ...prefixed(MOMENT_PREFIXES.v, optimizer.v)])));
  const digests: Record<string, FileDigest> = {};
  for (const [name, bytes] of files) digests[name] = digestOf(bytes);
  const manifest: CheckpointManifest = {
    format: CHECKPOINT_FORMAT,
    formatVersion: optimizer ? CHECKPOINT_FORMAT_VERSION : PARAMETERS_ONLY_FORMAT_VERSION,
    step: input.step,
    configHash: input.configHash,
    ...(optimizer && { optimizer: { step: optimizer.step } }),
    rng: input.rng,
    metrics: input.metrics,
    extra: input.extra ?? {},
    files: digests,
    createdAt: new Date().toISOString(),
  };
  files.set(MANIFEST_FILE, manifestBytes(manifest));
  return files;
}
