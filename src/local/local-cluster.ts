/**
 * The local embedded cluster behind `metatrain run`: the coordinator in this process and N worker processes
 * (`metatrain worker`) dialing it over loopback gRPC — the same pieces as on Kubernetes. A worker process that
 * dies unexpectedly is restarted, as its Deployment would restart a pod; the coordinator re-dispatches its tasks.
 * Logs go to `<run dir>/logs/{coordinator,worker-N}.log`. The coordinator and every worker serve `/metrics` on a
 * free loopback port, listed in `<run dir>/targets.json` for Prometheus (src/local/scrape-targets.ts).
 * Compression (when `compression.enabled`) runs in this process: an in-process job queue and compressor
 * (src/bus, src/compress; log `<run dir>/logs/compressor.log`); with `nats.url` the run's events are also
 * published on NATS for `metatrain watch`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Registry } from 'prom-client';
import { runDir, type RunConfig } from '../core/config';
import { serveHttpEndpoints, type HttpEndpoints } from '../core/http-endpoints';
import { Lifecycle } from '../core/lifecycle';
import { createLogger, type Logger } from '../core/logger';
import { createMetricsRegistry } from '../core/metrics';
import { withMallocTunables } from '../core/malloc-tunables';
import { packageFile } from '../core/package-root';
import { Coordinator, metaSpecOf, type CoordinatorOptions } from '../coordinator/coordinator';
import { taskFamilyFor } from '../tasks/task-family';
import type { RunSummary } from '../summary';
import { CompressorMetrics } from '../compress/metrics';
import { LOCAL_CLUSTER_TRANSITIONS, type LocalClusterState } from './local-cluster-state';
import { freeLoopbackPort, writeScrapeTargets } from './scrape-targets';
import type { JobConsumer } from '../bus/job-queue';
import { MemoryJobQueue } from '../bus/job-queue-memory';
import { openRunBus, runEventSink, type RunBus } from '../bus/run-bus';
import { assertWasmCanHold } from '../model/wasm-model-limit';
import { LOGS_DIR, runLogName } from './run-logs';

/** Settings of a local cluster. */
export interface LocalClusterOptions {
  config: RunConfig;
  /** Worker processes. @default config.runtime.workers */
  workers?: number;
  /** Continue from the newest valid checkpoint. */
  resume?: boolean;
  /** Restarts allowed per worker slot before giving up on it. @default 20 */
  maxRestarts?: number;
  /** After the run ends, keep every process and its metrics and status up this long (for Prometheus, `metatrain watch`). @default 0 */
  lingerMs?: number;
  /** Called when the linger starts (the run has ended; `lingerMs` > 0), e.g. to say that the process stays up. @default nothing */
  onLinger?: () => void;
  /** Writes the run's report before the run's final phase (see `CoordinatorOptions.writeReport`). @default no report */
  writeReport?: CoordinatorOptions['writeReport'];
  /** The `model.init` body, when the caller read it first (see `CoordinatorOptions.pretrained`). @default read by the coordinator */
  pretrained?: CoordinatorOptions['pretrained'];
}

/** A coordinator plus worker processes on loopback. */
export class LocalCluster {
  readonly coordinator: Coordinator;
  readonly log: Logger;
  readonly logDir: string;
  /** Metrics of this process (the coordinator's; an in-process compressor registers its metrics here too). */
  readonly registry: Registry;
  private endpoints?: HttpEndpoints;
  private readonly workerMetricsPorts: number[] = [];
  private readonly token = randomBytes(24).toString('base64url');
  private readonly children: Array<ChildProcess | undefined> = [];
  private readonly restarts: number[] = [];
  private port = 0;
  private readonly lifecycle = new Lifecycle<LocalClusterState>('local cluster', LOCAL_CLUSTER_TRANSITIONS, 'created');
  private closed?: Promise<void>;
  /** Ends the linger at once (set while `lingering`). */
  private endLinger?: () => void;
  /** The in-process compression queue (its lifecycle events go to the coordinator's events). */
  private readonly queue = new MemoryJobQueue({}, (run, event, data) => runEventSink(this.coordinator.events)(run, event, data));
  private compressor?: JobConsumer;
  /** NATS event forwarding (with `nats.url`); the JetStream queue stays unused in the local mode. */
  private bus?: RunBus;

