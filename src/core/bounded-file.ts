/**
 * Reading a user's file whole, within a size limit: the one reader of the files a user names (a run config,
 * `pretraining.texts`, a JSONL dataset or `--data -` on standard input, `--token-file`, the TLS files, the files of
 * `import-hf`, adapted and compressed models) and of the files metatrain writes and reads back (a checkpoint's
 * files, `best.json`, a directory's lock file), so that none of them is read without bound. A device such as /dev/zero
 * never ends, a directory is not a file of text, and a file or a pipe (`run <(envsubst < run.yaml)`, `… | metatrain
 * run /dev/stdin`) can grow while it is read or report a size that is not its length (/proc files and pipes report
 * 0): so the file is opened once, checked by `fstat` on that descriptor (the check and the read see the same file),
 * and read through it up to the limit + 1 bytes, never more. Each
 * caller turns the {@link FileReadError} into its own error (`refuse`: a ConfigError at its field, a DatasetError)
 * and says why its limit is what it is. A file that may be a pipe a producer holds open (a run config, a run token)
 * is read by {@link readBoundedFileAsync}, which waits for the producer without keeping the event loop, hence
 * Ctrl-C and SIGTERM, waiting.
 */
import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { isatty } from 'node:tty';
import { FileReadError } from './errors';
import { runStepwise, runStepwiseAsync, type Stepwise } from './stepwise';
import { unreadableReason } from './unreadable-reason';

/** The name standard input goes by in a {@link FileReadError} from {@link readBoundedStdin} (its `path`). */
export const STDIN_NAME = 'stdin';

/** Binary units for limits said in words, largest first. */
const UNITS: ReadonlyArray<readonly [number, string]> = [[2 ** 30, 'GiB'], [2 ** 20, 'MiB'], [2 ** 10, 'KiB']];

/** The most one readSync call asks for: Node refuses a length over 2^31 - 1 (a 2 GiB file is read in two calls). */
const MAX_READ_CALL_BYTES = 1 << 30;

/** First buffer when the file reports a size of 0 (a /proc file, an empty file): grown by doubling. */
const FIRST_CHUNK_BYTES = 64 << 10;

/**
 * The bytes of the regular file or pipe at `path`, at most `maxBytes` of them. The file is opened without blocking
 * (a named pipe with no writer reads as empty at once instead of waiting for one), checked on its descriptor, read
 * through it (a pipe until its writer closes it, waiting for data as it comes: this thread sleeps meanwhile, see
 * {@link readBoundedFileAsync}) and closed, also when reading fails.
 * @param maxBytes the largest file accepted, in bytes (a non-negative integer; RangeError otherwise).
 * @param refuse the caller's error for a refused file, thrown instead of the FileReadError (give it that error as
 *   its cause), e.g. a ConfigError at the field that named the file; by default the FileReadError itself is thrown.
 * @returns the file's bytes (a Buffer of at most `maxBytes` bytes).
 * @throws what `refuse` returns for a FileReadError naming `path`, with `reason`:
 *   - `unreadable` when it cannot be opened or read (`code` is the file system's: ENOENT, EACCES …), e.g.
 *     `data.jsonl: cannot read it: no such file`;
 *   - `not-a-file` when it is a directory, a device or a socket, e.g. `/dev/zero: not a regular file but a
 *     character device`;
 *   - `too-large` when it reports more than `maxBytes` bytes (`size` is that count; nothing is read), or holds
 *     more than it reported (it grew, or it reports no size): `size` is undefined and only `maxBytes` + 1 bytes
 *     were read. E.g. `big.txt: 134217729 bytes, more than the 134217728 bytes (128 MiB) allowed`.
 */
export function readBoundedFile(path: string, maxBytes: number, refuse: (err: FileReadError) => Error = (err) => err): Buffer {
  checkLimit(maxBytes);
  try {
    return runStepwise(boundedRead(path, maxBytes), () => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, PIPE_POLL_MS));
  } catch (err) {
    throw refused(err, refuse);
  }
}

