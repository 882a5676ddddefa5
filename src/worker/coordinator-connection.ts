/**
 * The worker's connection to the coordinator: dials it, opens the Join stream (one open stream = membership),
 * sends `hello`, waits for `welcome` and hands every coordinator message to a {@link SessionHandler} (the task
 * execution side, src/worker/task-executor.ts, through the Worker). When the coordinator goes away it reconnects
 * with exponential backoff and jitter, capped at `maxBackoffMs`, so that it rejoins within that time once the
 * coordinator is back. When the coordinator says the run is over (`Finished`, docs/wire.md) it leaves and `run()`
 * resolves, unless `stayAfterRun`. Join relies on gRPC keepalive (`keepaliveMs`); the other calls carry deadlines.
 * Drives the worker's lifecycle (./worker-state.ts). Knows nothing of engines or tasks.
 */
import { hostname } from 'node:os';
import * as grpc from '@grpc/grpc-js';
import { BackendError, ConfigError, DatasetError, UnsupportedGradientError } from '../core/errors';
import { Lifecycle } from '../core/lifecycle';
import type { Logger } from '../core/logger';
import { channelCredentials, tokenMetadata, type TlsFiles } from '../wire/credentials';
import { FLOW_CONTROL_WINDOW_BYTES, MAX_MESSAGE_BYTES, metatrainProto, type Assignment, type CoordinatorClient, type CoordinatorMessage } from '../wire/proto';
import { refusedCredentials } from '../wire/refused-credentials';
import { notGrpc, tlsMismatch } from './connection-error';
import { unreachableReason } from '../wire/grpc-failure-reason';
import { WORKER_TRANSITIONS, type WorkerState } from './worker-state';

/** Settings of the connection. */
export interface ConnectionOptions {
  /** Coordinator address `host:port`. */
  address: string;
  /** Run token. */
  token: string;
  tls?: TlsFiles;
  /** Name shown in the coordinator's logs and metrics. @default `<hostname>-<pid>` */
  name?: string;
  /** Tasks accepted at once (told to the coordinator in `hello`). @default 1 */
  concurrency?: number;
  /** Backend name reported to the coordinator. */
  backend: string;
  /** First reconnect delay. @default 200 */
  minBackoffMs?: number;
  /** Largest reconnect delay. @default 5000 */
  maxBackoffMs?: number;
  /** Keepalive ping interval. @default 5000 */
  keepaliveMs?: number;
  /** Time to wait for `welcome` after joining. @default 10000 */
  welcomeTimeoutMs?: number;
  /**
   * Stay joined when the run is over (`Finished`), and rejoin the coordinator's next run, instead of leaving; for
   * a worker whose launcher owns its lifetime (`metatrain run`, a Kubernetes Deployment). @default false
   */
  stayAfterRun?: boolean;
  log: Logger;
}

/** The `welcome` message of a session. */
export type Welcome = NonNullable<CoordinatorMessage['welcome']>;

/** The `finished` message: the run is over. */
type Finished = NonNullable<CoordinatorMessage['finished']>;

/** What a session offers its handler: the client (for GetParameters), the call metadata, and sending on Join. */
export interface SessionLink {
  readonly client: CoordinatorClient;
  readonly metadata: grpc.Metadata;
  /**
   * Sends one WorkerMessage (`result` or `failure`) on the Join stream, waiting for the stream to drain when full.
   * @throws Error `stream closed` when the session has ended.
   */
  send(message: unknown): Promise<void>;
}

/** One session's receiver of coordinator messages (a fresh one per session). */
export interface SessionHandler {
  /** The coordinator welcomed this worker; a rejection ends the session with that error (a permanent one ends the worker). */
  welcomed(welcome: Welcome, link: SessionLink): Promise<void>;
  /** An assignment arrived (possibly before `welcomed` settled). */
  assigned(assignment: Assignment): void;
  /** The coordinator withdrew an assignment. */
  cancelled(assignmentId: string): void;
  /** The session ended (coordinator gone, stream error, or stop). */
  ended(): void;
}

