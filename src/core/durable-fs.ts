/**
 * Crash-safe publication of files and directories (POSIX rename semantics), the one place that does
 * stage → fsync → rename: what is published is first written under a temporary `.tmp-` name beside its final path,
 * each file fsynced, then renamed into place in one step, and the rename made durable by fsyncing the parent
 * directory. A reader, or a process restarted after SIGKILL or power loss, sees the old content or the new one,
 * never a mix. Every failure removes the temporary copy and is reported as a WriteError naming the path at fault.
 * A process stopped by a signal removes its temporaries before exiting ({@link removeStagedNow}); those of a process
 * killed outright are found by their name and pid ({@link temporaryOf}, {@link deadTemporaries}).
 * Used by checkpoints (src/checkpoint), compressed models (src/compress/compress-job.ts), adapted models
 * (src/cli/adapt.ts), imported BERT checkpoints (src/hf), `summary.json` (src/summary), `report.html` (src/report) and `targets.json` (src/local).
 */
import { lstatSync, readdirSync, rmSync, statSync, type Stats } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { fileKind } from './bounded-file';
import { entryAt } from './entry-at';
import { MetatrainError, WriteError } from './errors';
import { freeKeptName } from './kept-name';
import { fileInTheWay, makeDirectory } from './make-directory';
import { processAlive } from './process-alive';

/** Prefix of every temporary entry this module creates; such entries are never data. */
const TEMP_PREFIX = '.tmp-';

let tempCounter = 0;

/** The temporary entries this process is writing and has not yet published or removed ({@link removeStagedNow}). */
const staged = new Set<string>();

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
  // A stop signal that arrived during synchronous work (signals are handled between event-loop turns) is handled
  // first, before anything is staged: its handler, which removes what is staged, then has nothing in flight to miss.
  await new Promise((resolve) => setImmediate(resolve));
  const temp = tempNameFor(dirname(finalPath), basename(finalPath));
  staged.add(temp);
  try {
    await makeDirectory(temp, { reportAs: finalPath });
  } catch (err) {
    staged.delete(temp);
    throw err;
  }
  return temp;
}

/** Removes a temporary entry of this process (`recursive`), published (renamed away) or not. */
async function removeStaged(temp: string): Promise<void> {
  await rm(temp, { recursive: true, force: true });
  staged.delete(temp);
}

/**
 * Removes at once, synchronously, every temporary entry this process is writing (staging directories, files being
 * replaced), for a signal handler about to exit: nothing half-written is left beside the paths being published.
 * Entries moved aside to be replaced are not among them (they hold what is published).
 */
export function removeStagedNow(): void {
  for (const temp of staged) rmSync(temp, { recursive: true, force: true });
  staged.clear();
}

/** {@link tempNameFor}'s shape, `.tmp-<final name>-<pid>-<n>`: pid and n have no `-` and no leading zero. */
const TEMPORARY_NAME = /^\.tmp-(.+)-([1-9]\d*)-([1-9]\d*)$/;

/**
 * What `name` is a temporary of, when {@link tempNameFor} could have given it: the final name it would be published
 * as and the pid of its writer (`.tmp-step-00000042-4711-3` → `step-00000042`, 4711); undefined for any other name,
 * such as a user's `.tmp-notes.txt`, `.tmp-out-backup` or `.tmp-draft-2025-01` (a leading zero is not a number this
 * module writes). The final name is all before the last two `-` groups, so `.tmp-out-backup-12-3` is a temporary of
 * `out-backup`, never of `out`.
 */
export function temporaryOf(name: string): { readonly finalName: string; readonly pid: number } | undefined {
  const m = TEMPORARY_NAME.exec(name);
  return m ? { finalName: m[1], pid: Number(m[2]) } : undefined;
}

