/**
 * The run directory's meta-training checkpoints checked against how a command starts (a new run, or `--resume`)
 * before `run` or `coordinator` starts anything: a refused start must not have started workers, listened, or said
 * `listening` / `meta-training` first.
 */
import { checkpointsDir, configDifferences, configHash, runDir, type RunConfig } from '../core/config';
import { CheckpointStore } from '../checkpoint';
import { CheckpointError } from '../core/errors';
import { assertNoEarlierCheckpoints } from '../coordinator/earlier-checkpoints';
import { latestPretraining } from '../pretrain/pretraining-checkpoints';

/**
 * How a command starts on the run directory's checkpoints:
 * - `new`: a new run; the directory must hold no checkpoint (nothing is overwritten);
 * - `resume`: `run --resume`; the directory must hold a valid checkpoint of this config;
 * - `resume-if-any`: `coordinator --resume` (a first start and a restarted pod run the same command); a checkpoint,
 *   when there is one, must be of this config, and with none a new run starts.
 */
export type StartMode = 'new' | 'resume' | 'resume-if-any';

/** The meta-training checkpoints of the run directory of `config`. */
export function checkpointStoreOf(config: RunConfig): CheckpointStore {
  return new CheckpointStore(checkpointsDir(config), { keep: config.training.keepCheckpoints });
}

/**
 * Checks the run directory's checkpoints against `mode` (see {@link StartMode}); `outOption` is the command's option
 * that overrides `runtime.outDir` (`run`: `--out`), named in the advice when there is one.
 * @throws CheckpointError when starting a new run and the directory already holds checkpoints (naming them and the
 *   way on: src/coordinator/earlier-checkpoints.ts); when resuming and its newest valid checkpoint was written by
 *   another config (naming the changed fields), or none is valid; with `resume`, when it holds no checkpoint (saying
 *   where a new run's pretraining would continue from, when it has begun).
 */
export async function assertRunCheckpointsFit(config: RunConfig, mode: StartMode, outOption?: string): Promise<void> {
  const store = checkpointStoreOf(config);
  if (mode === 'new') return assertNoEarlierCheckpoints(config, store, outOption);
  // The coordinator loads it again to resume (and logs the warnings about skipped corrupt checkpoints).
  const found = await store.loadLatest(configHash(config), (recorded) => configDifferences(recorded, config));
  if (!found && mode === 'resume') {
    const dir = runDir(config);
    throw new CheckpointError(`--resume: no checkpoint to resume in ${checkpointsDir(config)}; drop --resume to start a new run in ${dir}${await newRunPretraining(config)}`);
  }
}

/**
 * What a new run of `config` does with the pretraining already in its run directory, for the `--resume` refusal:
 * `, which continues pretraining from step N/M (checkpoint DIR)`, `, which starts from the finished pretraining
 * (checkpoint DIR)`, or `''` (no pretraining stage, none begun, or none the new run could continue: it says why).
 */
async function newRunPretraining(config: RunConfig): Promise<string> {
  if (config.model.init !== 'pretrained' || !config.pretraining) return '';
  let found;
  try {
    found = await latestPretraining(config);
  } catch (e) {
    if (!(e instanceof CheckpointError)) throw e;
  }
  if (!found) return '';
  const { step, path } = found.checkpoint;
  const { steps } = config.pretraining;
  return step < steps ? `, which continues pretraining from step ${step}/${steps} (checkpoint ${path})` : `, which starts from the finished pretraining (checkpoint ${path})`;
}
