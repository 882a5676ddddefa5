/**
 * Saving a step whose `step-NNNNNNNN` entry holds what is not the store's: a user's files left in it when its old
 * checkpoint was removed (`step-00000002/notes.md`, CheckpointStore's prune), then the step saved again (a resume
 * after newer checkpoints turned out corrupt, or one that starts over when only such directories remain); or a file
 * of that name. Replacing it would delete them: it is renamed first to `step-00000002.kept-1`, a name that is neither
 * a checkpoint's nor a save's temporary one (so the store never lists, replaces or removes it, and the run's checks
 * name it as not the store's: CheckpointStore.otherEntries), and its own checkpoint files are removed from it once the
 * new checkpoint is published.
 */
import { rename } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fsyncDirectory } from '../core/durable-fs';
import { entryAt } from '../core/entry-at';
import { WriteError } from '../core/errors';
import { firstNames } from '../core/first-names';
import { freeKeptName } from '../core/kept-name';
import { foreignCheckpointFiles, removeCheckpointFiles } from './checkpoint-foreign-files';

/** What {@link publishKeepingUsersFiles} returns: `publish`'s result, and a line per entry moved aside (none or one). */
export interface KeptPublish<T> {
  readonly result: T;
  readonly warnings: string[];
}

/**
 * Runs `publish` (which replaces `final`, the directory of checkpoint `step`), having first moved `final` aside when
 * it holds entries that are not a checkpoint's files or is not a directory: renamed to `<final>.kept-N` (the first
 * free N from 1), the parent fsynced. When `publish` fails, the entry is renamed back (best effort) and the error
 * rethrown; when it succeeds, the checkpoint files the moved directory held are removed from it, the rest left there.
 * @returns `publish`'s result and, when something was moved, one warning naming both paths, e.g. `moved
 *   runs/x/checkpoints/step-00000002 to runs/x/checkpoints/step-00000002.kept-1 before saving step 2 there: it holds
 *   files that are not a checkpoint's (notes.md), which are in runs/x/checkpoints/step-00000002.kept-1 now; move them
 *   elsewhere`.
 * @throws WriteError naming `final` when it cannot be moved aside (nothing is published then); what `publish` throws.
 */
export async function publishKeepingUsersFiles<T>(final: string, step: number, publish: () => Promise<T>): Promise<KeptPublish<T>> {
  const entry = entryAt(final);
  const foreign = entry?.isDirectory() ? (await foreignCheckpointFiles([{ step, path: final }]))[0]?.names : undefined;
  if (!entry || (entry.isDirectory() && foreign === undefined)) return { result: await publish(), warnings: [] };

  const kept = freeKeptName(final);
  try {
    await rename(final, kept);
  } catch (e) {
    throw new WriteError(final, (e as NodeJS.ErrnoException).code, `cannot move it to ${kept} to keep what it holds before saving step ${step} there: ${(e as Error).message}`, { cause: e });
  }
  await fsyncDirectory(dirname(final));
  let result: T;
  try {
    result = await publish();
  } catch (err) {
    await rename(kept, final).catch(() => undefined); // best effort: the entry stays where it was
    throw err;
  }
  if (foreign === undefined) return { result, warnings: [`moved ${final}, which is not a checkpoint's directory, to ${kept} before saving step ${step} there: move it elsewhere`] };
  await removeCheckpointFiles(kept);
  return { result, warnings: [`moved ${final} to ${kept} before saving step ${step} there: it holds files that are not a checkpoint's (${firstNames(foreign)}), which are in ${kept} now; move them elsewhere`] };
}
