/**
 * Durable file-system steps for crash-safe writes (POSIX rename semantics): data reaches the disk (fsync) before
 * the rename that publishes it, and the rename itself is made durable by fsyncing the parent directory.
 */
import { open, rename } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

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
