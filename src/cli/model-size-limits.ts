/**
 * The size refusals of `metatrain run`, `metatrain pretrain` and `metatrain coordinator`, from the config alone, before any directory is
 * locked or any tensor built: a model whose checkpoints Node could not write (src/checkpoint/checkpoint-size.ts), and
 * a model to pretrain that the wasm backend could not hold (src/model/wasm-model-limit.ts; the wasm workers of a
 * run are checked by the local cluster).
 */
import type { RunConfig } from '../core/config';
import { assertCheckpointFits } from '../checkpoint/checkpoint-size';
import { metaSpecOf } from '../coordinator/coordinator';
import { assertWasmCanHold } from '../model/wasm-model-limit';
import { pretrainingSpecOf } from '../pretrain/pretrained-body';
import { taskFamilyFor } from '../tasks/task-family';

/**
 * Refuses a model too large for what `command` does: pretraining (`pretrain`, and `run` with `model.init:
 * pretrained`) and meta-training (`run`, `coordinator`: a coordinator only meta-trains, from a body pretrained
 * elsewhere).
 * @throws ConfigError at `model` as `assertCheckpointFits` (pretraining or meta-training checkpoints) and, with the
 *   wasm backend, as `assertWasmCanHold` (pretraining); ConfigError / DatasetError as `taskFamilyFor` (`run`,
 *   `coordinator`).
 */
export function assertModelSizeFits(config: RunConfig, command: 'run' | 'pretrain' | 'coordinator'): void {
  // Without a pretraining section the pretraining stage refuses the config itself.
  if (config.pretraining && (command === 'pretrain' || (command === 'run' && config.model.init === 'pretrained'))) {
    const spec = pretrainingSpecOf(config.model);
    assertCheckpointFits(spec, 'pretraining');
    if (config.runtime.backend === 'wasm') assertWasmCanHold(spec, 'pretrain');
  }
  if (command !== 'pretrain') assertCheckpointFits(metaSpecOf(config, taskFamilyFor(config)), 'meta-training');
}
