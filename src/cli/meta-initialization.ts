/** Loading a meta-initialization (a checkpoint of `metatrain run`, or a compressed model), as adapt starts from. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { isTextModelKind, parseRecordedConfig, runModelConfig } from '../core/config';
import { CheckpointError } from '../core/errors';
import { loadCheckpoint, notOneCheckpoint } from '../checkpoint';
import { COMPRESSED_MODEL_FILE, dequantizedParams, loadCompressedModel } from '../compress/compressed-model';
import { isAdaptedModelDir } from '../meta/adapted-model';
import { bodyOnlyCheckpoint, META_INITIALIZATIONS } from './body-only-checkpoint';

/**
 * The meta-initialization at `path`, a meta-learned checkpoint or a compressed model (int8 weights dequantized):
 * its parameters, model, ways, algorithm and seed.
 * @throws CheckpointError naming `path` (as `--checkpoint`) when it is missing, an adapted model, a checkpoint of an
 *   encoder body only, not one checkpoint, or a checkpoint that records no run config; the loaders' errors otherwise.
 */
export async function loadInitialization(path: string) {
  if (!existsSync(path)) throw new CheckpointError(`--checkpoint ${path}: no such directory (give a checkpoint directory printed by metatrain run, e.g. runs/NAME/checkpoints/step-N, or runs/NAME/compressed)`);
  if (isAdaptedModelDir(path)) throw new CheckpointError(`--checkpoint ${path} is a model already adapted by metatrain adapt: use it with metatrain predict --model, or adapt the checkpoint it came from`);
  if (!existsSync(join(path, 'manifest.json')) && existsSync(join(path, COMPRESSED_MODEL_FILE))) {
    const c = await loadCompressedModel(path);
    return { params: dequantizedParams(c), model: c.model, ways: c.outputs, algorithm: c.algorithm, seed: 0, compressed: true };
  }
  const bodyOnly = bodyOnlyCheckpoint(path);
  if (bodyOnly) throw new CheckpointError(`--checkpoint ${path} is ${bodyOnly}: give ${META_INITIALIZATIONS}`);
  const notOne = await notOneCheckpoint(path);
  if (notOne) throw new CheckpointError(`--checkpoint ${path} ${notOne.problem}: give ${notOne.instead ?? META_INITIALIZATIONS}`);
  const checkpoint = await loadCheckpoint(path);
  if (!checkpoint.extra.config) throw new CheckpointError(`checkpoint ${path} does not record its run config; it was not written by metatrain run`);
  const config = parseRecordedConfig(checkpoint.extra.config);
  return { params: checkpoint.params, model: runModelConfig(config), ways: config.task.ways, algorithm: config.algorithm, seed: config.seed, compressed: false };
}

/**
 * Refuses a model of `kind` other than a text classifier: `command` (adapt, predict) works on those only.
 * @throws Error `DIR holds a sinusoid-mlp model; predict works on text classifiers (transformer, bert)`.
 */
export function assertTextClassifier(dir: string, kind: string, command: string): void {
  if (!isTextModelKind(kind)) throw new Error(`${dir} holds a ${kind} model; ${command} works on text classifiers (transformer, bert)`);
}
