/**
 * The per-process logs of a local run, in `<run dir>/logs/` (src/local/local-cluster.ts): `coordinator.log`,
 * `compressor.log` and `worker-N.log`, appended to by each process (src/core/logger.ts).
 */

/** Name of the logs directory in the run directory. */
export const LOGS_DIR = 'logs';

/** The processes of a local run that are one each, logging to `<name>.log`. */
const SINGLE_PROCESSES = ['coordinator', 'compressor'] as const;

/** What a worker's name starts with, before its index: `worker-0`. */
const WORKER_PREFIX = 'worker-';

/** What a log file's name ends with, after its process's name. */
const LOG_SUFFIX = '.log';

/** A process of a local run that logs to a file of its own. */
export type LoggingProcess = (typeof SINGLE_PROCESSES)[number] | `${typeof WORKER_PREFIX}${number}`;

/** The names {@link runLogName} gives, built from the same parts as {@link LoggingProcess}. */
const RUN_LOG_NAME = new RegExp(`^(?:${SINGLE_PROCESSES.join('|')}|${WORKER_PREFIX}\\d+)${LOG_SUFFIX.replace('.', '\\.')}$`);

/** The name of the log file of `process` in {@link LOGS_DIR}, e.g. `worker-0.log`. */
export function runLogName(process: LoggingProcess): string {
  return `${process}${LOG_SUFFIX}`;
}

/** Whether `name` is one a local run's process logs to ({@link runLogName}). */
export function isRunLogName(name: string): boolean {
  return RUN_LOG_NAME.test(name);
}