  /**
   * @throws ConfigError / DatasetError when the task family cannot be built from the config (too few labels for
   *   `task.classSplit`, a bad JSONL line), or (ConfigError at `model`) when the wasm workers could not hold the
   *   model (`assertWasmCanHold`), before anything is written: no run or log directory is created.
   */
  constructor(private readonly o: LocalClusterOptions) {
    const family = taskFamilyFor(o.config);
    if (o.config.runtime.backend === 'wasm') assertWasmCanHold(metaSpecOf(o.config, family), 'adapt');
    this.logDir = join(runDir(o.config), LOGS_DIR);
    this.log = createLogger('coordinator', join(this.logDir, runLogName('coordinator')));
    this.registry = createMetricsRegistry({ run: o.config.name });
    this.coordinator = new Coordinator({ config: o.config, token: this.token, resume: o.resume ?? false, log: this.log, registry: this.registry, compressionQueue: this.queue, writeReport: o.writeReport, family, pretrained: o.pretrained });
  }

  /** Where the cluster is in its lifecycle (./local-cluster-state.ts). */
  get state(): LocalClusterState {
    return this.lifecycle.state;
  }

  /** Process id of the worker process named `local-<i>` (the name it joins with), if alive. */
  pidOf(workerName: string): number | undefined {
    const i = Number(/^local-(\d+)/.exec(workerName)?.[1]);
    const child = Number.isInteger(i) ? this.children[i] : undefined;
    return child && child.exitCode === null ? child.pid : undefined;
  }

  /** Process ids of the live workers (tests kill them). */
  workerPids(): number[] {
    return this.children.flatMap((c) => (c?.pid && c.exitCode === null ? [c.pid] : []));
  }

  /** `http://HOST:PORT` of the coordinator's `/status` and `/metrics` once started (`metatrain watch --coordinator`). */
  get statusUrl(): string | undefined {
    return this.endpoints && `http://${this.endpoints.address}`;
  }

  /**
   * Starts the coordinator on a free loopback port, its metrics on `runtime.metricsPort` (default: a free port),
   * writes `targets.json` and spawns the workers, each with a free metrics port.
   * @throws MetatrainError when the cluster was started, stopped or closed before.
   */
  async start(): Promise<number> {
    this.lifecycle.to('starting');
    this.port = await this.coordinator.start('127.0.0.1:0');
    const n = this.o.workers ?? this.o.config.runtime.workers;
    this.endpoints = await serveHttpEndpoints({ registry: this.registry, host: '127.0.0.1', port: this.o.config.runtime.metricsPort ?? 0, status: () => this.coordinator.status(), portSetting: 'runtime.metricsPort' });
    for (let i = 0; i < n; i++) this.workerMetricsPorts.push(await freeLoopbackPort());
    await writeScrapeTargets(runDir(this.o.config), { coordinator: this.endpoints.address, workers: this.workerMetricsPorts.map((p) => `127.0.0.1:${p}`) });
    for (let i = 0; i < n; i++) this.spawnWorker(i);
    if (this.o.config.compression.enabled) {
      const { startCompressor } = await import('../compress/compressor.js'); // loads tfjs and onnxruntime only when compressing
      const metrics = new CompressorMetrics(this.registry);
      this.compressor = startCompressor(this.queue, { log: createLogger('compressor', join(this.logDir, runLogName('compressor'))), backend: this.o.config.runtime.backend, name: 'local', metrics });
    }
    if (this.o.config.nats) {
      this.bus = await openRunBus(this.o.config.nats.url, this.o.config.name, 'run');
      this.bus.forward(this.coordinator.events);
      for (const warning of this.bus.warnings) this.coordinator.events.emit('warning', warning);
    }
    if (this.state === 'starting') this.lifecycle.to('running');
    return this.port;
  }