/**
 * {@link readBoundedFile} for a file that may be a pipe a producer holds open (`metatrain run /dev/stdin`,
 * `--token-file /dev/stdin`, `run <(envsubst < run.yaml)`): the same bytes and errors, but while the pipe has no data
 * the event loop runs (the descriptor is polled every few milliseconds from timers, neither by a thread of the pool
 * nor by a blocking read), so Ctrl-C or SIGTERM is handled, and the process can exit, while the producer waits.
 * @throws (rejects with) as {@link readBoundedFile}.
 */
export async function readBoundedFileAsync(path: string, maxBytes: number, refuse: (err: FileReadError) => Error = (err) => err): Promise<Buffer> {
  checkLimit(maxBytes);
  try {
    return await runStepwiseAsync(boundedRead(path, maxBytes), () => sleep(PIPE_POLL_MS));
  } catch (err) {
    throw refused(err, refuse);
  }
}

/**
 * The bytes of standard input (`--data -`), at most `maxBytes` of them, read from its current position to its end
 * (a pipe, `… | metatrain predict --data -`, until its writer closes it; a socket, as Node's `spawn` gives a child,
 * likewise; a file, `--data - < user.jsonl`, to its end), with the same checks as {@link readBoundedFile}. Read as
 * Node's `process.stdin` stream, which waits for a pipe without blocking the event loop or a thread: a producer that
 * keeps the pipe open does not keep Ctrl-C or SIGTERM from being handled, nor the process from exiting.
 * @param maxBytes the most bytes accepted (a non-negative integer; RangeError otherwise).
 * @param refuse as in {@link readBoundedFile}.
 * @returns the bytes (a Buffer of at most `maxBytes` bytes).
 * @throws (rejects with) what `refuse` returns for a FileReadError whose `path` is {@link STDIN_NAME}, as
 *   {@link readBoundedFile}'s: `not-a-file` when standard input is a terminal (`stdin: not a regular file but a
 *   terminal`), a directory or a device; `too-large` past `maxBytes` (what is left unread is not read); `unreadable`
 *   when it is closed or cannot be read.
 */
export async function readBoundedStdin(maxBytes: number, refuse: (err: FileReadError) => Error = (err) => err): Promise<Buffer> {
  checkLimit(maxBytes);
  try {
    const size = checkedSize(0, STDIN_NAME, maxBytes, true);
    const chunks: Buffer[] = [];
    let length = 0;
    for await (const chunk of process.stdin as AsyncIterable<Buffer>) {
      chunks.push(chunk);
      length += chunk.length;
      if (length > maxBytes) break; // ends the stream: nothing more is read
    }
    return withinLimit(Buffer.concat(chunks, Math.min(length, maxBytes + 1)), STDIN_NAME, maxBytes, size);
  } catch (err) {
    throw refused(asFileReadError(STDIN_NAME, err), refuse);
  }
}

/** @throws RangeError unless `maxBytes` is a non-negative safe integer. */
function checkLimit(maxBytes: number): void {
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 0) throw new RangeError(`maxBytes must be a non-negative integer, got ${maxBytes}`);
}

/** What a reader throws for `err`: the caller's error for a FileReadError, any other error as it is. */
function refused(err: unknown, refuse: (err: FileReadError) => Error): unknown {
  return err instanceof FileReadError ? refuse(err) : err;
}

/**
 * Opens `path` without blocking, checks and reads it ({@link readDescriptor}) and closes it, as stepwise work that
 * yields while a pipe has no data yet (the caller waits a little, then runs it on).
 * @throws FileReadError as {@link readBoundedFile}.
 */
