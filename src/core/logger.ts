/**
 * Structured logs (pino, JSON lines). Level from `METATRAIN_LOG_LEVEL` (default `info`). A destination file
 * can be given so that a local run keeps each process's log in its run directory.
 */
import { dirname } from 'node:path';
import pino from 'pino';
import { ignoreClosedReader } from './closed-reader';
import { makeDirectorySync } from './make-directory';

/** The logger type used across metatrain. */
export type Logger = pino.Logger;

/**
 * Creates a logger for one component.
 * @param component e.g. `coordinator`, `worker`.
 * @param file append JSON lines to this file instead of stderr, its directory created if missing (through a symbolic link too: `--log-file /dev/stderr`;
 *   a link in a run directory's `logs/` is refused before a run starts: src/cli/run-directory-links.ts).
 * @throws DirectoryError when the directory of `file` cannot be created; the file system's error when the file
 *   cannot be opened for appending.
 */
export function createLogger(component: string, file?: string): Logger {
  const level = process.env.METATRAIN_LOG_LEVEL ?? 'info';
  if (file) makeDirectorySync(dirname(file));
  const destination = file ? pino.destination({ dest: file, sync: true }) : pino.destination(2);
  if (!file) ignoreClosedReader(destination);
  return pino({ level, base: { component, pid: process.pid } }, destination);
}