  /**
   * Runs the whole run; the workers are stopped afterwards (also on failure), after `lingerMs` (state `lingering`)
   * unless stopped before the run ended; `stop()` during the linger ends it.
   */
  async run(): Promise<RunSummary> {
    try {
      return await this.coordinator.run();
    } finally {
      if (this.state === 'running' && this.o.lingerMs) await this.linger(this.o.lingerMs);
      await this.close();
    }
  }

  /**
   * Graceful stop (Ctrl-C): during the run, the coordinator checkpoints the last completed step; during the linger,
   * the linger ends at once (the run is over: nothing to checkpoint); then everything is closed.
   */
  async stop(): Promise<void> {
    if (this.state === 'lingering') return this.endLinger?.();
    if (this.lifecycle.can('stopping')) this.lifecycle.to('stopping');
    await this.coordinator.stop();
  }

  /** Waits `ms` milliseconds in state `lingering`, or until `stop()` ends the wait. */
  private linger(ms: number): Promise<void> {
    this.lifecycle.to('lingering');
    this.o.onLinger?.();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.endLinger = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  /** Stops the workers (SIGTERM, then SIGKILL after 5 s), the gRPC server and the metrics server; a second call waits for the first. */
  close(): Promise<void> {
    this.closed ??= this.shutDown();
    return this.closed;
  }

  private async shutDown(): Promise<void> {
    this.lifecycle.to('closing');
    await Promise.all(
      this.children.map(
        (child) =>
          new Promise<void>((resolve) => {
            if (!child || child.exitCode !== null || child.signalCode !== null) return resolve();
            const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
            child.once('exit', () => {
              clearTimeout(timer);
              resolve();
            });
            child.kill('SIGTERM');
          }),
      ),
    );
    await this.coordinator.close();
    await this.endpoints?.close();
    await this.compressor?.stop(0);
    await this.bus?.close();
    this.lifecycle.to('closed');
  }

  /** True once closing began: a worker process that exits then is not restarted. */
  private get shuttingDown(): boolean {
    return this.state === 'closing' || this.state === 'closed';
  }

  private spawnWorker(i: number): void {
    // --stay-after-run: this process owns the workers' lifetime (it stops them after the linger); one that left when
    // the run finished would be restarted here.
    const args = [packageFile('bin/metatrain.js'), 'worker', '--coordinator', `127.0.0.1:${this.port}`, '--name', `local-${i}`, '--log-file', join(this.logDir, runLogName(`worker-${i}`)), '--max-backoff-ms', '2000', '--keepalive-ms', String(this.o.config.runtime.keepaliveMs), '--concurrency', String(this.o.config.runtime.workerConcurrency), '--exit-with-parent', '--stay-after-run', '--metrics-host', '127.0.0.1', '--metrics-port', String(this.workerMetricsPorts[i])];
    const child = spawn(process.execPath, args, {
      env: withMallocTunables({ ...process.env, METATRAIN_TOKEN: this.token }),
      // stdin is a pipe the worker watches: if this process dies, even by SIGKILL, the worker leaves too.
      stdio: ['pipe', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-4000);
    });
    this.children[i] = child;
    child.on('exit', (code, signal) => {
      if (this.shuttingDown) return;
      const restarts = (this.restarts[i] = (this.restarts[i] ?? 0) + 1);
      this.log.warn({ worker: i, code, signal, stderr: stderr.trim() }, 'worker process exited');
      if (restarts > (this.o.maxRestarts ?? 20)) {
        this.coordinator.events.emit('warning', `worker ${i} exited ${restarts} times (last: ${signal ?? code}); not restarting it. ${stderr.trim()}`);
        return;
      }
      setTimeout(() => {
        if (!this.shuttingDown) this.spawnWorker(i);
      }, 500).unref();
    });
  }
}
