/**
 * The Prometheus scrape targets of a local run, written as `targets.json` in the run directory in the
 * file-based service discovery format (https://prometheus.io/docs/prometheus/latest/configuration/configuration/#file_sd_config):
 * point a `file_sd_configs` entry at it and Prometheus scrapes the coordinator and every worker of the run.
 * Targets carry a `component` label; the `run` and `worker` labels come from the metrics themselves.
 */
import { createServer } from 'node:net';
import { join } from 'node:path';
import { makeDirectory } from '../core/make-directory';
import { replaceFileAtomically } from '../core/durable-fs';

/** Name of the file in the run directory. */
export const TARGETS_FILE = 'targets.json';

/**
 * The largest {@link TARGETS_FILE} judged as one a run wrote, in bytes (1 MiB): its address per process is about 30
 * bytes, so it holds a run of many thousand workers.
 */
export const MAX_TARGETS_BYTES = 1 << 20;

/** One target group of a file_sd file. */
export interface TargetGroup {
  targets: string[];
  labels: Record<string, string>;
}

/** Metrics addresses (`host:port`) of a local run's processes. */
export interface LocalTargets {
  coordinator: string;
  workers: readonly string[];
}

/** The file_sd target groups of a local run. */
export function targetGroups(t: LocalTargets): TargetGroup[] {
  return [
    { targets: [t.coordinator], labels: { component: 'coordinator' } },
    { targets: [...t.workers], labels: { component: 'worker' } },
  ];
}

/**
 * Whether `value` (a parsed {@link TARGETS_FILE}) is what {@link writeScrapeTargets} writes: the target groups of
 * {@link targetGroups}, each with its addresses and a `component` label, and nothing else.
 */
export function isScrapeTargets(value: unknown): boolean {
  const isGroup = (group: unknown, component: string): boolean => {
    if (typeof group !== 'object' || group === null) return false;
    const { targets, labels, ...rest } = group as Partial<TargetGroup>;
    return Object.keys(rest).length === 0 && Array.isArray(targets) && targets.every((t) => typeof t === 'string') && JSON.stringify(labels) === JSON.stringify({ component });
  };
  return Array.isArray(value) && value.length === 2 && isGroup(value[0], 'coordinator') && isGroup(value[1], 'worker');
}

/**
 * Writes `<dir>/targets.json` atomically (Prometheus re-reads it on change), creating `dir` if missing; returns its
 * path.
 * @throws DirectoryError when `dir` cannot be created; WriteError naming the file when writing fails.
 */
export async function writeScrapeTargets(dir: string, t: LocalTargets): Promise<string> {
  await makeDirectory(dir);
  const path = join(dir, TARGETS_FILE);
  await replaceFileAtomically(path, Buffer.from(`${JSON.stringify(targetGroups(t), null, 2)}\n`));
  return path;
}

/**
 * A TCP port on 127.0.0.1 that was free a moment ago (the OS picks it; it is released before returning, so a
 * child process can bind it).
 * @throws Error when no port can be bound.
 */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no free port on 127.0.0.1'))));
    });
  });
}
