/**
 * Reading the files of one checkpoint directory within their limits, as metatrain wrote them: `manifest.json` within
 * what a manifest of its step can hold ({@link maxManifestBytes}), each data file within the length its manifest
 * lists. A file replaced by a much larger one (a copy gone wrong, a disk image, /dev/zero linked in) is refused by
 * its size, naming it and the limit, instead of read until memory runs out.
 */
import { constants } from 'node:buffer';
import { basename, join } from 'node:path';
import { readBoundedFile } from '../core/bounded-file';
import { MAX_TRAINING_STEPS } from '../core/config-fields';
import type { FileReadError } from '../core/errors';
import { MAX_SAFETENSORS_FILE_BYTES } from '../core/safetensors';
import { checkpointError, MANIFEST_FILE, parseStepDirName } from './checkpoint-manifest';

/**
 * What a manifest holds besides its history, in bytes (16 MiB): the run config (read from at most 1 MiB of YAML,
 * MAX_CONFIG_FILE_BYTES), or the Hugging Face config.json an import records (at most 1 MiB, MAX_HF_CONFIG_BYTES),
 * written as indented JSON, which can be a few times longer; the rng, metrics and file digests are a few hundred bytes.
 */
const MANIFEST_FIXED_BYTES = 16 << 20;

/**
 * What a manifest's history adds per step, in bytes: `extra.history` holds up to 8 numbers per step (meta-training:
 * steps, metaLoss, metaMetric, tasksPerSecond, workers, valSteps, valLoss, valMetric; pretraining 3), each written
 * on its own line in at most 34 bytes (8 spaces of indent, 24 characters for the longest double, `,` and a newline).
 */
const MANIFEST_BYTES_PER_STEP = 8 * 34;

/**
 * The largest `manifest.json` read for a checkpoint of `step` (from its directory name, `step-N`; undefined for a
 * directory named otherwise, taken as the largest step a config allows, MAX_TRAINING_STEPS): its fixed part and its
 * history, at most the longest string Node holds (a longer manifest could not have been written).
 */
export function maxManifestBytes(step: number | undefined): number {
  return Math.min(MANIFEST_FIXED_BYTES + MANIFEST_BYTES_PER_STEP * (step ?? MAX_TRAINING_STEPS), constants.MAX_STRING_LENGTH);
}

/**
 * The text of `dir`'s `manifest.json`, at most {@link maxManifestBytes} of the step its name says.
 * @throws CheckpointError `checkpoint DIR: …` when it is missing (`missing manifest.json`), cannot be read, is not a
 *   file, or is larger than that (`manifest.json: N bytes, more than the M bytes allowed for a manifest of step S`).
 */
export function readManifestText(dir: string): string {
  const step = parseStepDirName(basename(dir));
  const limit = step === undefined ? '' : ` for a manifest of step ${step}`;
  return readCheckpointPart(dir, MANIFEST_FILE, maxManifestBytes(step), limit).toString('utf8');
}

/**
 * The bytes of the data file `name` of checkpoint `dir`, at most `listedBytes` (its length in the manifest; at most
 * MAX_SAFETENSORS_FILE_BYTES, as every data file is a safetensors file). A shorter file is read, for the caller's
 * length and sha256 check to name.
 * @throws CheckpointError as {@link readManifestText}; for a longer file `NAME: N bytes, more than the M bytes allowed
 *   (the length manifest.json lists)`.
 */
export function readDataPart(dir: string, name: string, listedBytes: number): Buffer {
  return readCheckpointPart(dir, name, Math.min(listedBytes, MAX_SAFETENSORS_FILE_BYTES), ` (the length ${MANIFEST_FILE} lists)`);
}

/** Reads `name` of `dir` within `maxBytes`; `limit` says after a too-large refusal what the limit is. */
function readCheckpointPart(dir: string, name: string, maxBytes: number, limit: string): Buffer {
  return readBoundedFile(join(dir, name), maxBytes, (err: FileReadError) => {
    if (err.code === 'ENOENT') return checkpointError(dir, `missing ${name}`, err);
    return checkpointError(dir, `${name}: ${err.detail}${err.reason === 'too-large' ? limit : ''}`, err);
  });
}
