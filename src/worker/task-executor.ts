/**
 * The worker's task execution for one session: queues assignments, runs at most `concurrency` at once with the
 * engine, fetches each assignment's parameters through the parameter cache (the spec chosen by the assignment's
 * `param_kind`), honours cancels, and sends results (./result-parts.ts: gradient chunks and metrics) or failures
 * back through the session's link; a small version that arrives inside an assignment goes straight to the cache.
 * Knows nothing of dialing, joining or reconnecting (./coordinator-connection.ts).
 */
import type { Logger } from '../core/logger';
import type { ParamSpec } from '../core/param-set';
import type { Assignment } from '../wire/proto';
import type { SessionLink } from './coordinator-connection';
import type { Engine } from './engine';
import type { ParamCache } from './param-cache';
import { sendFailure, sendResult } from './result-parts';
import { runAssignment } from './run-assignment';
import { taskKindName, type TaskOutcome, type WorkerObserver } from './worker-observer';

/** Settings of an executor. */
export interface TaskExecutorOptions {
  /** Tasks run at once. @default 1 */
  concurrency?: number;
  log: Logger;
  /** Told about each task's end (metrics). */
  observer?: WorkerObserver;
  /** Called after each task that succeeded. */
  onSucceeded?(): void;
}

/** Executes one session's assignments; nothing runs before {@link TaskExecutor.start}. */
export class TaskExecutor {
  private readonly queue: Assignment[] = [];
  private readonly cancelled = new Set<string>();
  private running = 0;
  private ready?: { engine: Engine; cache: ParamCache; link: SessionLink };

  constructor(private readonly o: TaskExecutorOptions) {}

  /** Starts executing (queued assignments first) with the session's engine, parameter cache and link. */
  start(engine: Engine, cache: ParamCache, link: SessionLink): void {
    this.ready = { engine, cache, link };
    this.next();
  }

  /** Queues an assignment. */
  enqueue(assignment: Assignment): void {
    this.queue.push(assignment);
    this.next();
  }

  /** Drops an assignment: not started if queued, its result not sent if running. */
  cancel(assignmentId: string): void {
    this.cancelled.add(assignmentId);
  }

  private next(): void {
    const ready = this.ready;
    while (ready && this.running < (this.o.concurrency ?? 1) && this.queue.length > 0) {
      const a = this.queue.shift()!;
      // A small version inside the assignment goes to the cache first (also when the task was cancelled: the
      // coordinator sends a version inline once per worker, and later assignments of it rely on the cache).
      if (a.parameters.length > 0) offerInline(a, ready.engine, ready.cache);
      if (this.cancelled.delete(a.assignmentId)) continue;
      this.running++;
      const started = performance.now();
      void this.execute(a, ready.engine, ready.cache, ready.link)
        .then((outcome) => this.o.observer?.taskEnded(taskKindName(a.kind), outcome, (performance.now() - started) / 1000))
        .finally(() => {
          this.running--;
          this.next();
        });
    }
  }

  private async execute(a: Assignment, engine: Engine, cache: ParamCache, link: SessionLink): Promise<TaskOutcome> {
    const started = performance.now();
    try {
      const params = await cache.get(a.paramVersion, paramSpecOf(a, engine));
      // Yield once so a cancel that arrived during the fetch is seen.
      await new Promise((r) => setImmediate(r));
      if (this.cancelled.delete(a.assignmentId)) return 'cancelled';
      const outcome = await runAssignment(engine, params, a);
      if (this.cancelled.delete(a.assignmentId)) return 'cancelled';
      await sendResult(link, a.assignmentId, outcome, started);
      this.o.onSucceeded?.();
      return 'succeeded';
    } catch (err) {
      this.o.log.warn({ assignment: a.assignmentId, err: (err as Error).message }, 'task failed');
      await sendFailure(link, a.assignmentId, err);
      return 'failed';
    }
  }
}

/**
 * The spec an assignment's parameters must have: the engine's meta-parameter spec for `PARAM_KIND_META`, the joint
 * (transfer baseline) spec for `PARAM_KIND_JOINT`.
 * @throws Error naming the kind when the assignment names none or an unknown one.
 */
function paramSpecOf(a: Assignment, engine: Engine): ParamSpec {
  if (a.paramKind === 'PARAM_KIND_META') return engine.metaSpec;
  if (a.paramKind === 'PARAM_KIND_JOINT') return engine.jointSpec;
  throw new Error(`assignment ${a.assignmentId} names no known parameter kind (param_kind ${a.paramKind}): expected PARAM_KIND_META or PARAM_KIND_JOINT`);
}

/** Hands an assignment's inline parameter chunks to the cache; an unknown parameter kind is left for the task to report. */
function offerInline(a: Assignment, engine: Engine, cache: ParamCache): void {
  let spec: ParamSpec;
  try {
    spec = paramSpecOf(a, engine);
  } catch {
    return;
  }
  cache.offer(a.paramVersion, a.parameters, spec);
}