/**
 * The temporary entries in `dir` ({@link temporaryOf}: `.tmp-<final name>-<pid>-<n>` exactly) of a final name that
 * `isFinalName` accepts, whose writing process is gone: its pid is not alive on this host, or is this process's own
 * pid but the entry is not one it is writing (an earlier process's of the same pid, as pid 1 of a restarted
 * container). What a process killed while publishing (SIGKILL, a crash) left; nobody will publish or remove them.
 * Any other name is not one of them, however it starts (a user's `.tmp-out-notes.txt`). A `dir` that cannot be read
 * has none.
 * @returns their paths.
 */
export function deadTemporaries(dir: string, isFinalName: (finalName: string) => boolean): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  return entries
    .filter((entry) => {
      const temporary = temporaryOf(entry);
      if (temporary === undefined || !isFinalName(temporary.finalName)) return false;
      return temporary.pid === process.pid ? !staged.has(join(dir, entry)) : !processAlive(temporary.pid);
    })
    .map((entry) => join(dir, entry));
}

/**
 * Removes the temporary entries beside `finalPath` that a dead process left while publishing it
 * ({@link deadTemporaries} of its name: `.tmp-<name>-<pid>-<n>`, nothing else). Call it once what is to be published
 * there was checked: for the commands that publish what a user names (`adapt`, `import-hf`, `compress`), whose
 * leftovers would pile up beside it after every kill; {@link replaceFileAtomically} calls it after each replacement.
 * Best effort: an entry that cannot be removed (EACCES, EPERM, EBUSY …) is left, as it would be without this; it
 * throws nothing, so a write that succeeded is not reported as failed.
 * @param kind what is published at `finalPath`: a `directory`'s temporaries are removed recursively; a `file`'s only
 *   when they are files or links (a directory of that name is none that {@link replaceFileAtomically} wrote: left).
 */
export function removeDeadTemporaries(finalPath: string, kind: 'directory' | 'file' = 'directory'): void {
  const name = basename(finalPath);
  for (const temp of deadTemporaries(dirname(finalPath), (finalName) => finalName === name)) {
    try {
      if (kind === 'directory') rmSync(temp, { recursive: true, force: true });
      else if (!lstatSync(temp).isDirectory()) rmSync(temp, { force: true });
    } catch {
      // left as it is: see above
    }
  }
}

/**
 * What is in the way of publishing a new directory at `finalPath`, in words for a message that name the entry at
 * fault: `<finalPath> already exists` (a directory; an empty one is said to be replaced with its permissions, a
 * mount point not at all: the result is a new directory renamed to the path), `<path> is a file, not a directory`
 * (`finalPath`, or the parent of it that the path cannot go through; a link, a pipe, a device …); undefined when
 * nothing is there.
 */
function inTheWay(finalPath: string): string | undefined {
  const parent = fileInTheWay(dirname(finalPath));
  if (parent !== undefined) return notADirectory(parent, statSync(parent, { throwIfNoEntry: false }) ?? lstatSync(parent));
  const entry = entryAt(finalPath);
  if (!entry) return undefined;
  if (entry.isDirectory()) {
    if (readdirSync(finalPath).length > 0) return `${finalPath} already exists`;
    return emptyDirectoryInTheWay(finalPath);
  }
  return notADirectory(finalPath, entry);
}

/**
 * Why the empty directory `finalPath` is in the way of publishing a new directory there, in words: `<finalPath>
 * already exists (empty, but the result is a new directory renamed to this path: it would replace this one and its
 * permissions, and cannot replace a mount point)`.
 */
export function emptyDirectoryInTheWay(finalPath: string): string {
  return `${finalPath} already exists (empty, but the result is a new directory renamed to this path: it would replace this one and its permissions, and cannot replace a mount point)`;
}

/** `<path> is a file, not a directory` (a symbolic link, a pipe …), for the entry `entry` at `path`. */
function notADirectory(path: string, entry: Stats): string {
  return `${path} is ${entry.isFile() ? 'a file' : entry.isSymbolicLink() ? 'a symbolic link' : fileKind(entry)}, not a directory`;
}

