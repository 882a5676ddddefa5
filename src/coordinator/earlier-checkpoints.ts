/**
 * A new run (not resumed) refused where an earlier run left meta-training checkpoints, with the way on that works:
 * `--resume` only when it would go on from them with this config and not fail as the earlier run did; otherwise
 * another run directory. Checked by `run` and `coordinator` before anything starts (src/cli/run-checkpoints-fit.ts)
 * and by meta-training itself (src/coordinator/meta-train.ts).
 */
import { configDifferences, configHash, runDir, type RunConfig } from '../core/config';
import type { CheckpointStore, LatestCheckpoint } from '../checkpoint';
import { CheckpointError } from '../core/errors';
import { readSummary } from '../summary';

/**
 * Resolves when `store` (the meta-training checkpoints of the run directory of `config`) holds no checkpoint: a new
 * run never overwrites or mixes with an earlier one.
 * @param outOption the command's option that overrides `runtime.outDir` (`run`: `--out`), named in the advice;
 *   omitted for a command without one (`coordinator`).
 * @throws CheckpointError naming the newest checkpoint (`… and 2 other checkpoint(s) already exist`, or `… already
 *   exists` when it is the only one) and what to do: `continue that run with --resume, or choose
 *   another runtime.outDir (--out) or remove it`; without `--resume` when that would be refused or fail again: the
 *   checkpoints are of another config (the changed fields named), none of them can be loaded, or the earlier run of
 *   this config diverged (its summary.json says what: resumed, it would diverge again).
 */
export async function assertNoEarlierCheckpoints(config: RunConfig, store: CheckpointStore, outOption?: string): Promise<void> {
  const existing = await store.list();
  if (existing.length === 0) return;
  const elsewhere = `choose another runtime.outDir${outOption ? ` (${outOption})` : ''} or remove it`;
  const others = existing.length - 1;
  const found = others === 0 ? `${existing[0]!.path} already exists` : `${existing.at(-1)!.path} and ${others} other checkpoint(s) already exist`;
  throw new CheckpointError(`${found}${await wayOn(config, store, elsewhere, others === 0)}`);
}

/**
 * What follows `… already exist(s)` in {@link assertNoEarlierCheckpoints}'s refusal: `: continue that run with
 * --resume, or <elsewhere>`, or why `--resume` would not do and `<elsewhere>` (`one`: the store holds one checkpoint).
 */
async function wayOn(config: RunConfig, store: CheckpointStore, elsewhere: string, one: boolean): Promise<string> {
  let newest: LatestCheckpoint | undefined;
  try {
    newest = await store.loadLatest();
  } catch (err) {
    if (!(err instanceof CheckpointError)) throw err;
  }
  if (!newest) return `, ${one ? 'which --resume could not load' : 'none of which --resume could load'}: ${elsewhere}`;
  if (newest.checkpoint.configHash !== configHash(config)) {
    const recorded = newest.checkpoint.extra['config'] as RunConfig | undefined;
    const changed = recorded ? configDifferences(recorded, config) : [];
    return `, written by another config${changed.length > 0 ? ` (changed: ${changed.join('; ')})` : ''}, which --resume would refuse: ${elsewhere}`;
  }
  const divergence = (await readSummary(runDir(config)).catch(() => undefined))?.divergence;
  if (divergence !== undefined) return `, of a run of this config that failed: ${divergence}; --resume would diverge again: change the config, then ${elsewhere}`;
  return `: continue that run with --resume, or ${elsewhere}`;
}
