import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { parseRunConfig } from '../../src/core/config';
import { RunFailedError } from '../../src/core/errors';
import { createLogger } from '../../src/core/logger';
import { createMetricsRegistry } from '../../src/core/metrics';
import { Coordinator } from '../../src/coordinator/coordinator';
import { CoordinatorMetrics } from '../../src/coordinator/metrics';
import { RunEvents } from '../../src/coordinator/run-events';
import { TaskDispatcher, type WorkerSlot } from '../../src/coordinator/task-dispatcher';
import type { WorkItem } from '../../src/coordinator/work-item';
import { sinusoidConfig, tempDir } from '../support/harness';
import { rawWorker } from '../support/raw-worker';

function setup() {
  const registry = createMetricsRegistry({ run: 'unit-run' });
  const events = new RunEvents();
  const dispatcher = new TaskDispatcher({ leaseTimeoutMs: 60_000, maxAttempts: 2 });
  const metrics = new CoordinatorMetrics(registry, parseRunConfig(sinusoidConfig(tempDir(), { training: { maxSteps: 40, checkpointEverySteps: 5 } })), { events, dispatcher });
  /** The value of one series in the exposition, or undefined. */
  const value = async (series: string) => {
    const line = (await registry.metrics()).split('\n').find((l) => l.startsWith(`${series} `));
    return line === undefined ? undefined : Number(line.slice(series.length + 1));
  };
  return { events, dispatcher, metrics, value };
}

const item = (index: number): WorkItem => ({ key: `train/1/${index}`, kind: 'train', step: 1, index, paramVersion: 'meta/0' });

test('run events set the phase, step, losses, metric and checkpoint metrics', async () => {
  const { events, value } = setup();
  assert.equal(await value('metatrain_run_phase{phase="pending",run="unit-run"}'), 1);
  assert.equal(await value('metatrain_meta_steps_max{run="unit-run"}'), 40);
  events.emit('phase', 'training', 'meta-training');
  events.emit('step', { step: 3, maxSteps: 40, metaLoss: 0.75, metaMetric: 0.5, durationSeconds: 0.2, tasksPerSecond: 30, workers: 2 });
  events.emit('validation', { step: 3, loss: 0.8, metric: 0.6, improved: true });
  events.emit('checkpoint', { step: 3, path: '/x', bytes: 12345, durationSeconds: 0.04, best: true });
  events.emit('checkpointFailed', 4, 'disk full');
  events.emit('warning', 'resumed');
  assert.equal(await value('metatrain_run_phase{phase="pending",run="unit-run"}'), 0);
  assert.equal(await value('metatrain_run_phase{phase="training",run="unit-run"}'), 1);
  assert.equal(await value('metatrain_meta_step{run="unit-run"}'), 3);
  assert.equal(await value('metatrain_meta_train_loss{run="unit-run"}'), 0.75);
  assert.equal(await value('metatrain_meta_train_metric{metric="mse",run="unit-run"}'), 0.5);
  assert.equal(await value('metatrain_meta_val_loss{run="unit-run"}'), 0.8);
  assert.equal(await value('metatrain_meta_val_metric{metric="mse",run="unit-run"}'), 0.6);
  assert.equal(await value('metatrain_outer_step_duration_seconds_count{run="unit-run"}'), 1);
  assert.equal(await value('metatrain_outer_step_duration_seconds_bucket{le="0.25",run="unit-run"}'), 1);
  assert.equal(await value('metatrain_outer_step_duration_seconds_bucket{le="0.1",run="unit-run"}'), 0);
  assert.equal(await value('metatrain_checkpoint_size_bytes{run="unit-run"}'), 12345);
  assert.equal(await value('metatrain_checkpoint_step{run="unit-run"}'), 3);
  assert.equal(await value('metatrain_checkpoint_interval_steps{run="unit-run"}'), 5);
  assert.equal(await value('metatrain_checkpoint_failures_total{run="unit-run"}'), 1);
  assert.equal(await value('metatrain_warnings_total{run="unit-run"}'), 1);
  const age = Date.now() / 1000 - (await value('metatrain_checkpoint_last_success_timestamp_seconds{run="unit-run"}'))!;
  assert.ok(age >= 0 && age < 5, `checkpoint timestamp ${age} s old`);
});

