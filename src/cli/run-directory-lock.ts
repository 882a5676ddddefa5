/**
 * The run directory taken by `run`, `pretrain` or `coordinator` (outside a pod; src/core/directory-lock.ts) once its
 * checks pass, so that a refused command leaves it exactly as it was: taking the lock writes `.lock` there, which
 * changed the directory's modification time even when the command was refused (the lock removed again). The
 * directory is the command's alone only once locked, so the checks run again then: a run that held it while they
 * first ran may have ended in between, leaving checkpoints that a new run must not start over.
 */
import { runDir, type RunConfig } from '../core/config';
import { assertNotLocked, lockDirectory } from '../core/directory-lock';

/** What a run directory is called in the lock's messages. */
const WHAT = 'run directory';

/**
 * Locks the run directory of `config` for this process (until it exits) when `check` passes, before and after.
 * @param check the command's read-only checks of its run directory (links, checkpoints, files that are not a run's):
 *   it must write nothing, and throw to refuse.
 * @throws DirectoryBusyError when another process holds the directory (before `check` runs: the holder is named
 *   rather than what its run is writing there); what `check` throws; DirectoryError as {@link lockDirectory} does.
 */
export async function lockRunDirectoryAfter(config: RunConfig, check: () => void | Promise<void>): Promise<void> {
  const dir = runDir(config);
  assertNotLocked(dir, WHAT);
  await check();
  lockDirectory(dir, WHAT);
  await check();
}