/**
 * Why a command that publishes its result as a new directory at `--out` (`adapt`, `import-hf`) cannot, in the one
 * wording they share: `--out <out>: <what is in the way>; choose a new --out directory`, e.g. `--out model/x:
 * /home/u/model is a file, not a directory; choose a new --out directory`; undefined when nothing is in the way.
 * @param out `--out` as given (resolved against the current directory).
 */
export function outDirectoryInTheWay(out: string): string | undefined {
  const inWay = inTheWay(resolve(out));
  return inWay === undefined ? undefined : `--out ${out}: ${inWay}; choose a new --out directory`;
}

/**
 * Checks, before long work whose result will be published as the directory `finalPath`, that it can be: creates
 * the parents it needs and a staging directory beside it ({@link makeStagingDirectory}), then removes the latter.
 * @throws DirectoryError as {@link makeStagingDirectory}.
 */
export async function checkCanCreateDirectory(finalPath: string): Promise<void> {
  await removeStaged(await makeStagingDirectory(finalPath));
}

/**
 * Creates `path` (which must not exist), writes `data` and fsyncs it before closing.
 * @throws the file system's error (EEXIST when `path` exists, ENOSPC, EACCES …), unwrapped.
 */
async function writeFileDurably(path: string, data: Uint8Array): Promise<void> {
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

/** Options of {@link publishDirectory}. */
export interface PublishDirectoryOptions {
  /**
   * Replace an existing `finalPath`: it is renamed aside first, removed once the new one is in place, and renamed
   * back if the new one cannot be. @default false: an existing non-empty `finalPath` fails the rename (WriteError
   * with code ENOTEMPTY or EEXIST) and is left as it is.
   */
  readonly replace?: boolean;
  /**
   * With `replace`, called once the new directory is staged and fsynced and the existing `finalPath` has been moved
   * aside to `aside` (not when there was none), before the new one is renamed in: whatever it throws aborts the
   * replace, the existing one is renamed back (to `<finalPath>.kept-N` when something is at `finalPath` meanwhile:
   * WriteError naming it) and the staged one removed, and it is rethrown. Lets a caller check what it replaces once
   * nothing more can land in it.
   */
  readonly beforeReplace?: (aside: string) => Promise<void>;
}

/**
 * Publishes the directory `finalPath` holding `files` (name → bytes, written in this order: put the file that
 * marks a complete directory, e.g. a manifest, last): stages them in a temporary directory beside `finalPath`,
 * fsyncs each file and the directory, renames it to `finalPath` and fsyncs the parent. On any failure the
 * temporary directory is removed and `finalPath` is as it was.
 * @returns the bytes written (sum of the files' sizes).
 * @throws DirectoryError naming `finalPath` when it cannot be created there; WriteError naming the file or
 *   directory whose write, fsync or rename failed (`code` ENOSPC, EACCES, ENOTEMPTY …).
 */
export async function publishDirectory(finalPath: string, files: Iterable<readonly [string, Uint8Array]>, options: PublishDirectoryOptions = {}): Promise<number> {
  return publishWrittenDirectory(
    finalPath,
    async (temp) => {
      let bytes = 0;
      for (const [name, data] of files) {
        await step(join(finalPath, name), () => writeFileDurably(join(temp, name), data));
        bytes += data.length;
      }
      return bytes;
    },
    options,
  );
}

/**
 * Publishes the directory `finalPath` with what `write` puts in the staging directory it is given (files, directories;
 * `write` fsyncs what it writes): stages it beside `finalPath`, fsyncs it, renames it to `finalPath` and fsyncs the
 * parent. On any failure (of `write` too) the staging directory is removed and `finalPath` is as it was.
 * @returns what `write` returned.
 * @throws as {@link publishDirectory}, and what `write` throws.
 */
export async function publishWrittenDirectory<T>(finalPath: string, write: (staging: string) => Promise<T>, options: PublishDirectoryOptions = {}): Promise<T> {
  const temp = await makeStagingDirectory(finalPath);
  try {
    const result = await write(temp);
    await step(finalPath, () => fsyncDirectory(temp));
    await commit(temp, finalPath, options.replace ?? false, options.beforeReplace);
    return result;
  } finally {
    await removeStaged(temp);
  }
}

/**
 * Replaces the file at `path` with `data` atomically: writes a temporary file beside it, fsyncs it, renames it
 * over `path` and fsyncs the directory (which must exist). On failure the temporary file is removed and `path` is
 * untouched. Once replaced, the temporary files of `path` a killed process left are removed, as far as they can be
 * ({@link removeDeadTemporaries}: a run killed while writing `summary.json` left `.tmp-summary.json-<pid>-<n>`).
 * @throws WriteError naming `path` (`code` ENOSPC, EACCES, EROFS …).
 */
export async function replaceFileAtomically(path: string, data: Uint8Array): Promise<void> {
  const temp = tempNameFor(dirname(path), basename(path));
  staged.add(temp);
  try {
    await step(path, () => writeFileDurably(temp, data));
    await commit(temp, path, false);
  } finally {
    await removeStaged(temp);
  }
  removeDeadTemporaries(path, 'file');
}

/**
 * Renames `temp` to `finalPath` (moving an existing one aside when `replace`, then calling `beforeReplace` with where
 * it is) and fsyncs the parent. On failure the existing one is put back ({@link putBack}).
 */
async function commit(temp: string, finalPath: string, replace: boolean, beforeReplace?: (aside: string) => Promise<void>): Promise<void> {
  const parent = dirname(finalPath);
  const aside = replace ? await moveAside(finalPath) : undefined;
  try {
    if (aside && beforeReplace) await beforeReplace(aside);
    await step(finalPath, () => rename(temp, finalPath));
  } catch (err) {
    if (aside) await putBack(aside, finalPath);
    throw err;
  }
  await step(parent, () => fsyncDirectory(parent));
  if (aside) await rm(aside, { recursive: true, force: true });
}

/** Renames `path`, if it exists, to a `.tmp-` name beside it, so it vanishes from view atomically; returns that name. */
export async function moveAside(path: string): Promise<string | undefined> {
  const aside = tempNameFor(dirname(path), 'removed');
  try {
    await rename(path, aside);
    return aside;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new WriteError(path, (e as NodeJS.ErrnoException).code, `cannot move it aside: ${(e as Error).message}`, { cause: e });
  }
}

/**
 * Renames `aside` (what {@link moveAside} moved from `finalPath`) back to `finalPath` and fsyncs the parent; when that
 * fails (something is at `finalPath` now), to `<finalPath>.kept-N`, which nothing removes.
 * @throws WriteError naming `finalPath` and where its earlier content is kept, or naming `aside` when even that failed.
 */
async function putBack(aside: string, finalPath: string): Promise<void> {
  try {
    await rename(aside, finalPath);
  } catch (e) {
    const kept = freeKeptName(finalPath);
    await step(aside, () => rename(aside, kept));
    throw new WriteError(finalPath, (e as NodeJS.ErrnoException).code, `cannot put its earlier content back (${(e as Error).message}): it is in ${kept} now, not removed; move it elsewhere or back to ${finalPath}`, { cause: e });
  }
  await step(dirname(finalPath), () => fsyncDirectory(dirname(finalPath)));
}

/** Runs one file-system step of publishing `path`, turning a file-system error into a WriteError naming `path`. */
async function step<T>(path: string, action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (e) {
    if (e instanceof MetatrainError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    const reason = code === 'ENOSPC' ? 'no space left on device (ENOSPC)' : (e as Error).message;
    throw new WriteError(path, code, reason, { cause: e });
  }
}
