/**
 * Whether what a run directory holds under a run's names is a run's: a user's own `summary.json`, a page of theirs
 * named `report.html`, their `targets.json` or their notes in `logs/` are not, and a new run would replace them or
 * write beside them. Judged cheaply: `summary.json` by its top-level fields, `targets.json` by its target groups,
 * `report.html` by its first bytes, `logs/` by the names in it. What cannot be read is not known to be a run's, so it counts as not one.
 */
import { closeSync, openSync, readdirSync, readFileSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { isRunLogName, LOGS_DIR } from '../local/run-logs';
import { isScrapeTargets, MAX_TARGETS_BYTES, TARGETS_FILE } from '../local/scrape-targets';
import { isRunReportHead, REPORT_FILE, REPORT_HEAD_BYTES } from '../report';
import { isRunSummary, MAX_SUMMARY_BYTES, SUMMARY_FILE } from '../summary';

/** The first `bytes` bytes of the regular file `path` as text; undefined when it is not one or cannot be read. */
function headOf(path: string, bytes: number): string | undefined {
  let fd: number | undefined;
  try {
    if (!statSync(path).isFile()) return undefined; // a pipe would block, a directory is not a file a run writes
    fd = openSync(path, 'r');
    const buffer = Buffer.alloc(bytes);
    return buffer.subarray(0, readSync(fd, buffer, 0, bytes, 0)).toString('utf8');
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Whether `path` is a regular file of at most `maxBytes` bytes of JSON that `isIt` takes for what a run writes. */
function isJsonFileOf(path: string, maxBytes: number, isIt: (value: unknown) => boolean): boolean {
  try {
    const stats = statSync(path);
    return stats.isFile() && stats.size <= maxBytes && isIt(JSON.parse(readFileSync(path, 'utf8')));
  } catch {
    return false;
  }
}

/** The entries of the logs directory `path` that no run's process logs to, as `logs/NAME`; `logs` itself when it is no directory. */
function otherLogs(path: string): string[] {
  try {
    return readdirSync(path)
      .filter((name) => !isRunLogName(name))
      .sort()
      .map((name) => `${LOGS_DIR}/${name}`);
  } catch {
    return [LOGS_DIR];
  }
}

/**
 * What of the entry `name` of the run directory `dir` is not a run's, by its content, as paths from `dir`:
 * `[]` when it is (or when `name` is not one judged here: `summary.json`, `targets.json`, `report.html`, `logs`),
 * `[name]` when a `summary.json`, `targets.json` or `report.html` is not one metatrain wrote, and the names in `logs/` no run's process logs to.
 */
export function notRunsContent(dir: string, name: string): string[] {
  const path = join(dir, name);
  if (name === SUMMARY_FILE) return isJsonFileOf(path, MAX_SUMMARY_BYTES, isRunSummary) ? [] : [name];
  if (name === TARGETS_FILE) return isJsonFileOf(path, MAX_TARGETS_BYTES, isScrapeTargets) ? [] : [name];
  if (name === REPORT_FILE) return isRunReportHead(headOf(path, REPORT_HEAD_BYTES) ?? '') ? [] : [name];
  if (name === LOGS_DIR) return otherLogs(path);
  return [];
}
