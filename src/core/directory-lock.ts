/**
 * One writer per directory: a run directory (`metatrain run`, `pretrain`, `coordinator` outside a pod) or a compression's output (`compress`)
 * is taken by a lock file, `DIR/.lock`, holding the writer's pid, host, command and start time, so that a second
 * process asking for the same directory is refused before it writes anything instead of interleaving checkpoints,
 * logs and reports with the first (two runs of one name, two `--resume`, two `compress --out` to one place).
 *
 * The lock file is created whole or not at all (written to a temporary file, then hard-linked into place: link(2)
 * fails when the name exists), and released when the process exits, however it exits short of SIGKILL. A lock
 * whose process is gone (SIGKILL, a crash, a reboot) is taken over at once: its pid is checked on this host
 * (kill(pid, 0); a lock naming this process's own pid that this process did not take is an earlier process's that
 * had the same pid: pid 1 of a container started again), which is why this is not a lock library — the maintained ones (proper-lockfile, lockfile) decide
 * staleness by the lock's age, so a `--resume` right after a SIGKILL would be refused for their whole stale period,
 * and an flock(2) needs a native addon. A lock held on another host (a shared volume) cannot be checked and is
 * treated as held; the error says which host and pid, and to remove the file if that process is gone.
 */
import { closeSync, existsSync, linkSync, openSync, readlinkSync, rmdirSync, unlinkSync, writeFileSync, type Stats } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileKind, readBoundedFile } from './bounded-file';
import { entryAt } from './entry-at';
import { DirectoryBusyError, DirectoryError, FileReadError } from './errors';
import { entryFailure, makeDirectorySync } from './make-directory';
import { processAlive } from './process-alive';

/** The lock file's name inside the locked directory. */
export const LOCK_FILE = '.lock';

/**
 * The most characters of its command a lock file records (4096): enough to tell the command in the message of a
 * refused one; a longer command line (up to the system's ARG_MAX, megabytes) is cut there, ending in `…`.
 */
const MAX_LOCK_COMMAND_CHARS = 4096;

/**
 * The largest lock file read, in bytes (64 KiB): one holds a pid, a host name (at most 255 bytes), a time and a
 * command of at most {@link MAX_LOCK_COMMAND_CHARS} characters (at most 6 bytes each as escaped JSON). A larger file
 * is not a lock metatrain wrote: it is refused by its size, naming it, rather than read.
 */
export const MAX_LOCK_FILE_BYTES = 64 << 10;

/**
 * The most times {@link lockDirectory} tries to link its lock into place (100): each try that fails finds the lock
 * gone again when it reads it (released meanwhile) or takes over a gone process's, which a few racing processes need
 * a handful of; a lock that keeps appearing and vanishing past that is refused rather than tried for ever.
 */
const MAX_LOCK_TRIES = 100;

/** The lock files this process holds (resolved paths): a lock naming this pid and not among them is an earlier process's. */
const heldHere = new Set<string>();

/** What a lock file holds (JSON). */
interface LockHolder {
  pid: number;
  host: string;
  command: string;
  /** ISO 8601 time the lock was taken. */
  since: string;
}

/**
 * Takes `dir` for this process until it exits or calls the returned release.
 * @param what what the directory is, for the error: `run directory`, `compression output`.
 * @param path the lock file (its directory is created with its parents if missing): `dir/.lock` by default; a
 *   directory that is published whole by a rename (a compression's output) is locked by a file beside it.
 * @returns a function that releases the lock (it is also released when the process exits; the directories created
 *   for the lock, parents included, are removed with it when nothing else was written there); calling it twice does nothing.
 * @throws DirectoryBusyError naming the directory, the holder (pid, host, command, since) and what to do, when a
 *   live process holds it, or the lock file and why, when it cannot be read (larger than {@link MAX_LOCK_FILE_BYTES},
 *   not a file) or holds what is not a lock (a user's file named `.lock`, left as it is), when it is a symbolic link
 *   or not a regular file (`… .lock is a symbolic link (to /nowhere, which does not exist) …: remove it`), and when
 *   it appears and vanishes again {@link MAX_LOCK_TRIES} times while this process tries to take it; DirectoryError naming `dir` when the lock file's directory cannot be created (`cannot create directory
 *   DIR: …`) or the lock file cannot be written there (`cannot lock <what> DIR: …` when DIR exists: a full disk, a read-only
 *   file system, no permission, /proc, an entry already at the name it writes first, `<lock file>.<pid>`, which is
 *   left as it is; the file it had begun and the directories it made for it are removed).
 */