test('dispatcher events count tasks by kind and workers by state; parameter bytes add up', async () => {
  const { dispatcher, metrics, value } = setup();
  const assigned: string[] = [];
  const slot: WorkerSlot = { id: 'w#1', name: 'w', capacity: 1, assign: (_item, assignmentId) => assigned.push(assignmentId), cancel: () => undefined };
  for (const kind of ['train', 'eval', 'joint']) assert.equal(await value(`metatrain_tasks_redispatched_total{kind="${kind}",run="unit-run"}`), 0);
  dispatcher.addWorker(slot);
  const batch = dispatcher.runBatch([item(0), item(1)]);
  assert.equal(await value('metatrain_workers{state="busy",run="unit-run"}'), 1);
  assert.equal(await value('metatrain_workers{state="idle",run="unit-run"}'), 0);
  assert.equal(await value('metatrain_tasks_queued{run="unit-run"}'), 1);
  assert.equal(await value('metatrain_tasks_in_flight{run="unit-run"}'), 1);
  dispatcher.fail('w#1', assigned[0]!, 'boom');
  const metricsOf = { queryLoss: 1, queryMetric: 1, evalLoss: [], evalMetric: [], durationSeconds: 0.003 };
  dispatcher.complete('w#1', assigned[1]!, { metrics: metricsOf, workerId: 'w#1' });
  dispatcher.complete('w#1', assigned[2]!, { metrics: metricsOf, workerId: 'w#1' });
  await batch;
  metrics.parametersSent(1000, 'stream');
  metrics.parametersSent(24, 'stream');
  metrics.parametersSent(7, 'inline');
  assert.equal(await value('metatrain_tasks_dispatched_total{kind="train",run="unit-run"}'), 3);
  assert.equal(await value('metatrain_tasks_redispatched_total{kind="train",run="unit-run"}'), 1);
  assert.equal(await value('metatrain_tasks_completed_total{kind="train",run="unit-run"}'), 2);
  assert.equal(await value('metatrain_tasks_failed_total{kind="train",run="unit-run"}'), 0);
  assert.equal(await value('metatrain_task_duration_seconds_bucket{le="0.005",run="unit-run",kind="train"}'), 2);
  assert.equal(await value('metatrain_task_duration_seconds_bucket{le="0.0025",run="unit-run",kind="train"}'), 0);
  assert.equal(await value('metatrain_workers{state="busy",run="unit-run"}'), 0);
  assert.equal(await value('metatrain_workers{state="idle",run="unit-run"}'), 1);
  assert.equal(await value('metatrain_param_broadcast_bytes_total{via="stream",run="unit-run"}'), 1024);
  assert.equal(await value('metatrain_param_broadcast_bytes_total{via="inline",run="unit-run"}'), 7);
});

test('results refused over gRPC are counted by reason: NaN values as non_finite, wrong tensors as shape', async () => {
  const dir = tempDir();
  const registry = createMetricsRegistry({ run: 'grpc-run' });
  const config = parseRunConfig(sinusoidConfig(dir, { training: { maxSteps: 2, evalEverySteps: 2, checkpointEverySteps: 2 }, runtime: { maxAttempts: 4 } }));
  const coordinator = new Coordinator({ config, token: 'tok', resume: false, registry, log: createLogger('coordinator', join(dir, 'coordinator.log')) });
  const port = await coordinator.start('127.0.0.1:0');
  let answered = 0;
  rawWorker(`127.0.0.1:${port}`, 'tok', 'liar', (a, w) => {
    answered++;
    const bad = answered % 2 === 1 ? { shape: [1], values: new Float32Array([NaN]) } : { shape: [7], values: new Float32Array(7) };
    w.send({ result: { assignmentId: a.assignmentId, gradient: [{ name: 'head.b', shape: bad.shape, dtype: 'float32', offset: 0, totalElements: bad.values.length, data: Buffer.from(bad.values.buffer) }], final: false } });
    w.send({ result: { assignmentId: a.assignmentId, final: true, metrics: { queryLoss: 1, queryMetric: 1 } } });
  });
  while (coordinator.dispatcher.workerCount < 1) await new Promise((r) => setTimeout(r, 20));
  try {
    await assert.rejects(coordinator.run(), RunFailedError);
  } finally {
    await coordinator.close();
  }
  const value = async (series: string) => {
    const line = (await registry.metrics()).split('\n').find((l) => l.startsWith(`${series} `));
    return line === undefined ? undefined : Number(line.slice(series.length + 1));
  };
  const nonFinite = await value('metatrain_task_results_rejected_total{kind="train",reason="non_finite",run="grpc-run"}');
  const shape = await value('metatrain_task_results_rejected_total{kind="train",reason="shape",run="grpc-run"}');
  // The first task is refused maxAttempts (4) times, alternating NaN and wrong tensors, and fails the run; later
  // answers to tasks the failure aborted arrive too late to be judged.
  assert.ok(answered >= 4, `the lying worker answered ${answered} times`);
  assert.equal(nonFinite, 2);
  assert.equal(shape, 2);
  assert.equal(await value('metatrain_task_results_rejected_total{kind="train",reason="malformed",run="grpc-run"}'), 0);
  assert.equal(await value('metatrain_task_results_rejected_total{kind="eval",reason="non_finite",run="grpc-run"}'), 0);
});
