/**
 * Reading one checkpoint directory with full verification (layout in checkpoint-manifest.ts): manifest schema,
 * each file's length and sha256, the safetensors framing, and the optimizer moments against the parameters' spec.
 */
import { basename } from 'node:path';
import { ShapeError } from '../core/errors';
import { digestMismatch } from '../core/file-digest';
import { assertMatchesSpec, paramSet, specOf, type NamedTensor, type ParamSet } from '../core/param-set';
import { decodeSafetensors } from '../core/safetensors';
import {
  checkpointError,
  MANIFEST_FILE,
  OPTIMIZER_FILE,
  PARAMS_FILE,
  parseManifest,
  parseStepDirName,
} from './checkpoint-manifest';
import { readDataPart, readManifestText } from './checkpoint-part';

/** Prefixes of the outer optimizer's first (`m/`) and second (`v/`) moment tensors in `optimizer.safetensors`. */
export const MOMENT_PREFIXES = { m: 'm/', v: 'v/' } as const;

/** Outer-optimizer (Adam) state: its step count and moments, each with the parameters' spec. */
export interface OptimizerState {
  readonly step: number;
  readonly m: ParamSet;
  readonly v: ParamSet;
}

/** A verified checkpoint. */
export interface Checkpoint {
  /** The checkpoint directory it was read from. */
  readonly path: string;
  readonly step: number;
  readonly configHash: string;
  readonly params: ParamSet;
  /** The outer optimizer's state; undefined for a checkpoint of parameters only (an import): start it afresh. */
  readonly optimizer?: OptimizerState;
  readonly rng: Readonly<Record<string, unknown>>;
  readonly metrics: Readonly<Record<string, number>>;
  readonly extra: Readonly<Record<string, unknown>>;
  /** ISO 8601 time of writing. */
  readonly createdAt: string;
}

/** Splits `optimizer.safetensors` tensors into the `m/` and `v/` moments; anything else is an error. */
function splitMoments(dir: string, all: ParamSet): { m: ParamSet; v: ParamSet } {
  const m: [string, NamedTensor][] = [];
  const v: [string, NamedTensor][] = [];
  for (const [name, t] of all) {
    if (name.startsWith(MOMENT_PREFIXES.m)) m.push([name.slice(MOMENT_PREFIXES.m.length), t]);
    else if (name.startsWith(MOMENT_PREFIXES.v)) v.push([name.slice(MOMENT_PREFIXES.v.length), t]);
    else throw checkpointError(dir, `${OPTIMIZER_FILE}: tensor ${name} has neither the m/ nor the v/ prefix`);
  }
  return { m: paramSet(m), v: paramSet(v) };
}

/** The `m/` and `v/` moments of `optimizer`, checked against the spec of `params`. */
function moments(path: string, params: ParamSet, optimizer: ParamSet): { m: ParamSet; v: ParamSet } {
  const { m, v } = splitMoments(path, optimizer);
  try {
    assertMatchesSpec(m, specOf(params), `${OPTIMIZER_FILE} m/`);
    assertMatchesSpec(v, specOf(params), `${OPTIMIZER_FILE} v/`);
  } catch (e) {
    if (e instanceof ShapeError) throw checkpointError(path, `${e.message} (compared with ${PARAMS_FILE})`, e);
    throw e;
  }
  return { m, v };
}

/**
 * Loads and verifies the checkpoint directory `path` (e.g. `runs/demo/step-00000042`, or any directory holding the
 * same three files, as passed to `metatrain adapt --checkpoint DIR`).
 * @returns the checkpoint; tensors are fresh arrays, bitwise equal to those saved; `optimizer` undefined when the
 *   checkpoint holds none (checkpoint-manifest.ts).
 * @throws CheckpointError `checkpoint PATH: REASON` when: manifest.json is missing, unreadable, larger than a
 *   manifest of its step can be (checkpoint-part.ts), not JSON or fails its schema; the directory name's step
 *   differs from the manifest's; a listed file is missing, has another length (truncated, or longer: then it is
 *   refused by its size, not read) or another sha256 than the manifest says; a safetensors file is malformed; the
 *   optimizer file holds a tensor without the m/ or v/ prefix, or moments whose names or shapes differ from the
 *   parameters'.
 */
export async function loadCheckpoint(path: string): Promise<Checkpoint> {
  const manifest = parseManifest(readManifestText(path), path);
  const dirStep = parseStepDirName(basename(path));
  if (dirStep !== undefined && dirStep !== manifest.step) {
    throw checkpointError(path, `${MANIFEST_FILE} says step ${manifest.step} but the directory is named for step ${dirStep}`);
  }
  const contents = new Map<string, Buffer>();
  for (const [name, digest] of Object.entries(manifest.files)) {
    const bytes = readDataPart(path, name, digest.bytes);
    const mismatch = digestMismatch(name, bytes, digest, MANIFEST_FILE);
    if (mismatch) throw checkpointError(path, mismatch);
    contents.set(name, bytes);
  }
  const decode = (name: string): ParamSet => {
    try {
      return decodeSafetensors(contents.get(name) as Buffer, name).params;
    } catch (e) {
      throw checkpointError(path, (e as Error).message, e);
    }
  };
  const params = decode(PARAMS_FILE);
  return {
    path,
    step: manifest.step,
    configHash: manifest.configHash,
    params,
    optimizer: manifest.optimizer && { step: manifest.optimizer.step, ...moments(path, params, decode(OPTIMIZER_FILE)) },
    rng: manifest.rng,
    metrics: manifest.metrics,
    extra: manifest.extra,
    createdAt: manifest.createdAt,
  };
}