export function lockDirectory(dir: string, what: string, path = join(dir, LOCK_FILE)): () => void {
  const created = missingDirectories(dirname(path));
  makeDirectorySync(dirname(path), { reportAs: dir });
  const command = ['metatrain', ...process.argv.slice(2)].join(' ');
  const me: LockHolder = { pid: process.pid, host: hostname(), command: command.length > MAX_LOCK_COMMAND_CHARS ? `${command.slice(0, MAX_LOCK_COMMAND_CHARS)}…` : command, since: new Date().toISOString() };
  const mine = JSON.stringify(me);
  const staged = `${path}.${process.pid}`;
  let fd: number | undefined;
  try {
    fd = openSync(staged, 'wx'); // created here, or refused: what is at that name already is not removed
    writeFileSync(fd, mine);
    closeSync(fd);
  } catch (err) {
    // Nothing of the attempt stays: the lock file begun (a full disk leaves it empty) and the directories made for it.
    if (fd !== undefined) {
      closeQuietly(fd);
      unlinkQuietly(staged);
    }
    for (const made of created) if (!rmdirQuietly(made)) break;
    // `dir` itself missing (a lock beside a directory to be published): the user's trouble is that it cannot be created.
    const action = existsSync(dir) ? `lock ${what}` : undefined;
    const code = (err as NodeJS.ErrnoException).code;
    const detail = code === 'EEXIST' ? `${staged} is in the way (a lock an earlier process of this pid was writing, or not metatrain's): remove it` : entryFailure(dirname(path), `write ${staged}`, err);
    throw new DirectoryError(dir, code, detail, { cause: err, action });
  }
  try {
    for (let tries = 1; ; tries += 1) {
      try {
        linkSync(staged, path);
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      if (tries === MAX_LOCK_TRIES) {
        throw new DirectoryBusyError(`${what} ${dir} cannot be taken: its lock file ${path} appeared and vanished ${MAX_LOCK_TRIES} times while this process tried to take it: stop the process that keeps creating and removing it, or give this one another directory`);
      }
      const held = readLock(path, dir, what);
      if (held === undefined) continue; // released between link and read: try again
      refuseHeld(held, path, dir, what);
      // Its process is gone (or the lock file is empty): remove it, unless another process took it over meanwhile.
      if (readLock(path, dir, what) === held) unlinkQuietly(path);
    }
  } finally {
    unlinkQuietly(staged);
  }
  heldHere.add(resolve(path));
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    heldHere.delete(resolve(path));
    releasedAtExit.delete(release);
    if (lockTextAtExit(path, dir, what) === mine) unlinkQuietly(path);
    // Directories made only to hold the lock (a run refused before it wrote anything) go with it, innermost first.
    for (const made of created) if (!rmdirQuietly(made)) break;
  };
  releaseAtExit(release);
  return release;
}

/**
 * Refuses `dir` as {@link lockDirectory} would when another process holds it, writing nothing: for a command that
 * checks a directory before locking it (so that a refusal leaves it untouched), to name the holder before its checks.
 * @param path the lock file, as for {@link lockDirectory}.
 * @throws DirectoryBusyError as {@link lockDirectory} does for a live holder, a lock file it cannot read or one that is
 *   no lock (a symbolic link, dangling or not, or what is not a regular file, included).
 */
export function assertNotLocked(dir: string, what: string, path = join(dir, LOCK_FILE)): void {
  const held = readLock(path, dir, what);
  if (held !== undefined) refuseHeld(held, path, dir, what);
}

/**
 * Throws when the lock file `path` holding `held` keeps this process from taking `dir`: it names a live process
 * (on another host: one that cannot be checked, so taken as live), or it is not a lock at all; returns when its
 * process is gone or the file is empty, for the lock to be taken over.
 */
function refuseHeld(held: string, path: string, dir: string, what: string): void {
  const holder = parseHolder(held);
  // A file of other content is a user's (a lock is linked into place whole): not removed, named. An empty one is
  // what a power loss can leave of a lock (its data not yet on disk), with nothing in it to lose.
  if (!holder && held.length > 0) throw new DirectoryBusyError(`${what} ${dir} cannot be taken: ${path} is not a lock metatrain wrote (one holds a pid, host, command and start time as JSON): move it elsewhere`);
  if (holder && (holder.host !== hostname() || (processAlive(holder.pid) && (holder.pid !== process.pid || heldHere.has(resolve(path)))))) throw busy(dir, what, path, holder);
}

