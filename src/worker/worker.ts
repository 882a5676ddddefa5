/**
 * A metatrain worker: dials the coordinator, joins the run (one Join stream = membership), fetches and caches
 * parameter versions, executes assigned tasks with the engine and streams results back in ≤ 1 MiB chunks.
 * When the coordinator goes away it reconnects with exponential backoff and jitter, capped at
 * `maxBackoffMs`, so that it rejoins within that time once the coordinator is back. Every unary/streaming call
 * except the long-lived Join has a deadline; Join relies on gRPC keepalive.
 */
import { hostname } from 'node:os';
import * as grpc from '@grpc/grpc-js';
import { parseRunConfig, configHash, type RunConfig } from '../core/config';
import { BackendError, ConfigError, DatasetError, UnsupportedGradientError } from '../core/errors';
import type { Logger } from '../core/logger';
import { chunkParamSet } from '../core/tensor-chunks';
import { trainGroup } from './task-group';
import { channelCredentials, tokenMetadata, type TlsFiles } from '../wire/credentials';
import { FLOW_CONTROL_WINDOW_BYTES, MAX_MESSAGE_BYTES, metatrainProto, type Assignment, type CoordinatorClient, type CoordinatorMessage } from '../wire/proto';
import { taskSpecFromMessage } from '../wire/task-spec-codec';
import type { Engine } from './engine';
import { ParamCache } from './param-cache';
import { taskKindName, type TaskOutcome, type WorkerObserver } from './worker-observer';

/** Worker settings. */
export interface WorkerOptions {
  /** Coordinator address `host:port`. */
  address: string;
  /** Run token. */
  token: string;
  tls?: TlsFiles;
  /** Name shown in the coordinator's logs and metrics. @default `<hostname>-<pid>` */
  name?: string;
  /** Tasks accepted at once. @default 1 */
  concurrency?: number;
  /** First reconnect delay. @default 200 */
  minBackoffMs?: number;
  /** Largest reconnect delay. @default 5000 */
  maxBackoffMs?: number;
  /** Keepalive ping interval. @default 5000 */
  keepaliveMs?: number;
  /** Time to wait for `welcome` after joining. @default 10000 */
  welcomeTimeoutMs?: number;
  /** Builds the engine for a run config (called again only when the run config changes). */
  createEngine(config: RunConfig): Promise<Engine>;
  /** Backend name reported to the coordinator. */
  backend: string;
  log: Logger;
  /** Told about joins, leaves and task ends (metrics). */
  observer?: WorkerObserver;
}

type Stream = grpc.ClientDuplexStream<unknown, CoordinatorMessage>;

/** Runs until {@link Worker.stop}. */
export class Worker {
  private stopped = false;
  private stream?: Stream;
  private engine?: { hash: string; engine: Engine };
  private wake?: () => void;
  /** Completed tasks (for metrics and tests). */
  tasksCompleted = 0;
  /** Sessions established (joins). */
  joins = 0;

  constructor(private readonly o: WorkerOptions) {}

