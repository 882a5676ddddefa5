/**
 * The run directory taken by `run`, `pretrain` or `coordinator` (outside a pod; src/core/directory-lock.ts) once its
 * checks pass, so that a refused command leaves it exactly as it was: taking the lock writes `.lock` there, which
 * changed the directory's modification time even when the command was refused (the lock removed again). The
 * directory is the command's alone only once locked: a run that held it while the checks ran may have ended in
 * between, leaving checkpoints that a new run must not start over. So the checks run again once it is locked, but
 * only when the directory changed while they ran (by its {@link directoryFingerprint}): a `--resume` check reads and
 * hashes the newest checkpoint and the compressed files (gigabytes for a large model), once rather than twice.
 *
 * `checkpoints` may be a link to a directory elsewhere (a larger disk, as the README allows): two runs whose links
 * lead to one directory would each prune the other's checkpoints there. So the directory such a link resolves to is
 * locked too (src/core/linked-directory-lock.ts), and the second run is refused naming the first. A linked
 * `pretrained` is locked only while pretraining writes it (src/pretrain/pretrain.ts): runs may share a finished one.
 */
import { lstatSync, readdirSync, type BigIntStats } from 'node:fs';
import { join } from 'node:path';
import { checkpointsDir, runDir, type RunConfig } from '../core/config';
import { assertNotLocked, isLockFileName, lockDirectory } from '../core/directory-lock';
import { isDirectory, linkedDirectory, realPath, type LinkedDirectory } from '../core/linked-directory-lock';

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
  const linked = linkedCheckpoints(config);
  if (linked) assertNotLocked(linked.real, linked.what);
  const checked = directoryFingerprint(dir);
  await check();
  lockDirectory(dir, WHAT);
  const linkedNow = linkedCheckpoints(config);
  if (linkedNow) lockDirectory(linkedNow.real, linkedNow.what);
  if (directoryFingerprint(dir) !== checked) await check();
}

/** The directory the run's `checkpoints` links to, unless it is the run directory itself ({@link linkedDirectory}). */
function linkedCheckpoints(config: RunConfig): LinkedDirectory | undefined {
  return linkedDirectory(checkpointsDir(config), [realPath(runDir(config))]);
}

/**
 * What `dir` holds, cheaply (no file is read): the name, type, size and modification time of each entry of `dir` and
 * of each of its subdirectories (one level down: `checkpoints/step-00000002`, not what is inside that), as one
 * string; a subdirectory may be a link to a directory (`checkpoints`, `pretrained` or `logs` elsewhere, as the README
 * allows), listed through the link, whose entries are not followed; a `.lock` (there or in such a linked directory), which taking the lock writes, is left out. A missing (or unreadable) directory is an empty one,
 * as the lock creates it empty. Two equal fingerprints mean no process added, removed or rewrote an entry there in between.
 */
function directoryFingerprint(dir: string): string {
  const lines: string[] = [];
  for (const name of entryNames(dir)) {
    const stats = statsOf(join(dir, name));
    lines.push(entryLine(name, stats));
    if (stats?.isDirectory() || (stats?.isSymbolicLink() && isDirectory(join(dir, name)))) for (const inner of entryNames(join(dir, name))) lines.push(entryLine(join(name, inner), statsOf(join(dir, name, inner))));
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
