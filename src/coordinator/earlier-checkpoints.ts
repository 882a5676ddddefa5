/**
 * A new run (not resumed) refused where an earlier run left meta-training checkpoints, with the way on that works:
 * `--resume` only when it would go on from them with this config and not fail as the earlier run did; otherwise
 * another run directory. Checked by `run` and `coordinator` before anything starts (src/cli/run-checkpoints-fit.ts)
 * and by meta-training itself (src/coordinator/meta-train.ts).
 */
import { join } from 'node:path';
import { configDifferences, configHash, runDir, type RunConfig } from '../core/config';
import { foreignCheckpointFiles, type CheckpointEntry, type CheckpointStore, type LatestCheckpoint } from '../checkpoint';
import { CheckpointError } from '../core/errors';
import { firstNames } from '../core/first-names';
import { isFinishedRun, readSummary, SUMMARY_FILE } from '../summary';

/**
 * Resolves when `store` (the meta-training checkpoints of the run directory of `config`) holds no checkpoint: a new
 * run never overwrites or mixes with an earlier one.
 * @param outOption the command's option that overrides `runtime.outDir` (`run`: `--out`), named in the advice;
 *   omitted for a command without one (`coordinator`).
 * @throws CheckpointError naming the newest checkpoint (`… and 2 other checkpoint(s) already exist`, or `… already
 *   exists` when it is the only one) and what to do: `continue that run with --resume, or choose
 *   another runtime.outDir (--out) or remove it`; without `--resume` when that would be refused or fail again: the
 *   checkpoints are of another config (the changed fields named), none of them can be loaded, or the earlier run of
 *   this config diverged (its summary.json says what: resumed, it would diverge again). Instead, when its summary.json
 *   says the run finished at the newest checkpoint: `runs/x holds a finished run (succeeded at step 20, see
 *   runs/x/summary.json): give --out a new directory to run again, or --resume to evaluate and compress it again`,
 *   then what of a user's its checkpoint directories hold, as below (`; runs/x/checkpoints/step-00000020 holds files a
 *   checkpoint does not (notes.md): move them elsewhere`);
 *   when no checkpoint can be loaded and a checkpoint's directory holds files a checkpoint does not:
 *   `runs/x/checkpoints/step-00000001 holds files a checkpoint does not (notes.txt): move them elsewhere`.
 */
export async function assertNoEarlierCheckpoints(config: RunConfig, store: CheckpointStore, outOption?: string): Promise<void> {
  const existing = await store.list();
  if (existing.length === 0) return;
  const elsewhere = `choose another runtime.outDir${outOption ? ` (${outOption})` : ''} or remove it`;
  const others = existing.length - 1;
  const found = others === 0 ? `${existing[0]!.path} already exists` : `${existing.at(-1)!.path} and ${others} other checkpoint(s) already exist`;
  throw new CheckpointError(await refusal(config, store, found, { elsewhere, one: others === 0, outOption, existing }));
}

/**
 * The refusal of {@link assertNoEarlierCheckpoints}: `<found>: continue that run with --resume, or <elsewhere>`, or
 * why `--resume` would not do and `<elsewhere>` (`one`: the store holds one checkpoint); instead, what of the user's
 * is in the checkpoint directories when none can be loaded, or that the run finished ({@link isFinishedRun}).
 */
async function refusal(config: RunConfig, store: CheckpointStore, found: string, way: { elsewhere: string; one: boolean; outOption?: string; existing: readonly CheckpointEntry[] }): Promise<string> {
  const { elsewhere, one } = way;
  let newest: LatestCheckpoint | undefined;
  try {
    newest = await store.loadLatest();
  } catch (err) {
    if (!(err instanceof CheckpointError)) throw err;
  }
  if (!newest) {
    const foreign = await usersFilesIn(way.existing);
    if (foreign !== undefined) return foreign;
    return `${found}, ${one ? 'which --resume could not load' : 'none of which --resume could load'}: ${elsewhere}`;
  }
  if (newest.checkpoint.configHash !== configHash(config)) {
    const recorded = newest.checkpoint.extra['config'] as RunConfig | undefined;
    const changed = recorded ? configDifferences(recorded, config) : [];
    return `${found}, written by another config${changed.length > 0 ? ` (changed: ${changed.join('; ')})` : ''}, which --resume would refuse: ${elsewhere}`;
  }
  const summary = await readSummary(runDir(config)).catch(() => undefined);
  if (summary?.divergence !== undefined) return `${found}, of a run of this config that failed: ${summary.divergence}; --resume would diverge again: change the config, then ${elsewhere}`;
  if (summary && isFinishedRun(summary) && summary.steps === newest.checkpoint.step) {
    const dir = runDir(config);
    const foreign = await usersFilesIn(way.existing);
    return `${dir} holds a finished run (succeeded at step ${summary.steps}, see ${join(dir, SUMMARY_FILE)}): give ${way.outOption ?? 'runtime.outDir'} a new directory to run again, or --resume to evaluate and compress it again${foreign === undefined ? '' : `; ${foreign}`}`;
  }
  return `${found}: continue that run with --resume, or ${elsewhere}`;
}

/**
 * What of a user's the checkpoint directories `existing` hold (`step-00000001/notes.txt`), which are named, not removed
 * with them: `runs/x/checkpoints/step-00000001 holds files a checkpoint does not (notes.txt): move them elsewhere`;
 * undefined when they hold only checkpoints' files.
 */
async function usersFilesIn(existing: readonly CheckpointEntry[]): Promise<string | undefined> {
  const foreign = await foreignCheckpointFiles(existing);
  if (foreign.length === 0) return undefined;
  return foreign.map(({ path, names }) => `${path} holds files a checkpoint does not (${firstNames(names)})`).join('; ') + ': move them elsewhere';
}
