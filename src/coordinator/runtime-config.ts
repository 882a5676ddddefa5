/** The `runtime` section of the run config (zod only; composed in src/core/config.ts): processes, network, storage. */
import { z } from 'zod';
import { timing, pathString, positiveInt, nonNegativeInt, MAX_META_BATCH_TASKS } from '../core/config-fields';

/**
 * Most tasks one worker runs at once (`runtime.workerConcurrency`, `metatrain worker --concurrency`): each holds its own
 * copy of the fast weights. The coordinator hands no worker more than this many at once, whatever it says it takes
 * (src/coordinator/grpc-server.ts).
 */
export const MAX_WORKER_CONCURRENCY = 64;
/**
 * Most workers (`runtime.workers`, `metatrain scale --workers`): 2,147,483,647, as on Kubernetes they are the replicas of
 * the worker Deployment, an int32 (apps/v1 DeploymentSpec; a larger count is refused by the API server with 422).
 */
export const MAX_WORKERS = 2 ** 31 - 1;
/** Most attempts at one task (`runtime.maxAttempts`) before the run fails, and at one compression job (`metatrain compressor --max-attempts`). */
const MAX_TASK_ATTEMPTS = 100;
import { MAX_CHUNK_BYTES } from '../core/tensor-chunks';
import { hostPortProblem } from '../core/host-port';

/** What the port range of a listen address adds: port 0 picks a free one. */
export const LISTEN_PORT_NOTE = ', 0 = any free port';

/**
 * Smallest `runtime.keepaliveMs`: 1000 ms. The coordinator pings every worker at this interval and drops one that
 * has not answered within the same time (keepalive timeout = interval), so it must leave a worker busy with a task
 * time to answer. How often pings may come is no limit here: gRPC core servers refuse client pings more often than
 * every 5 min by default, and grpc-js clients back off on `too_many_pings`, but the coordinator's grpc-js server sets
 * `grpc.keepalive_permit_without_calls` and `grpc.http2.min_ping_interval_without_data_ms` (half the interval) and
 * workers ping every 5 s (src/coordinator/grpc-server.ts, src/worker/coordinator-connection.ts).
 */
export const MIN_KEEPALIVE_MS = 1000;
/** Why `runtime.keepaliveMs` (and a worker's `--keepalive-ms`, its twin) is at least {@link MIN_KEEPALIVE_MS}. */
export const MIN_KEEPALIVE_REASON = 'a connection whose keepalive ping is not answered within this time is dropped, so a process busy with a task needs the time to answer';

/** Smallest `runtime.leaseTimeoutMs`: 1000 ms (a lease must outlast the round trip of one task; a task usually takes seconds). */
export const MIN_LEASE_TIMEOUT_MS = 1000;

/** Processes, network and storage. */
/** `runtime.listen` when the config gives none: a free loopback port. */
export const DEFAULT_LISTEN = '127.0.0.1:0';

