/**
 * The task side of a light simulated worker for benchmarks at hundreds of workers (issue 10, bench/scale): the real
 * worker's connection (src/worker/coordinator-connection.ts: Join stream with the run token, hello, welcome,
 * reconnects) with a session handler that runs each assignment with the simulated engine (./simulated-engine.ts) as
 * soon as it arrives, and sends the real result messages (src/worker/result-parts.ts). Unlike the real worker's
 * executor it neither assembles nor checks the parameters: a version that an assignment does not carry is fetched
 * with GetParameters once (the coordinator's cost is the same) and its chunks are dropped, since the simulated engine
 * does not read them. It has no queue: the coordinator never gives a worker more tasks than its concurrency. Results
 * are those of the real worker with the simulated engine (tested).
 */
import { parseRecordedConfig } from '../core/config';
import { paramSet } from '../core/param-set';
import type { Logger } from '../core/logger';
import { CoordinatorConnection, type SessionHandler, type SessionLink } from '../worker/coordinator-connection';
import type { Engine } from '../worker/engine';
import { sendFailure, sendResult } from '../worker/result-parts';
import { runAssignment } from '../worker/run-assignment';
import type { Assignment } from '../wire/proto';
import { simulatedEngine } from './simulated-engine';
import type { TimeModel } from './time-model';

/** Versions a simulated worker remembers having fetched (the real worker's cache holds 4). */
const VERSIONS_KEPT = 4;

/** Settings of a {@link SimulatedWorker}. */
export interface SimulatedWorkerOptions {
  /** Coordinator address `host:port`. */
  address: string;
  token: string;
  /** Worker name (also decides which of its tasks straggle: ./time-model.ts). */
  name: string;
  /** Tasks run at once (told to the coordinator in `hello`). @default 1 */
  concurrency?: number;
  time: TimeModel;
  log: Logger;
  /**
   * Told of each result sent: the assignment id, when its assignment arrived and when its result was handed to
   * the stream, both in Unix milliseconds (`performance.timeOrigin + performance.now()`, comparable across the
   * processes of one machine). `bench/scale --timeline` uses it to split a step's overhead.
   */
  onResultSent?: (assignmentId: string, receivedUnixMs: number, sentUnixMs: number) => void;
}

/** Now in Unix milliseconds, sub-millisecond resolution. */
const unixMs = () => performance.timeOrigin + performance.now();

/** A light simulated worker (see the file comment). */
export class SimulatedWorker {
  private readonly connection: CoordinatorConnection;
  /** Results sent (for tests). */
  tasksCompleted = 0;

  constructor(private readonly o: SimulatedWorkerOptions) {
    this.connection = new CoordinatorConnection({ address: o.address, token: o.token, name: o.name, concurrency: o.concurrency, backend: 'simulated', log: o.log });
  }

  /** Joins and serves until stopped or until the run is over; reconnects on transient failures. @throws as CoordinatorConnection.run */
  run(): Promise<void> {
    return this.connection.run(() => this.session());
  }

  /** Leaves the run. */
  stop(): void {
    this.connection.stop();
  }

  private session(): SessionHandler {
    const none = paramSet([]);
    const fetched = new Map<string, Promise<void>>();
    const cancelled = new Set<string>();
    const early: Assignment[] = [];
    let ready: { engine: Engine; link: SessionLink } | undefined;

    const parameters = (a: Assignment, link: SessionLink): Promise<void> => {
      let fetch = fetched.get(a.paramVersion);
      if (!fetch) {
        fetch =
          a.parameters.length > 0
            ? Promise.resolve()
            : new Promise<void>((resolve, reject) => {
                const call = link.client.GetParameters({ version: a.paramVersion }, link.metadata);
                call.on('data', () => undefined);
                call.on('end', () => resolve());
                call.on('error', reject);
              });
        fetch.catch(() => fetched.delete(a.paramVersion));
        fetched.set(a.paramVersion, fetch);
        if (fetched.size > VERSIONS_KEPT) fetched.delete(fetched.keys().next().value!);
      }
      return fetch;
    };

    const execute = async (a: Assignment, engine: Engine, link: SessionLink): Promise<void> => {
      const started = performance.now();
      const received = unixMs();
      try {
        await parameters(a, link);
        const outcome = await runAssignment(engine, none, a);
        if (cancelled.delete(a.assignmentId)) return;
        const sent = unixMs();
        await sendResult(link, a.assignmentId, outcome, started);
        this.o.onResultSent?.(a.assignmentId, received, sent);
        this.tasksCompleted++;
      } catch (err) {
        await sendFailure(link, a.assignmentId, err);
      }
    };

    return {
      welcomed: async (welcome, link) => {
        ready = { engine: simulatedEngine(parseRecordedConfig(JSON.parse(welcome.configJson)), this.o.time, this.o.name), link };
        for (const a of early.splice(0)) void execute(a, ready.engine, link);
      },
      assigned: (a) => {
        if (ready) void execute(a, ready.engine, ready.link);
        else early.push(a);
      },
      cancelled: (assignmentId) => cancelled.add(assignmentId),
      ended: () => undefined,
    };
  }
}
