/**
 * The per-process logs of a local run, in `<run dir>/logs/` (src/local/local-cluster.ts): `coordinator.log`,
 * `compressor.log` and `worker-N.log`, appended to by each process (src/core/logger.ts).
 */

/** Name of the logs directory in the run directory. */
export const LOGS_DIR = 'logs';

/** A process of a local run that logs to a file of its own. */
export type LoggingProcess = 'coordinator' | 'compressor' | `worker-${number}`;

/** The name of the log file of `process` in {@link LOGS_DIR}, e.g. `worker-0.log`. */
export function runLogName(process: LoggingProcess): string {
  return `${process}.log`;
}

/** Whether `name` is one a local run's process logs to ({@link runLogName}). */
export function isRunLogName(name: string): boolean {
  return /^(?:coordinator|compressor|worker-\d+)\.log$/.test(name);
}
