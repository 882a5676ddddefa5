/**
 * Durable file-system steps for crash-safe writes (POSIX rename semantics): data reaches the disk (fsync) before
 * the rename that publishes it, and the rename itself is made durable by fsyncing the parent directory.
 */
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { makeDirectory } from '../core/make-directory';

/** Prefix of every temporary entry this module and the checkpoint store create; such entries are never data. */
export const TEMP_PREFIX = '.tmp-';

let tempCounter = 0;

/**
 * A fresh temporary name in `dir` for something that will become `finalName`: `.tmp-<finalName>-<pid>-<n>`.
 * Unique within this process and across processes (pid), so concurrent writers never share a temp entry.
 */
export function tempNameFor(dir: string, finalName: string): string {
  tempCounter += 1;
  return join(dir, `${TEMP_PREFIX}${finalName}-${process.pid}-${tempCounter}`);
}

/**
 * Creates a fresh temporary directory beside `finalPath` (see {@link tempNameFor}), and the parents it needs, in
 * which to write what a rename will publish as `finalPath`.
 * @returns the temporary directory; the caller renames it to `finalPath` or removes it.
 * @throws DirectoryError naming `finalPath` when it could not be created there (no permission, a read-only file
 *   system, a file in the way, a file system such as /proc that accepts no new entries).
 */
export async function makeStagingDirectory(finalPath: string): Promise<string> {
  const temp = tempNameFor(dirname(finalPath), basename(finalPath));
  await makeDirectory(temp, { reportAs: finalPath });
  return temp;
}

/**
 * Checks, before long work whose result will be published as the directory `finalPath`, that it can be: creates
 * the parents it needs and a staging directory beside it ({@link makeStagingDirectory}), then removes the latter.
 * @throws DirectoryError as {@link makeStagingDirectory}.
 */
export async function checkCanCreateDirectory(finalPath: string): Promise<void> {
  await rm(await makeStagingDirectory(finalPath), { recursive: true, force: true });
}

/**
 * Creates `path` (which must not exist), writes `data` and fsyncs it before closing.
 * @throws the file system's error (EEXIST when `path` exists, ENOSPC, EACCES …), unwrapped.
 */
export async function writeFileDurably(path: string, data: Uint8Array): Promise<void> {
  const fh = await open(path, 'wx');
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/**
 * Fsyncs a directory so the entries created, renamed or removed in it survive a crash. A platform that cannot
 * open directories for fsync (Windows: EISDIR/EPERM) skips it; there rename is already the best available.
 * @throws the file system's error for any other failure.
 */
export async function fsyncDirectory(path: string): Promise<void> {
  let fh;
  try {
    fh = await open(path, 'r');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EISDIR' || (e as NodeJS.ErrnoException).code === 'EPERM') return;
    throw e;
  }
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/**
 * Replaces the file at `path` with `data` atomically: readers see the old content or the new one, never a mix,
 * and after a crash the file holds one of the two. Writes a temp file beside it, fsyncs it, renames, fsyncs dir.
 * @throws the file system's error, unwrapped; a failed write leaves `path` untouched (and a `.tmp-` file behind).
 */
export async function replaceFileAtomically(path: string, data: Uint8Array): Promise<void> {
  const dir = dirname(path);
  const temp = tempNameFor(dir, basename(path));
  await writeFileDurably(temp, data);
  await rename(temp, path);
  await fsyncDirectory(dir);
}
