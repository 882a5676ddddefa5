/**
 * Structured logs (pino, JSON lines). Level from `METATRAIN_LOG_LEVEL` (default `info`). A destination file
 * can be given so that a local run keeps each process's log in its run directory.
 */
import { constants, openSync, readlinkSync } from 'node:fs';
import { dirname } from 'node:path';
import pino from 'pino';
import { ignoreClosedReader } from './closed-reader';
import { WriteError } from './errors';
import { makeDirectorySync } from './make-directory';

/** The logger type used across metatrain. */
export type Logger = pino.Logger;

/**
 * Creates a logger for one component.
 * @param component e.g. `coordinator`, `worker`.
 * @param file append JSON lines to this file instead of stderr; its directory is created if missing.
 * @throws DirectoryError when the directory of `file` cannot be created; WriteError naming `file` and its target when
 *   it is a symbolic link (a log is appended only to a real file: a link in a run directory's `logs/` would have the
 *   log appended to a file outside it); the file system's error when the file cannot be opened for appending.
 */
export function createLogger(component: string, file?: string): Logger {
  const level = process.env.METATRAIN_LOG_LEVEL ?? 'info';
  if (file) makeDirectorySync(dirname(file));
  const destination = file ? pino.destination({ dest: openForAppending(file), sync: true }) : pino.destination(2);
  if (!file) ignoreClosedReader(destination);
  return pino({ level, base: { component, pid: process.pid } }, destination);
}

/**
 * A descriptor of `file` opened for appending (created when missing), not following a symbolic link at `file`.
 * @throws WriteError naming `file` and its target when it is a symbolic link; the file system's error otherwise.
 */
function openForAppending(file: string): number {
  try {
    return openSync(file, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW, 0o666);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ELOOP') throw err;
    throw new WriteError(file, 'ELOOP', `it is a symbolic link (to ${readlinkSync(file)}); a log is appended only to a real file: give the real file's path, or remove the link`, { cause: err });
  }
}