export const runtimeSchema = z
  .object({
    /** Local worker processes started by `metatrain run`, worker replicas of `metatrain launch`; at most {@link MAX_WORKERS}. @default 2 */
    workers: positiveInt.max(MAX_WORKERS).default(2),
    /** tfjs backend of the workers: `wasm`, `cpu`, `tensorflow` (tfjs-node[-gpu], loaded only when chosen). @default wasm */
    backend: z.enum(['wasm', 'cpu', 'tensorflow']).default('wasm'),
    /** Tasks a worker runs at once. @default 1 */
    workerConcurrency: positiveInt.max(MAX_WORKER_CONCURRENCY).default(1),
    /** A task not answered within this deadline is re-dispatched; at least {@link MIN_LEASE_TIMEOUT_MS}. @default 120000 */
    leaseTimeoutMs: timing(MIN_LEASE_TIMEOUT_MS, 'ms', 'a shorter lease expires before the result of a task can arrive').default(120_000),
    /** Attempts per task before the run fails. @default 3 */
    maxAttempts: positiveInt.max(MAX_TASK_ATTEMPTS).default(3),
    /**
     * Straggler mitigation: once this fraction of a step's tasks is done, each outstanding task gets one backup
     * attempt on another free worker; the first valid result wins (src/coordinator/task-dispatcher.ts). The
     * parameters are the same with or without. Omitted = no backups.
     */
    speculativeAfter: z.number().gt(0).max(1).optional(),
    /**
     * How a step's meta-gradients reach the coordinator (issue 10; docs/wire.md, "Aggregation"). `per-task`: one
     * gradient per task, summed by the coordinator in task-index order in float64. `per-worker`: tasks go out in
     * fixed groups of `aggregationGroup` consecutive task indices, one group per assignment; the worker runs the
     * group's tasks and sends one gradient, their float64 sum in index order rounded to float32, so 1/G of the
     * gradient bytes. Bitwise identical whatever the worker count and arrival order for a fixed group size; not
     * bitwise equal to `per-task` (one float32 rounding per group). @default per-task
     */
    aggregation: z.enum(['per-task', 'per-worker']).default('per-task'),
    /**
     * Tasks per group with `aggregation: per-worker` (set it to `workerConcurrency`: {@link runtimeWarnings} warns
     * otherwise); refused with `per-task`, where it would mean nothing. @default 4 with per-worker, else absent
     */
    aggregationGroup: positiveInt.max(MAX_META_BATCH_TASKS).optional(),
    /**
     * Parameter versions of at most this many payload bytes travel inside the first assignment of that version to
     * each worker (Assignment.parameters) instead of one GetParameters call per worker and version: the small
     * models' per-call cost (issue 10, bench/scale.ts). 0 = always GetParameters; at most {@link MAX_CHUNK_BYTES}
     * (one wire chunk). Same parameters either way. @default 65536
     */
    inlineParametersMaxBytes: nonNegativeInt.max(MAX_CHUNK_BYTES, `at most ${MAX_CHUNK_BYTES} bytes (one wire chunk)`).default(65_536),
    /**
     * gRPC listen address of the coordinator, `host:port` (port 0 = any free port; the rule of `--listen`). Only
     * `metatrain coordinator` listens there, but every command refuses a malformed one. @default 127.0.0.1:0
     */
    listen: z
      .string()
      .superRefine((value, ctx) => {
        const problem = hostPortProblem(value, 0, LISTEN_PORT_NOTE);
        if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
      })
      .default(DEFAULT_LISTEN),
    /** gRPC keepalive ping interval and timeout of the coordinator; at least {@link MIN_KEEPALIVE_MS}. @default 5000 */
    keepaliveMs: timing(MIN_KEEPALIVE_MS, 'ms', MIN_KEEPALIVE_REASON).default(5000),
    /** Directory for checkpoints, report and artifacts (relative: to the current directory). @default runs/<name> */
    outDir: pathString.optional(),
    /**
     * Directory a relative `task.path` is resolved against. `loadRunConfig` (src/core/config.ts) sets it to the config file's
     * directory (a relative value in the file is taken relative to that directory); `metatrain launch` sets it
     * to the images' working directory. Not part of `configHash`: moving a run's files keeps its checkpoints
     * resumable. Omitted (a config given as an object) = the current directory.
     */
    baseDir: pathString.optional(),
    /** Prometheus `/metrics` port of the coordinator (0 = any free port; omitted = no metrics server). */
    metricsPort: nonNegativeInt.max(65_535).optional(),
  })
  .strict()
  .superRefine((r, ctx) => {
    if (r.aggregation === 'per-task' && r.aggregationGroup !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['aggregationGroup'], message: `groups are only formed with aggregation: per-worker, got aggregation: per-task (drop aggregationGroup ${r.aggregationGroup} or set aggregation: per-worker)` });
    }
  })
  .transform((r) => ({ ...r, aggregationGroup: r.aggregation === 'per-worker' ? (r.aggregationGroup ?? DEFAULT_AGGREGATION_GROUP) : undefined }));

/** `runtime.aggregationGroup` with `aggregation: per-worker` when the config does not give it. */
export const DEFAULT_AGGREGATION_GROUP = 4;

/**
 * Warnings about a valid `runtime` section worth a line on stderr before a run starts: an aggregation group that
 * differs from `workerConcurrency` (a worker of concurrency c holds ⌈c / G⌉ groups of G tasks, so it runs
 * ⌈c / G⌉·G tasks at once, not c: src/coordinator/grpc-server.ts); for `metatrain run`, a `listen` address, which
 * only `metatrain coordinator` uses.
 * @param command the command about to start the run.
 */
export function runtimeWarnings(runtime: z.infer<typeof runtimeSchema>, command: 'run' | 'coordinator'): string[] {
  const warnings: string[] = [];
  const { aggregationGroup: group, workerConcurrency: c } = runtime;
  if (group !== undefined && group !== c) {
    const atOnce = Math.ceil(c / group) * group;
    warnings.push(`runtime.aggregationGroup ${group} differs from runtime.workerConcurrency ${c}: each worker runs ${atOnce} tasks at once instead of ${c}; set both to the same value`);
  }
  if (command === 'run' && runtime.listen !== DEFAULT_LISTEN) {
    warnings.push(`runtime.listen ${runtime.listen} is not used by metatrain run, whose coordinator listens on a free loopback port for its own workers; it is the address of metatrain coordinator`);
  }
  return warnings;
}
