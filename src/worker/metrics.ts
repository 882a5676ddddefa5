/**
 * Prometheus metrics of a worker process, registered in an injected registry (see src/core/metrics.ts for the
 * naming rules). Every series carries the `worker` label (its name) and, once the worker has joined a run, the
 * `run` label. tfjs memory is read from the engine at scrape time.
 */
import type { Registry } from 'prom-client';
import { TASK_BUCKETS_SECONDS, counter, gauge, histogram } from '../core/metrics';
import type { Engine } from './engine';
import type { TaskKindName, TaskOutcome, WorkerObserver } from './worker-observer';

const KINDS: readonly TaskKindName[] = ['train', 'eval', 'joint'];
const OUTCOMES: readonly TaskOutcome[] = ['succeeded', 'failed', 'cancelled'];

/** The metrics of one worker; pass it as the Worker's `observer`. */
export class WorkerMetrics implements WorkerObserver {
  private engine?: Engine;
  private inSession = false;
  private readonly connectedGauge;
  private readonly joins;
  private readonly tasks;
  private readonly taskSeconds;

  /**
   * @param registry where the metrics live; its default labels are set to `{ worker }` now and
   *   `{ worker, run }` on joining.
   * @throws MetatrainError / Error when a metric of the same name is already in `registry`.
   */
  constructor(
    private readonly registry: Registry,
    private readonly worker: string,
  ) {
    registry.setDefaultLabels({ worker });
    this.connectedGauge = gauge(registry, { name: 'metatrain_worker_connected', help: 'Whether the worker is in a session with its coordinator (1) or reconnecting (0).' });
    this.connectedGauge.set(0);
    this.joins = counter(registry, { name: 'metatrain_worker_joins_total', help: 'Sessions established with a coordinator (the first join and every rejoin).' });
    this.joins.inc(0);
    this.tasks = counter<'kind' | 'outcome'>(registry, { name: 'metatrain_worker_tasks_total', help: 'Tasks ended on this worker, by kind (train, eval, joint) and outcome (succeeded, failed, cancelled).', labelNames: ['kind', 'outcome'] });
    for (const kind of KINDS) for (const outcome of OUTCOMES) this.tasks.inc({ kind, outcome }, 0);
    this.taskSeconds = histogram<'kind'>(registry, { name: 'metatrain_worker_task_duration_seconds', help: 'Wall time of one task on this worker (parameter fetch, inner loop, result upload), by kind.', labelNames: ['kind'], buckets: TASK_BUCKETS_SECONDS });
    const memory = () => this.engine?.memory() ?? { tensors: 0, bytes: 0 };
    gauge(registry, { name: 'metatrain_worker_tfjs_tensors', help: 'Live tfjs tensors of the engine (a growing count is a leak).', collect() { this.set(memory().tensors); } });
    gauge(registry, { name: 'metatrain_worker_tfjs_memory_bytes', help: 'Bytes held by live tfjs tensors of the engine.', collect() { this.set(memory().bytes); } });
  }

  /** Whether the worker is in a session with a coordinator (its readiness). */
  get connected(): boolean {
    return this.inSession;
  }

  /** @inheritdoc */
  joined(run: string, engine: Engine): void {
    this.engine = engine;
    this.inSession = true;
    this.registry.setDefaultLabels({ worker: this.worker, run });
    this.connectedGauge.set(1);
    this.joins.inc();
  }

  /** @inheritdoc */
  left(): void {
    this.inSession = false;
    this.connectedGauge.set(0);
  }

  /** @inheritdoc */
  taskEnded(kind: TaskKindName, outcome: TaskOutcome, seconds: number): void {
    this.tasks.inc({ kind, outcome });
    if (outcome === 'succeeded') this.taskSeconds.observe({ kind }, seconds);
  }
}
