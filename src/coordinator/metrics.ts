/**
 * Prometheus metrics of a coordinator, fed by its RunEvents and its TaskDispatcher's events, registered in an
 * injected registry whose default label `run` names the run (see src/core/metrics.ts for the naming rules).
 * Every labelled counter is initialised at 0 for each known label value, so that `rate()` is defined (0) before
 * the first event instead of absent. Task ids and steps never become labels.
 */
import type { Counter, Registry } from 'prom-client';
import type { RunConfig } from '../core/config';
import { countParams } from '../core/param-set';
import { TASK_BUCKETS_SECONDS, counter, gauge, histogram } from '../core/metrics';
import { taskMetric } from '../tasks/family';
import type { RunEvents } from './run-events';
import { REJECTION_REASONS, type RejectionReason } from './result-rejection';
import type { RunPhase } from './run-phase';
import type { TaskDispatcher } from './task-dispatcher';
import type { WorkItem, WorkKind, WorkResult } from './work-item';
import { PARAMETER_ROUTES, type ParameterRoute } from './inline-parameters';

const PHASES: readonly RunPhase[] = ['pending', 'training', 'evaluating', 'compressing', 'succeeded', 'failed', 'stopped'];
const KINDS: readonly WorkKind[] = ['train', 'eval', 'joint'];

/** Upper bounds of one outer step (a meta-batch of inner loops): 50 ms to 10 min. */
export const OUTER_STEP_BUCKETS_SECONDS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];
/** Upper bounds of writing one checkpoint (fsync included). */
export const CHECKPOINT_BUCKETS_SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/** What the metrics observe. */
export interface CoordinatorMetricsSource {
  readonly events: RunEvents;
  readonly dispatcher: TaskDispatcher;
}

/** The metrics of one coordinator. */
export class CoordinatorMetrics {
  private readonly paramBytes: Counter<'via'>;
  private readonly rejected: Counter<'kind' | 'reason'>;

