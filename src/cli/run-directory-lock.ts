/**
 * The run directory taken by `run`, `pretrain` or `coordinator` (outside a pod; src/core/directory-lock.ts) once its
 * checks pass, so that a refused command leaves it exactly as it was: taking the lock writes `.lock` there, which
 * changed the directory's modification time even when the command was refused (the lock removed again). The
 * directory is the command's alone only once locked: a run that held it while the checks ran may have ended in
 * between, leaving checkpoints that a new run must not start over. So the checks run again once it is locked, but
 * only when the directory changed while they ran (by its {@link directoryFingerprint}): a `--resume` check reads and
 * hashes the newest checkpoint and the compressed files (gigabytes for a large model), once rather than twice.
 *
 * `checkpoints` may be a link to a directory elsewhere (a larger disk, as the README allows): two runs whose
 * checkpoints lead to one directory would each prune the other's checkpoints there. So the checkpoint directory is
 * locked too, the one such a link resolves to (src/core/linked-directory-lock.ts) or the run's own, when it exists,
 * and the second run is refused naming the first; a run linked into the checkpoint directory of a run that has not
 * written (so not locked) it yet is refused by that run's directory lock, the link's parent's. A linked
 * `pretrained` is locked only while pretraining writes it (src/pretrain/pretrain.ts): runs may share a finished one.
 */
import { lstatSync, readdirSync, type BigIntStats } from 'node:fs';
import { dirname, join } from 'node:path';
import { checkpointsDir, runDir, type RunConfig } from '../core/config';
import { assertNotLocked, isLockFileName, lockDirectory } from '../core/directory-lock';
import { entryAt } from '../core/entry-at';
import { realPath } from '../core/file-identity';
import { isDirectory, linkedDirectory, type LinkedDirectory } from '../core/linked-directory-lock';

/** What a run directory is called in the lock's messages. */
const WHAT = 'run directory';

/**
 * Locks the run directory of `config` for this process (until it exits) when `check` passes, before the lock is
 * taken and, when another process wrote there while `check` ran, again after.
 * @param check the command's read-only checks of its run directory (links, checkpoints, files that are not a run's):
 *   it must write nothing, and throw to refuse.
 * @throws DirectoryBusyError when another process holds the directory, or the directory its `checkpoints` links
 *   to (before `check` runs: the holder is named rather than what its run is writing there), e.g.
 *   `linked directory runs/b/checkpoints → /big/shared is in use by another metatrain process (pid 123, …)`; what
 *   `check` throws; DirectoryError as {@link lockDirectory} does.
 */
export async function lockRunDirectoryAfter(config: RunConfig, check: () => void | Promise<void>): Promise<void> {
  const dir = runDir(config);
  assertNotLocked(dir, WHAT);
  const checkpoints = checkpointDirectory(config);
  if (checkpoints) assertNotLocked(checkpoints.real, checkpoints.what);
  // Another run's checkpoint directory before its first save: that run holds the directory above it.
  if (checkpoints?.linked) assertNotLocked(dirname(checkpoints.real), `${checkpoints.what} ${checkpoints.real}, in run directory`);
  const checked = directoryFingerprint(dir);
  await check();
  lockDirectory(dir, WHAT);
  const checkpointsNow = checkpointDirectory(config);
  if (checkpointsNow) lockDirectory(checkpointsNow.real, checkpointsNow.what);
  if (directoryFingerprint(dir) !== checked) await check();
}

/**
 * The run's checkpoint directory to lock: the directory its `checkpoints` links to ({@link linkedDirectory}; not the
 * run directory itself), else `checkpoints` itself when it is a directory; undefined when there is none yet.
 */
function checkpointDirectory(config: RunConfig): (LinkedDirectory & { readonly linked: boolean }) | undefined {
  const path = checkpointsDir(config);
  const linked = linkedDirectory(path, [realPath(runDir(config))]);
  if (linked) return { ...linked, linked: true };
  const real = entryAt(path)?.isDirectory() ? realPath(path) : undefined;
  return real === undefined ? undefined : { real, what: 'checkpoint directory', linked: false };
}

/**
 * What `dir` holds, cheaply (no file is read): the name, type, size and modification time of each entry of `dir` and
 * of each of its subdirectories (one level down: `checkpoints/step-00000002`, not what is inside that; such a
 * subdirectory's own time is left out, as the lock taken in `checkpoints/` changes it), as one
 * string; a subdirectory may be a link to a directory (`checkpoints`, `pretrained` or `logs` elsewhere, as the README
 * allows), listed through the link, whose entries are not followed; a `.lock` (there or in such a linked directory), which taking the lock writes, is left out. A missing (or unreadable) directory is an empty one,
 * as the lock creates it empty. Two equal fingerprints mean no process added, removed or rewrote an entry there in between.
 */
function directoryFingerprint(dir: string): string {
  const lines: string[] = [];
  for (const name of entryNames(dir)) {
    const stats = statsOf(join(dir, name));
    const listed = stats?.isDirectory() || (stats?.isSymbolicLink() && isDirectory(join(dir, name)));
    // A listed directory's own modification time is left out: what changes it is listed, but for the lock taken in it.
    lines.push(listed && stats?.isDirectory() ? `${name}\td` : entryLine(name, stats));
    if (listed) for (const inner of entryNames(join(dir, name))) lines.push(entryLine(join(name, inner), statsOf(join(dir, name, inner))));
  }
  return lines.join('\n');
}

/** The sorted names in `dir` but a lock's ({@link isLockFileName}); none when it is missing or cannot be read. */
function entryNames(dir: string): string[] {
  try {
    return readdirSync(dir)
      .filter((name) => !isLockFileName(name))
      .sort();
  } catch {
    return [];
  }
}

/** The entry at `path` itself (a link not followed), with its modification time in ns; undefined when it is gone or cannot be read. */
function statsOf(path: string): BigIntStats | undefined {
  try {
    return lstatSync(path, { bigint: true });
  } catch {
    return undefined;
  }
}

/** `name`, then its type (`f` file, `d` directory, `l` link, `o` other, `-` gone), size and mtime (ns), tab-separated. */
function entryLine(name: string, s: BigIntStats | undefined): string {
  if (!s) return `${name}\t-`;
  return `${name}\t${s.isFile() ? 'f' : s.isDirectory() ? 'd' : s.isSymbolicLink() ? 'l' : 'o'}\t${s.size}\t${s.mtimeNs}`;
}
