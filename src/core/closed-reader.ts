/**
 * Output whose reader has gone. `metatrain run … 2>&1 | head` closes the pipe after a few lines; Node then fails the
 * next write to it with EPIPE (Node ignores SIGPIPE, which would end a C program there), and an `error` event nobody
 * listens to is an uncaught exception: `run` exited with code 7 (the exception handler's own message hit the same
 * closed pipe) and a coordinator hung, ignoring SIGTERM. A run must not end, or hang, because its reader left: its
 * results go to files. So output to such a stream is dropped and the command carries on. A command whose only work
 * is its output (`metatrain watch`) ends instead, as `tail -f | head` does.
 */

/** Error codes of a write to a stream whose reader has gone (EPIPE), or of a write after that one (the stream is destroyed). */
const CLOSED_READER = new Set(['EPIPE', 'ERR_STREAM_DESTROYED']);

/**
 * Drops `stream`'s write errors that say its reader has gone (see the file comment); any other error is thrown as
 * before (an uncaught exception).
 * @param stream `process.stdout`, `process.stderr`, or a logger destination writing to one of their descriptors.
 */
export function ignoreClosedReader(stream: NodeJS.EventEmitter): void {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (!CLOSED_READER.has(err.code ?? '')) throw err;
  });
}

/**
 * Exits the process with code 0 at the first write to `stream` after its reader has gone (for a command whose only
 * work is its output: `watch … | head` ends when `head` has read enough). Other errors are left to the stream's other
 * listeners ({@link ignoreClosedReader}).
 * @param stream `process.stdout`.
 */
export function exitWhenReaderLeaves(stream: NodeJS.EventEmitter): void {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (CLOSED_READER.has(err.code ?? '')) process.exit(0);
  });
}