type Stream = grpc.ClientDuplexStream<unknown, CoordinatorMessage>;

/** Joins, rejoins after failures, and stops; one instance per worker. */
export class CoordinatorConnection {
  private readonly lifecycle = new Lifecycle<WorkerState>('worker', WORKER_TRANSITIONS, 'idle');
  private readonly credentials: grpc.ChannelCredentials;
  private stream?: Stream;
  private wake?: () => void;
  /** Sessions established (welcomes received). */
  joins = 0;

  /** @throws TlsFileError when a TLS file of `o.tls` is unusable (src/wire/tls-material.ts): checked once, here. */
  constructor(private readonly o: ConnectionOptions) {
    this.credentials = channelCredentials(o.tls);
  }

  /** The worker's lifecycle state. */
  get state(): WorkerState {
    return this.lifecycle.state;
  }

  /**
   * Joins and serves sessions (each with a handler from `newSession`) until stopped, or until the run is over
   * (`Finished`, unless `stayAfterRun`); reconnects on every transient failure.
   * @throws the error when retrying cannot help ({@link isPermanent}); AuthError when the coordinator refuses the
   *   token or certificate (UNAUTHENTICATED, PERMISSION_DENIED: ../wire/refused-credentials); TlsMismatchError when the TLS handshake fails in
   *   a way a retry cannot fix, NotGrpcError when the address answers but not in gRPC (./connection-error).
   */
  async run(newSession: () => SessionHandler): Promise<void> {
    const min = this.o.minBackoffMs ?? 200;
    const max = this.o.maxBackoffMs ?? 5000;
    let backoff = min;
    while (this.lifecycle.can('joining')) {
      this.lifecycle.to('joining');
      const joinedAt = Date.now();
      const joins = this.joins;
      let failure: unknown;
      try {
        await this.session(newSession());
      } catch (err) {
        if (this.ended()) break;
        const permanent = tlsMismatch(err, this.o.address) ?? notGrpc(err, this.o.address) ?? refusedCredentials(err) ?? (isPermanent(err) ? err : undefined);
        if (permanent) {
          this.o.log.error({ err: (permanent as Error).message, address: this.o.address }, 'giving up: retrying cannot fix this');
          this.lifecycle.to('failed');
          throw permanent;
        }
        failure = err;
      }
      if (this.ended()) break;
      this.lifecycle.to('backing-off');
      if (Date.now() - joinedAt > 30_000) backoff = min;
      const delay = Math.min(max, backoff) * (0.5 + Math.random() / 2);
      if (failure !== undefined) this.logRetry(failure, joins === this.joins, delay);
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

  /**
   * Logs the failure before a retry in `delayMs`: a coordinator that cannot be reached in words (`coordinator
   * 127.0.0.1:50051 not reachable (connection refused); retrying in 0.2 s`, grpc-js's text at debug level), any
   * other failure with its message.
   */
  private logRetry(err: unknown, joining: boolean, delayMs: number): void {
    const address = this.o.address;
    const retry = `${joining ? 'retrying' : 'rejoining'} in ${(delayMs / 1000).toFixed(1)} s`;
    const unreachable = unreachableReason(err);
    if (unreachable === undefined) {
      this.o.log.warn({ err: (err as Error).message, address }, `${joining ? 'cannot join the coordinator' : 'coordinator session ended'}; ${retry}`);
      return;
    }
    this.o.log.debug({ err: (err as Error).message, address }, 'coordinator not reachable');
    this.o.log.warn({ address }, `coordinator ${address} not reachable (${unreachable}); ${retry}`);
  }

  /** Leaves the run: closes the stream (in-flight tasks are re-dispatched by the coordinator). */
  stop(): void {
    if (this.lifecycle.can('stopped')) this.lifecycle.to('stopped');
    this.stream?.cancel();
    this.wake?.();
  }

  /** Whether the worker has left for good: stopped, or the run is over. */
  private ended(): boolean {
    return this.state === 'stopped' || this.state === 'finished';
  }

  /** The run is over (`Finished`): leave it, or, with `stayAfterRun`, stay joined. */
  private runFinished(finished: Finished, stream: Stream): void {
    if (this.o.stayAfterRun) {
      this.o.log.info({ phase: finished.phase }, `the run finished (${finished.phase}); staying for the next run (--stay-after-run)`);
      return;
    }
    this.o.log.info({ phase: finished.phase, message: finished.message }, `the run finished (${finished.phase}); leaving`);
    if (this.lifecycle.can('finished')) this.lifecycle.to('finished');
    stream.cancel();
  }

  private session(handler: SessionHandler): Promise<void> {
    const keepalive = this.o.keepaliveMs ?? 5000;
    const Client = metatrainProto().Coordinator;
    const client = new Client(this.o.address, this.credentials, {
      'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
      'grpc.max_send_message_length': MAX_MESSAGE_BYTES,
      'grpc-node.flow_control_window': FLOW_CONTROL_WINDOW_BYTES,
      'grpc.keepalive_time_ms': keepalive,
      'grpc.keepalive_timeout_ms': keepalive,
      'grpc.keepalive_permit_without_calls': 1,
      'grpc.initial_reconnect_backoff_ms': this.o.minBackoffMs ?? 200,
      'grpc.max_reconnect_backoff_ms': this.o.maxBackoffMs ?? 5000,
      // Its own connection, as a worker pod has: grpc-js otherwise shares one connection between the clients of a
      // process with the same target and options (its global subchannel pool), so bench/scale's hosts ran 64
      // simulated workers over one HTTP/2 connection. Closed with the client at the end of the session.
      'grpc.use_local_subchannel_pool': 1,
    }) as unknown as CoordinatorClient;
    const metadata = tokenMetadata(this.o.token);
    const stream = client.Join(metadata) as unknown as Stream;
    this.stream = stream;
    const link: SessionLink = { client, metadata, send: (message) => write(stream, message) };
    const welcomeTimeoutMs = this.o.welcomeTimeoutMs ?? 10_000;

    return new Promise<void>((resolve, reject) => {
      const welcomeTimer = setTimeout(() => {
        stream.cancel();
        reject(new Error(`no welcome from ${this.o.address} within ${welcomeTimeoutMs} ms`));
      }, welcomeTimeoutMs);
      let finished = false;
      const finish = (err?: Error) => {
        clearTimeout(welcomeTimer);
        if (finished) return;
        finished = true;
        client.close();
        handler.ended();
        if (err) reject(err);
        else resolve();
      };
      stream.on('data', (msg: CoordinatorMessage) => {
        if (msg.welcome) {
          clearTimeout(welcomeTimer);
          this.joins++;
          if (this.lifecycle.can('joined')) this.lifecycle.to('joined');
          handler.welcomed(msg.welcome, link).catch((err: Error) => {
            stream.cancel();
            finish(err);
          });
        } else if (msg.assignment) {
          handler.assigned(msg.assignment);
        } else if (msg.cancel) {
          handler.cancelled(msg.cancel.assignmentId);
        } else if (msg.finished) {
          this.runFinished(msg.finished, stream);
        }
      });
      stream.on('error', (err) => finish(err));
      stream.on('end', () => finish());
      stream.write({ hello: { workerName: this.o.name ?? `${hostname()}-${process.pid}`, concurrency: this.o.concurrency ?? 1, backend: this.o.backend } });
    });
  }
}

/** Errors a reconnect cannot fix besides refused credentials (../wire/refused-credentials): an engine that cannot be built for the run. */
function isPermanent(err: unknown): boolean {
  return err instanceof BackendError || err instanceof UnsupportedGradientError || err instanceof ConfigError || err instanceof DatasetError;
}

function write(stream: Stream, message: unknown): Promise<void> {
  return new Promise((resolve, reject) => {
    if (stream.destroyed || stream.writableEnded) return reject(new Error('stream closed'));
    if (stream.write(message)) resolve();
    else stream.once('drain', () => resolve());
  });
}
