/**
 * Where a run's pretraining checkpoints are (`<run dir>/pretrained`) and which pretraining config they belong to.
 * No tfjs: `run --resume`'s refusal reads them before anything starts (src/cli/run-checkpoints-fit.ts), in the
 * coordinator's entry point too.
 */
import { createHash } from 'node:crypto';
import { fieldDifferences, pretrainedDir, type RunConfig } from '../core/config';
import { CheckpointStore, type LatestCheckpoint } from '../checkpoint';

/** The pretraining checkpoints of the run directory of `config`. */
export function pretrainingCheckpoints(config: RunConfig): CheckpointStore {
  return new CheckpointStore(pretrainedDir(config), { keep: 2 });
}

/**
 * sha256 of what determines the pretrained parameters: seed, model architecture and tokenizer, the pretraining
 * section and the corpus fields of `task` (not `model.init`, the head, the LoRA fields or the meta-learning
 * sections). A resume with another hash is refused.
 */
export function pretrainingHash(config: RunConfig): string {
  return createHash('sha256').update(JSON.stringify(pretrainingFields(config))).digest('hex');
}

/**
 * The newest valid checkpoint of `store` (by default the pretraining checkpoints of `config`) that pretraining
 * with `config` continues from.
 * @returns undefined when there is none (a fresh start).
 * @throws CheckpointError when it was written by another pretraining config (naming the changed fields), or when
 *   checkpoints exist but none is valid.
 */
export function latestPretraining(config: RunConfig, store = pretrainingCheckpoints(config)): Promise<LatestCheckpoint | undefined> {
  return store.loadLatest(pretrainingHash(config), (recorded) => fieldDifferences(pretrainingFields(recorded), pretrainingFields(config)));
}

/** The fields of `config` that {@link pretrainingHash} covers. */
function pretrainingFields(config: RunConfig): Record<string, unknown> {
  const { init: _init, loraRank: _rank, loraAlpha: _alpha, ...model } = config.model;
  const { family, path, classSplit, passageChars, ways, shots, queryShots } = config.task;
  return { seed: config.seed, model, pretraining: config.pretraining, task: { family, path, classSplit, passageChars, ways, shots, queryShots } };
}