function* boundedRead(path: string, maxBytes: number): Stepwise<Buffer> {
  let fd: number | undefined;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
    return yield* readDescriptor(fd, path, maxBytes);
  } catch (err) {
    throw asFileReadError(path, err);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** `err` as is when it is a FileReadError, else the `unreadable` FileReadError of `path` it causes. */
function asFileReadError(path: string, err: unknown): unknown {
  if (err instanceof FileReadError) return err;
  return new FileReadError(path, 'unreadable', `cannot read it: ${unreadableReason(err)}`, { code: (err as NodeJS.ErrnoException).code, cause: err });
}

/**
 * Checks the open descriptor `fd` of `name` by `fstat` (a regular file or a pipe) and reads it up to `maxBytes` + 1
 * bytes, yielding while a pipe has no data yet.
 * @throws FileReadError `not-a-file` or `too-large` past `maxBytes`; the file system's error when reading fails.
 */
function* readDescriptor(fd: number, name: string, maxBytes: number): Stepwise<Buffer> {
  const size = checkedSize(fd, name, maxBytes, false);
  return withinLimit(yield* readUpTo(fd, size, maxBytes + 1), name, maxBytes, size);
}

/**
 * The size `fd` reports, after checking by `fstat` that it is a regular file or a pipe (a socket too when
 * `socketOk`) reporting at most `maxBytes`.
 * @throws FileReadError `not-a-file` or `too-large`.
 */
function checkedSize(fd: number, name: string, maxBytes: number, socketOk: boolean): number {
  const stats = fstatSync(fd);
  if (!stats.isFile() && !stats.isFIFO() && !(socketOk && stats.isSocket())) throw new FileReadError(name, 'not-a-file', `not a regular file but ${fileKind(stats, fd)}`);
  if (stats.size > maxBytes) throw new FileReadError(name, 'too-large', `${stats.size} bytes, more than the ${bytesInWords(maxBytes)} allowed`, { size: stats.size });
  return stats.size;
}

/** `bytes`, read from a descriptor that reported `size` bytes when opened. @throws FileReadError `too-large` past `maxBytes`. */
function withinLimit(bytes: Buffer, name: string, maxBytes: number, size: number): Buffer {
  if (bytes.length > maxBytes) {
    throw new FileReadError(name, 'too-large', `more than the ${bytesInWords(maxBytes)} allowed (it reported ${size} bytes when opened: it grew, or reports no size)`);
  }
  return bytes;
}

/**
 * Reads `fd` from its start until its end or `cap` bytes, in a buffer first sized by the reported `size`; yields each
 * time the descriptor (a pipe, not blocking) has no data yet, to be run on after a pause.
 */
function* readUpTo(fd: number, size: number, cap: number): Stepwise<Buffer> {
  let buffer = Buffer.allocUnsafe(Math.min(cap, size > 0 ? size + 1 : FIRST_CHUNK_BYTES));
  let length = 0;
  for (;;) {
    if (length === buffer.length) {
      if (length >= cap) break;
      const grown = Buffer.allocUnsafe(Math.min(cap, 2 * buffer.length));
      buffer.copy(grown, 0, 0, length);
      buffer = grown;
    }
    let read: number;
    try {
      read = readSync(fd, buffer, length, Math.min(buffer.length - length, MAX_READ_CALL_BYTES), null);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
      yield; // a pipe whose writer has written nothing more yet
      continue;
    }
    if (read === 0) break;
    length += read;
  }
  return buffer.subarray(0, length);
}

/** Time between tries to read a pipe whose writer has written nothing yet (the descriptor does not block). */
const PIPE_POLL_MS = 5;

/**
 * What a file that is not a regular one is, in words for a message: `a directory`, `a pipe` (named or not), `a
 * terminal` (when `fd`, its open descriptor, is one), `a character device`, `a block device`, `a socket`.
 */
export function fileKind(stats: Stats, fd?: number): string {
  if (stats.isDirectory()) return 'a directory';
  if (stats.isFIFO()) return 'a pipe';
  if (stats.isCharacterDevice()) return fd !== undefined && isatty(fd) ? 'a terminal' : 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  if (stats.isSocket()) return 'a socket';
  return 'neither a file nor a directory';
}

/**
 * A byte count for messages: `65536 bytes (64 KiB)`, `1048576 bytes (1 MiB)`, `2147483648 bytes (2 GiB)` in the
 * largest binary unit that divides it, or `100 bytes` when none does; a count beyond 2^53 - 1 (a corrupt shape's
 * product) in two digits, `4.8e36 bytes (far beyond any memory)`, not as `4.8357032784559997e+36`.
 */
export function bytesInWords(bytes: number): string {
  if (!Number.isSafeInteger(bytes)) return `${bytes.toExponential(1).replace('e+', 'e')} bytes (far beyond any memory)`;
  const unit = UNITS.find(([size]) => bytes >= size && bytes % size === 0);
  return unit ? `${bytes} bytes (${bytes / unit[0]} ${unit[1]})` : `${bytes} bytes`;
}
