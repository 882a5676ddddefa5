/**
 * A metatrain worker: the connection to the coordinator (./coordinator-connection.ts: Join stream, hello,
 * keepalive, reconnect with backoff) plus, per session, the execution of its tasks (./task-executor.ts: queue,
 * concurrency, engine, parameter cache, results). This file only joins the two: it builds the engine for the run
 * a `welcome` names (again only when the run config changes) and reports joins and leaves to the observer. Its
 * lifecycle is ./worker-state.ts.
 */
import { parseRecordedConfig, configHash, type RunConfig } from '../core/config';
import type { Logger } from '../core/logger';
import { CoordinatorConnection, type ConnectionOptions, type SessionHandler } from './coordinator-connection';
import type { Engine } from './engine';
import { ParamCache } from './param-cache';
import { TaskExecutor } from './task-executor';
import type { WorkerObserver } from './worker-observer';
import type { WorkerState } from './worker-state';

/** Worker settings: the connection's, plus the engine and who to tell. */
export interface WorkerOptions extends ConnectionOptions {
  /** Builds the engine for a run config (called again only when the run config changes). */
  createEngine(config: RunConfig): Promise<Engine>;
  log: Logger;
  /** Told about joins, leaves and task ends (metrics). */
  observer?: WorkerObserver;
}

/** Runs until {@link Worker.stop}, or until the run is over (`Finished`) unless `stayAfterRun`. */
export class Worker {
  private readonly connection: CoordinatorConnection;
  private engine?: { hash: string; engine: Engine };
  /** Completed tasks (for metrics and tests). */
  tasksCompleted = 0;

  /** @throws TlsFileError when a TLS file of `o.tls` is unusable (src/wire/tls-material.ts). */
  constructor(private readonly o: WorkerOptions) {
    this.connection = new CoordinatorConnection(o);
  }

  /** Sessions established (joins). */
  get joins(): number {
    return this.connection.joins;
  }

  /** Where the worker is in its lifecycle (./worker-state.ts). */
  get state(): WorkerState {
    return this.connection.state;
  }

  /**
   * Joins and serves until stopped or until the run is over (`Finished`, unless `stayAfterRun`); reconnects on every
   * transient failure.
   * @throws the error when retrying cannot help: a refused token (AuthError: UNAUTHENTICATED or PERMISSION_DENIED) or an engine that cannot be
   *   built for the run (BackendError, UnsupportedGradientError, ConfigError, DatasetError).
   */
  run(): Promise<void> {
    return this.connection.run(() => this.session());
  }

  /** Leaves the run: closes the stream (in-flight tasks are re-dispatched by the coordinator). */
  stop(): void {
    this.connection.stop();
  }

  private session(): SessionHandler {
    const executor = new TaskExecutor({ concurrency: this.o.concurrency, log: this.o.log, observer: this.o.observer, onSucceeded: () => this.tasksCompleted++ });
    return {
      welcomed: async (welcome, link) => {
        let engine: Engine;
        try {
          engine = await this.engineFor(welcome.configJson);
        } catch (err) {
          this.o.log.error({ err: (err as Error).message }, 'cannot set up the engine for this run');
          throw err;
        }
        this.o.observer?.joined(welcome.runName, engine);
        executor.start(engine, new ParamCache(link.client, link.metadata), link);
        this.o.log.info({ workerId: welcome.workerId, run: welcome.runName }, 'joined run');
      },
      assigned: (assignment) => executor.enqueue(assignment),
      cancelled: (assignmentId) => executor.cancel(assignmentId),
      ended: () => this.o.observer?.left(),
    };
  }

  /** The engine for the run config of a `welcome`, read as a recorded config: its `nats.url` is the coordinator's to dial. */
  private async engineFor(configJson: string): Promise<Engine> {
    const config = parseRecordedConfig(JSON.parse(configJson));
    const hash = configHash(config);
    if (this.engine?.hash !== hash) this.engine = { hash, engine: await this.o.createEngine(config) };
    return this.engine.engine;
  }
}