  /**
   * Joins and serves until stopped; reconnects on every transient failure.
   * @throws the error when retrying cannot help: a refused token (UNAUTHENTICATED) or an engine that cannot be
   *   built for the run (BackendError, UnsupportedGradientError, ConfigError, DatasetError).
   */
  async run(): Promise<void> {
    const min = this.o.minBackoffMs ?? 200;
    const max = this.o.maxBackoffMs ?? 5000;
    let backoff = min;
    while (!this.stopped) {
      const joinedAt = Date.now();
      const joins = this.joins;
      try {
        await this.session();
      } catch (err) {
        if (isPermanent(err)) {
          this.o.log.error({ err: (err as Error).message, address: this.o.address }, 'giving up: retrying cannot fix this');
          throw err;
        }
        if (!this.stopped) this.o.log.warn({ err: (err as Error).message, address: this.o.address }, joins === this.joins ? 'cannot join the coordinator; retrying' : 'coordinator session ended; rejoining');
      }
      if (this.stopped) break;
      if (Date.now() - joinedAt > 30_000) backoff = min;
      const delay = Math.min(max, backoff) * (0.5 + Math.random() / 2);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, delay);
        this.wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
      backoff = Math.min(max, backoff * 2);
    }
  }

  /** Leaves the run: closes the stream (in-flight tasks are re-dispatched by the coordinator). */
  stop(): void {
    this.stopped = true;
    this.stream?.cancel();
    this.wake?.();
  }

  private session(): Promise<void> {
    const keepalive = this.o.keepaliveMs ?? 5000;
    const Client = metatrainProto().Coordinator;
    const client = new Client(this.o.address, channelCredentials(this.o.tls), {
      'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
      'grpc.max_send_message_length': MAX_MESSAGE_BYTES,
      'grpc-node.flow_control_window': FLOW_CONTROL_WINDOW_BYTES,
      'grpc.keepalive_time_ms': keepalive,
      'grpc.keepalive_timeout_ms': keepalive,
      'grpc.keepalive_permit_without_calls': 1,
      'grpc.initial_reconnect_backoff_ms': this.o.minBackoffMs ?? 200,
      'grpc.max_reconnect_backoff_ms': this.o.maxBackoffMs ?? 5000,
    }) as unknown as CoordinatorClient;
    const metadata = tokenMetadata(this.o.token);
    const stream = client.Join(metadata) as unknown as Stream;
    this.stream = stream;
    const cancelled = new Set<string>();
    const queue: Assignment[] = [];
    let running = 0;
    let cache: ParamCache | undefined;
    let engine: Engine | undefined;
    const concurrency = this.o.concurrency ?? 1;

    return new Promise<void>((resolve, reject) => {
      const welcomeTimer = setTimeout(() => {
        stream.cancel();
        reject(new Error(`no welcome from ${this.o.address} within ${this.o.welcomeTimeoutMs ?? 10_000} ms`));
      }, this.o.welcomeTimeoutMs ?? 10_000);
      const finish = (err?: Error) => {
        clearTimeout(welcomeTimer);
        client.close();
        this.o.observer?.left();
        if (err) reject(err);
        else resolve();
      };
      const next = () => {
        while (engine && cache && running < concurrency && queue.length > 0) {
          const a = queue.shift()!;
          if (cancelled.delete(a.assignmentId)) continue;
          running++;
          const started = performance.now();
          void this.execute(a, engine, cache, stream, cancelled).then((outcome) => this.o.observer?.taskEnded(taskKindName(a.kind), outcome, (performance.now() - started) / 1000)).finally(() => {
            running--;
            next();
          });
        }
      };
      stream.on('data', (msg: CoordinatorMessage) => {
        if (msg.welcome) {
          clearTimeout(welcomeTimer);
          const welcome = msg.welcome;
          this.joins++;
          void this.engineFor(welcome.configJson).then(
            (e) => {
              engine = e;
              this.o.observer?.joined(welcome.runName, e);
              cache = new ParamCache(client, metadata);
              this.o.log.info({ workerId: welcome.workerId, run: welcome.runName }, 'joined run');
              next();
            },
            (err: Error) => {
              this.o.log.error({ err: err.message }, 'cannot set up the engine for this run');
              stream.cancel();
              finish(err);
            },
          );
        } else if (msg.assignment) {
          queue.push(msg.assignment);
          next();
        } else if (msg.cancel) {
          cancelled.add(msg.cancel.assignmentId);
        }
      });
      stream.on('error', (err) => finish(err));
      stream.on('end', () => finish());
      stream.write({ hello: { workerName: this.o.name ?? `${hostname()}-${process.pid}`, concurrency, backend: this.o.backend } });
    });
  }

  private async engineFor(configJson: string): Promise<Engine> {
    const config = parseRunConfig(JSON.parse(configJson));
    const hash = configHash(config);
    if (this.engine?.hash !== hash) this.engine = { hash, engine: await this.o.createEngine(config) };
    return this.engine.engine;
  }

  private async execute(a: Assignment, engine: Engine, cache: ParamCache, stream: Stream, cancelled: Set<string>): Promise<TaskOutcome> {
    const started = performance.now();
    try {
      const isJoint = a.kind === 'TASK_KIND_JOINT' || a.paramVersion.startsWith('transfer/');
      const params = await cache.get(a.paramVersion, isJoint ? engine.jointSpec : engine.metaSpec);
      // Yield once so a cancel that arrived during the fetch is seen.
      await new Promise((r) => setImmediate(r));
      if (cancelled.delete(a.assignmentId)) return 'cancelled';
      let gradient;
      let metrics;
      if (a.kind === 'TASK_KIND_TRAIN') {
        const r = a.group.length > 0 ? await trainGroup(engine, params, a.group.map(taskSpecFromMessage)) : await engine.train(params, taskSpecFromMessage(a.task));
        gradient = r.gradient;
        metrics = { queryLoss: r.loss, queryMetric: r.metric };
      } else if (a.kind === 'TASK_KIND_EVAL') {
        const r = await engine.evaluate(params, taskSpecFromMessage(a.task), a.evalSteps, a.resetHead);
        metrics = { evalLoss: r.loss, evalMetric: r.metric, queryLoss: r.loss.at(-1), queryMetric: r.metric.at(-1), chosenSteps: r.chosenSteps };
      } else if (a.kind === 'TASK_KIND_JOINT') {
        const r = await engine.joint(params, a.batchSeed, a.batchSize);
        gradient = r.gradient;
        metrics = { queryLoss: r.loss, queryMetric: r.metric };
      } else {
        throw new Error(`unknown task kind ${a.kind}`);
      }
      if (cancelled.delete(a.assignmentId)) return 'cancelled';
      const durationSeconds = (performance.now() - started) / 1000;
      for (const chunk of gradient ? chunkParamSet(gradient) : []) {
        await write(stream, { result: { assignmentId: a.assignmentId, gradient: [{ ...chunk, data: Buffer.from(chunk.data.buffer, chunk.data.byteOffset, chunk.data.byteLength) }], final: false } });
      }
      await write(stream, { result: { assignmentId: a.assignmentId, final: true, metrics: { ...metrics, durationSeconds } } });
      this.tasksCompleted++;
      return 'succeeded';
    } catch (err) {
      this.o.log.warn({ assignment: a.assignmentId, err: (err as Error).message }, 'task failed');
      await write(stream, { failure: { assignmentId: a.assignmentId, message: (err as Error).message } }).catch(() => undefined);
      return 'failed';
    }
  }
}

/** Errors a reconnect cannot fix. */
function isPermanent(err: unknown): boolean {
  if (err instanceof BackendError || err instanceof UnsupportedGradientError || err instanceof ConfigError || err instanceof DatasetError) return true;
  return (err as { code?: number }).code === grpc.status.UNAUTHENTICATED;
}

function write(stream: Stream, message: unknown): Promise<void> {
  return new Promise((resolve, reject) => {
    if (stream.destroyed || stream.writableEnded) return reject(new Error('stream closed'));
    if (stream.write(message)) resolve();
    else stream.once('drain', () => resolve());
  });
}