  /**
   * Creates the metrics in `registry` (whose default labels should carry `run`) and subscribes to `source`.
   * @param config the run config: the name of the task metric (`accuracy` or `mse`), max steps and the
   *   checkpoint interval are exported as labels and gauges.
   * @throws MetatrainError / Error when a metric of the same name is already in `registry`.
   */
  constructor(registry: Registry, config: RunConfig, source: CoordinatorMetricsSource) {
    const { events, dispatcher } = source;
    const metric = taskMetric(config);

    const phase = gauge<'phase'>(registry, { name: 'metatrain_run_phase', help: 'Current phase of the run: 1 for the current phase, 0 for the others.', labelNames: ['phase'] });
    const setPhase = (current: RunPhase) => PHASES.forEach((p) => phase.set({ phase: p }, p === current ? 1 : 0));
    setPhase('pending');
    events.on('phase', (p) => setPhase(p));

    const step = gauge(registry, { name: 'metatrain_meta_step', help: 'Outer (meta) steps completed.' });
    gauge(registry, { name: 'metatrain_meta_steps_max', help: 'Configured maximum number of outer steps (training.maxSteps).' }).set(config.training.maxSteps);
    const trainLoss = gauge(registry, { name: 'metatrain_meta_train_loss', help: 'Mean query loss of the last meta-batch after inner-loop adaptation.' });
    const trainMetric = gauge<'metric'>(registry, { name: 'metatrain_meta_train_metric', help: 'Mean query metric (label metric: accuracy or mse) of the last meta-batch after adaptation.', labelNames: ['metric'] });
    const stepSeconds = histogram(registry, { name: 'metatrain_outer_step_duration_seconds', help: 'Wall time of one outer step: dispatch, inner loops on the workers, aggregation and the Adam step.', buckets: OUTER_STEP_BUCKETS_SECONDS });
    events.on('step', (e) => {
      step.set(e.step);
      trainLoss.set(e.metaLoss);
      trainMetric.set({ metric }, e.metaMetric);
      stepSeconds.observe(e.durationSeconds);
    });

    const valLoss = gauge(registry, { name: 'metatrain_meta_val_loss', help: 'Mean query loss on the fixed meta-validation tasks after adaptation (last validation).' });
    const valMetric = gauge<'metric'>(registry, { name: 'metatrain_meta_val_metric', help: 'Mean query metric (label metric: accuracy or mse) on the meta-validation tasks after adaptation.', labelNames: ['metric'] });
    events.on('validation', (e) => {
      valLoss.set(e.loss);
      valMetric.set({ metric }, e.metric);
    });

    const byKind = (name: string, help: string) => {
      const c = counter<'kind'>(registry, { name, help, labelNames: ['kind'] });
      for (const kind of KINDS) c.inc({ kind }, 0);
      return c;
    };
    const dispatched = byKind('metatrain_tasks_dispatched_total', 'Task attempts handed to workers, by kind (train, eval, joint).');
    const completed = byKind('metatrain_tasks_completed_total', 'Tasks completed with a valid result, by kind.');
    const redispatched = byKind('metatrain_tasks_redispatched_total', 'Task attempts lost (worker left, lease expired, error, rejected result) and queued again, by kind.');
    const failed = byKind('metatrain_tasks_failed_total', 'Tasks that exhausted runtime.maxAttempts (the run fails), by kind.');
    const taskSeconds = histogram<'kind'>(registry, { name: 'metatrain_task_duration_seconds', help: 'Compute time of one task on its worker (inner loop and meta-gradient), by kind.', labelNames: ['kind'], buckets: TASK_BUCKETS_SECONDS });
    this.rejected = counter<'kind' | 'reason'>(registry, {
      name: 'metatrain_task_results_rejected_total',
      help: 'Worker results refused by the coordinator and retried, by kind and reason (non_finite: NaN/Inf values; shape: missing, unexpected or mis-shaped tensors or curves; malformed: other protocol breaks).',
      labelNames: ['kind', 'reason'],
    });
    for (const kind of KINDS) for (const reason of REJECTION_REASONS) this.rejected.inc({ kind, reason }, 0);
    dispatcher.on('dispatched', (item: WorkItem) => dispatched.inc({ kind: item.kind }));
    dispatcher.on('redispatched', (item: WorkItem) => redispatched.inc({ kind: item.kind }));
    dispatcher.on('failed', (item: WorkItem) => failed.inc({ kind: item.kind }));
    const gradientBytes = counter(registry, { name: 'metatrain_gradient_bytes_received_total', help: 'Gradient payload bytes of accepted results (float32), all kinds; per-worker aggregation sends one gradient per group.' });
    gradientBytes.inc(0);
    dispatcher.on('completed', (item: WorkItem, result: WorkResult) => {
      completed.inc({ kind: item.kind });
      if (result.gradient) gradientBytes.inc(4 * countParams(result.gradient));
      taskSeconds.observe({ kind: item.kind }, result.metrics.durationSeconds);
    });

    gauge<'state'>(registry, {
      name: 'metatrain_workers',
      help: 'Joined workers by state: busy (running at least one task) or idle.',
      labelNames: ['state'],
      collect() {
        const busy = dispatcher.busyWorkers;
        this.set({ state: 'busy' }, busy);
        this.set({ state: 'idle' }, dispatcher.workerCount - busy);
      },
    });
    gauge(registry, { name: 'metatrain_tasks_queued', help: 'Task attempts waiting for a free worker slot.', collect() { this.set(dispatcher.queued); } });
    gauge(registry, { name: 'metatrain_tasks_in_flight', help: 'Task attempts running on workers (leases held).', collect() { this.set(dispatcher.inFlight); } });
    this.paramBytes = counter<'via'>(registry, { name: 'metatrain_param_broadcast_bytes_total', help: 'Parameter bytes sent to workers, all versions, by route: stream (GetParameters) or inline (inside an assignment, runtime.inlineParametersMaxBytes).', labelNames: ['via'] });
    for (const via of PARAMETER_ROUTES) this.paramBytes.inc({ via }, 0);

    const ckptSeconds = histogram(registry, { name: 'metatrain_checkpoint_duration_seconds', help: 'Time to write one checkpoint (encode, fsync, rename, manifest).', buckets: CHECKPOINT_BUCKETS_SECONDS });
    const ckptBytes = gauge(registry, { name: 'metatrain_checkpoint_size_bytes', help: 'Bytes written by the last checkpoint.' });
    const ckptStep = gauge(registry, { name: 'metatrain_checkpoint_step', help: 'Outer step of the last checkpoint written.' });
    const ckptTime = gauge(registry, { name: 'metatrain_checkpoint_last_success_timestamp_seconds', help: 'Unix time of the last checkpoint written.' });
    gauge(registry, { name: 'metatrain_checkpoint_interval_steps', help: 'Configured checkpoint interval (training.checkpointEverySteps).' }).set(config.training.checkpointEverySteps);
    const ckptFailures = counter(registry, { name: 'metatrain_checkpoint_failures_total', help: 'Checkpoints that could not be written.' });
    ckptFailures.inc(0);
    events.on('checkpoint', (e) => {
      ckptSeconds.observe(e.durationSeconds);
      ckptBytes.set(e.bytes);
      ckptStep.set(e.step);
      ckptTime.set(Date.now() / 1000);
    });
    events.on('checkpointFailed', () => ckptFailures.inc());

    const warnings = counter(registry, { name: 'metatrain_warnings_total', help: 'Warnings of the run (resumed, corrupt checkpoint skipped, worker slot given up, ...).' });
    warnings.inc(0);
    events.on('warning', () => warnings.inc());
  }

  /** Counts one refused result of an item of `kind`, labelled with why it was refused. */
  resultRejected(kind: WorkKind, reason: RejectionReason): void {
    this.rejected.inc({ kind, reason });
  }

  /** Counts parameter bytes sent to a worker, by route. */
  parametersSent(bytes: number, via: ParameterRoute): void {
    this.paramBytes.inc({ via }, bytes);
  }
}
