/**
 * Creating directories with their parents (`mkdir -p`) without `fs.mkdir(path, { recursive: true })`. Node's
 * recursive mkdir never returns on a file system that answers ENOENT for an entry it cannot create although the
 * parent exists, as /proc does: libuv then "creates" the parent (EEXIST) and retries the entry, forever. Here each
 * level is created with a plain mkdir, top down, so every failure is reported at once with the directory at fault.
 */
import { lstatSync, mkdirSync, readlinkSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileKind } from './bounded-file';
import { DirectoryError } from './errors';

/** Options of {@link makeDirectory} and {@link makeDirectorySync}. */
export interface MakeDirectoryOptions {
  /**
   * The path to name in an error instead of `path`: the directory the user asked for, when `path` is a temporary
   * directory created in its place (see `makeStagingDirectory` in src/core/durable-fs.ts).
   */
  readonly reportAs?: string;
}

/**
 * Creates the directory `path` and its missing parents; an existing directory is left as it is.
 * @throws DirectoryError naming `path` (or `options.reportAs`), the level that could not be created and why
 *   (a file in the way, no permission, a read-only file system, a file system such as /proc that accepts no new
 *   entries); its `code` is the file system's error code.
 */
export async function makeDirectory(path: string, options: MakeDirectoryOptions = {}): Promise<void> {
  makeDirectorySync(path, options); // a few mkdir calls, one per missing level: not worth a second, async copy
}

/**
 * {@link makeDirectory} for synchronous callers (constructors, log files).
 * @throws DirectoryError as {@link makeDirectory}.
 */
export function makeDirectorySync(path: string, options: MakeDirectoryOptions = {}): void {
  for (const dir of levelsOf(path)) {
    try {
      mkdirSync(dir);
    } catch (err) {
      const existing = statSync(dir, { throwIfNoEntry: false });
      if (!existing?.isDirectory()) throw directoryError(path, dir, err, existing !== undefined, options);
    }
  }
}

/**
 * The first level of `path` (itself or a parent) that exists and is not a directory (a file, or a symbolic link to
 * nothing), which would make creating `path` fail with ENOTDIR or EEXIST; undefined when there is none. Creates nothing.
 */
export function fileInTheWay(path: string): string | undefined {
  for (const dir of levelsOf(path)) {
    const existing = statSync(dir, { throwIfNoEntry: false });
    if (existing === undefined) return lstatSync(dir, { throwIfNoEntry: false }) ? dir : undefined;
    if (!existing.isDirectory()) return dir;
  }
  return undefined;
}

/**
 * What the entry {@link fileInTheWay} found at `file` is, in words: `FILE is a symbolic link to nothing (to TARGET),
 * not a directory`, `FILE is a file, not a directory`, or for what is not a regular file its kind ({@link fileKind}),
 * e.g. `/dev/null is a character device, not a directory`.
 */
export function fileInTheWayWords(file: string): string {
  const target = statSync(file, { throwIfNoEntry: false });
  if (target === undefined && lstatSync(file, { throwIfNoEntry: false })?.isSymbolicLink()) return `${file} is a symbolic link to nothing (to ${readlinkSync(file)}), not a directory`;
  return `${file} is ${target === undefined || target.isFile() ? 'a file' : fileKind(target)}, not a directory`;
}

/** `/a/b/c` → `['/a', '/a/b', '/a/b/c']` (the root itself is never created). */
function levelsOf(path: string): string[] {
  const levels: string[] = [];
  for (let dir = resolve(path); dirname(dir) !== dir; dir = dirname(dir)) levels.unshift(dir);
  return levels;
}

/** The error for `dir` (a level of `path`) failing with `err`; `exists`: something that is not a directory is there. */
function directoryError(path: string, dir: string, err: unknown, exists: boolean, options: MakeDirectoryOptions): DirectoryError {
  const target = resolve(options.reportAs ?? path);
  const code = (err as NodeJS.ErrnoException).code;
  const parent = dirname(dir);
  // The temporary directory is an implementation detail: speak of the target, or of the level that failed above it.
  const what = dir === resolve(path) ? target : dir;
  const reason = exists ? `${what} exists and is not a directory` : entryFailure(parent, `mkdir ${what}`, err);
  return new DirectoryError(target, code, reason, { cause: err });
}

/**
 * Why creating an entry in the existing directory `parent` failed with `err`, in words: `/proc does not accept new
 * entries (…)`, no permission, a read-only file system, or `action`'s own message.
 * @param action what failed, for the message: `mkdir /a/b`, `write /a/.lock`.
 */
export function entryFailure(parent: string, action: string, err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return `${parent} does not accept new entries (${action} failed with ENOENT although ${parent} exists)`;
  if (code === 'EACCES' || code === 'EPERM') return `no permission to create entries in ${parent} (${code})`;
  if (code === 'EROFS') return `${parent} is on a read-only file system (EROFS)`;
  return `${action}: ${(err as Error).message}`;
}