/** Releases of the locks this process holds, run when it exits (one `exit` listener for them all). */
const releasedAtExit = new Set<() => void>();
let listeningForExit = false;

/** Adds `release` to {@link releasedAtExit}, listening for the process's exit at the first lock. */
function releaseAtExit(release: () => void): void {
  if (!listeningForExit) process.on('exit', () => [...releasedAtExit].forEach((r) => r()));
  listeningForExit = true;
  releasedAtExit.add(release);
}

/**
 * The lock file's text, or undefined when there is none.
 * @throws DirectoryBusyError naming `what` `dir`, the lock file and why it cannot be read: a symbolic link (which
 *   reading would follow: one to nothing would read as no lock while linking over it fails, for ever), not a regular
 *   file, larger than {@link MAX_LOCK_FILE_BYTES} (`… 10485760 bytes, more than the 65536 bytes (64 KiB) allowed for a
 *   lock file`), or unreadable; with what to do.
 */
function readLock(path: string, dir: string, what: string): string | undefined {
  const entry = entryAt(path);
  if (entry !== undefined && !entry.isFile()) {
    const fix = entry.isSymbolicLink() ? 'remove it (the link only)' : 'move it elsewhere';
    throw new DirectoryBusyError(`${what} ${dir} cannot be taken: ${path} is ${notLockWords(path, entry)}, not a lock: metatrain writes its lock there as a regular file; ${fix}`);
  }
  try {
    return readBoundedFile(path, MAX_LOCK_FILE_BYTES).toString('utf8');
  } catch (err) {
    if (!(err instanceof FileReadError)) throw err;
    if (err.code === 'ENOENT') return undefined;
    const limit = err.reason === 'too-large' ? ' for a lock file' : '';
    throw new DirectoryBusyError(`${what} ${dir} cannot be taken: ${err.message}${limit}; remove it if no metatrain process uses ${dir}`, { cause: err });
  }
}

/** What the entry `entry` at `path` is, in words: `a symbolic link (to /nowhere, which does not exist)`, `a directory`, `a pipe` …. */
function notLockWords(path: string, entry: Stats): string {
  if (!entry.isSymbolicLink()) return fileKind(entry);
  let target = '?';
  try {
    target = readlinkSync(path);
  } catch {
    // gone meanwhile
  }
  return `a symbolic link (to ${target}${existsSync(path) ? '' : ', which does not exist'})`;
}

/** {@link readLock}, with undefined for a lock file it refuses: on release, at exit, there is nothing to throw to. */
function lockTextAtExit(path: string, dir: string, what: string): string | undefined {
  try {
    return readLock(path, dir, what);
  } catch {
    return undefined;
  }
}

/**
 * Whether `name` is a lock's in its directory: the lock file ({@link LOCK_FILE}) or one being taken (`.lock.PID`,
 * which a killed process can leave), for a listing of a directory that may be locked (a run's `checkpoints` linked to
 * a directory elsewhere, which is locked too) to leave out.
 */
export function isLockFileName(name: string): boolean {
  return name === LOCK_FILE || /^\.lock\.\d+$/.test(name);
}

/** The holder a lock file names, or undefined when it is not one (empty, not JSON, fields missing). */
function parseHolder(text: string): LockHolder | undefined {
  try {
    const h = JSON.parse(text) as Partial<LockHolder>;
    return Number.isSafeInteger(h.pid) && typeof h.host === 'string' ? { pid: h.pid!, host: h.host, command: String(h.command ?? '?'), since: String(h.since ?? '?') } : undefined;
  } catch {
    return undefined;
  }
}

/** The directories that creating `dir` with its parents would make, innermost first. */
function missingDirectories(dir: string): string[] {
  const missing: string[] = [];
  for (let d = resolve(dir); !existsSync(d) && dirname(d) !== d; d = dirname(d)) missing.push(d);
  return missing;
}

/** Removes `dir` when it is empty; whether it did. */
function rmdirQuietly(dir: string): boolean {
  try {
    rmdirSync(dir);
    return true;
  } catch {
    return false; // not empty, or gone
  }
}

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // already closed
  }
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}

function busy(dir: string, what: string, path: string, h: LockHolder): DirectoryBusyError {
  const here = h.host === hostname();
  return new DirectoryBusyError(
    `${what} ${dir} is in use by another metatrain process (pid ${h.pid}${here ? '' : ` on host ${h.host}`}, \`${h.command}\`, since ${h.since}): ` +
      `wait for it to end or stop it, or give this one another directory (if that process is ${here ? 'not metatrain' : 'gone'}, remove ${path})`,
  );
}
