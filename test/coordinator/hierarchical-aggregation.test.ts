/**
 * Per-worker (hierarchical) aggregation, `runtime.aggregation: per-worker` (issue 10; docs/wire.md "Aggregation"):
 * fixed groups of consecutive task indices, the worker's float64-in-order group sum, the bytes that fall by the
 * group size, and the determinism the docs state (bitwise identical whatever the worker count for a fixed group
 * size; group size 1 = per-task). The runs use the real coordinator and real gRPC workers over loopback with the
 * simulated engine (src/sim), whose meta-gradients differ per task.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { parseRunConfig, type RunConfigInput } from '../../src/core/config';
import { ConfigError, ShapeError } from '../../src/core/errors';
import { createLogger } from '../../src/core/logger';
import { createMetricsRegistry } from '../../src/core/metrics';
import { paramSet, type ParamSet } from '../../src/core/param-set';
import { Coordinator } from '../../src/coordinator/coordinator';
import { trainItems } from '../../src/coordinator/train-items';
import { simulatedEngine } from '../../src/sim/simulated-engine';
import type { TaskSpec } from '../../src/tasks/task';
import type { Engine } from '../../src/worker/engine';
import { trainGroup } from '../../src/worker/task-group';
import { Worker } from '../../src/worker/worker';
import { finalParamsBytes, sinusoidConfig, tempDir } from '../support/harness';

const spec = (seed: number): TaskSpec => ({ family: 'sinusoid', split: 'train', seed, classes: [] });

test('trainItems: groups of G consecutive task indices (the last one shorter), fixed by the meta-batch size and G alone', () => {
  const items = trainItems(7, 'meta/6', spec, 10, 4);
  assert.deepEqual(
    items.map((i) => [i.key, i.index, i.group!.map((t) => t.seed)]),
    [
      ['train/7/g0', 0, [0, 1, 2, 3]],
      ['train/7/g1', 1, [4, 5, 6, 7]],
      ['train/7/g2', 2, [8, 9]],
    ],
  );
  assert.ok(items.every((i) => i.kind === 'train' && i.step === 7 && i.paramVersion === 'meta/6' && i.task === undefined));
  assert.deepEqual(trainItems(7, 'meta/6', spec, 3).map((i) => [i.key, i.task!.seed, i.group]), [['train/7/0', 0, undefined], ['train/7/1', 1, undefined], ['train/7/2', 2, undefined]]);
  assert.throws(() => trainItems(1, 'meta/0', spec, 4, 0), (e: Error) => e instanceof ConfigError && /runtime\.aggregationGroup: must be a positive integer, got 0/.test(e.message));
  assert.throws(() => trainItems(1, 'meta/0', spec, 0), (e: Error) => e instanceof ConfigError && /algorithm\.metaBatchSize/.test(e.message));
});

test('trainGroup sums the group in float64 in group order and rounds once; loss and metric are group means', async () => {
  const values = [2 ** 24, 1, 1, -(2 ** 24)];
  const grad = (v: number): ParamSet => paramSet([['w', { shape: [1], data: Float32Array.of(v) }]]);
  // An engine whose task `seed` has gradient values[seed]; the last task answers first.
  const engine = { train: async (_p: ParamSet, task: TaskSpec) => {
    await new Promise((r) => setTimeout(r, 5 * (values.length - task.seed)));
    return { gradient: grad(values[task.seed]!), loss: task.seed, metric: 2 * task.seed };
  } } as unknown as Engine;
  const r = await trainGroup(engine, grad(0), values.map((_, i) => spec(i)));
  // In float32 a running sum loses both ones (2^24 + 1 rounds to 2^24): 0; in float64 the sum is 2.
  let float32 = 0;
  for (const v of values) float32 = Math.fround(float32 + v);
  assert.equal(float32, 0);
  assert.equal(r.gradient.get('w')!.data[0], 2);
  assert.equal(r.loss, 1.5);
  assert.equal(r.metric, 3);
  await assert.rejects(trainGroup(engine, grad(0), []), /holds no task/);
  const odd = { train: async (_p: ParamSet, task: TaskSpec) => ({ gradient: task.seed === 0 ? grad(1) : paramSet([['v', { shape: [1], data: Float32Array.of(1) }]]), loss: 0, metric: 0 }) } as unknown as Engine;
  await assert.rejects(trainGroup(odd, grad(0), [spec(0), spec(1)]), (e: Error) => e instanceof ShapeError && /gradient 1 lacks tensor w/.test(e.message));
});

/** Runs 3 meta-steps of a 6-task meta-batch with `workers` simulated workers of concurrency 4; final params and gradient bytes. */
async function run(workers: number, runtime: Partial<RunConfigInput['runtime']>): Promise<{ params: Buffer; gradientBytes: number; dispatched: number }> {
  const dir = tempDir();
  const config = parseRunConfig(
    sinusoidConfig(dir, {
      algorithm: { name: 'fomaml', metaBatchSize: 6 },
      training: { maxSteps: 3, evalEverySteps: 100, evalTasks: 2, checkpointEverySteps: 100, patience: 100 },
      evaluation: { testTasks: 2, adaptSteps: 1, baselines: [] },
      runtime: { ...runtime, workerConcurrency: 4 },
      compression: { enabled: false },
    }),
  );
  const log = createLogger('coordinator');
  log.level = 'warn';
  const registry = createMetricsRegistry({ run: 'agg' });
  const coordinator = new Coordinator({ config, token: 't', resume: false, log, registry });
  const port = await coordinator.start('127.0.0.1:0');
  const time = { kind: 'fixed' as const, ms: 2, sigma: 0, stragglerFraction: 0, stragglerFactor: 10 };
  const ws = Array.from({ length: workers }, (_, i) => new Worker({ address: `127.0.0.1:${port}`, token: 't', name: `w${i}`, backend: 'simulated', log, concurrency: 4, createEngine: async (c) => simulatedEngine(c, time, `w${i}`) }));
  const running = ws.map((w) => w.run().catch(() => undefined));
  await coordinator.run();
  for (const w of ws) w.stop();
  await Promise.all(running);
  await coordinator.close();
  const metrics = await registry.metrics();
  const value = (series: string) => Number(metrics.split('\n').find((l) => l.startsWith(`${series} `))!.slice(series.length + 1));
  return { params: finalParamsBytes(join(dir, 'run'), 3), gradientBytes: value('metatrain_gradient_bytes_received_total{run="agg"}'), dispatched: value('metatrain_tasks_dispatched_total{kind="train",run="agg"}') };
}

test('per-worker aggregation: ⌈B/G⌉ gradients per step instead of B, and bitwise-identical parameters with 1 or 3 workers', async () => {
  const perTask = await run(2, { aggregation: 'per-task' });
  const one = await run(1, { aggregation: 'per-worker', aggregationGroup: 4 });
  const three = await run(3, { aggregation: 'per-worker', aggregationGroup: 4 });
  const groupOfOne = await run(3, { aggregation: 'per-worker', aggregationGroup: 1 });
  // MLP 1-40-40-1: 1761 float32 parameters = 7044 bytes per gradient; 3 steps × 6 tasks, groups of 4 → 2 per step.
  assert.equal(perTask.gradientBytes, 3 * 6 * 7044);
  assert.equal(one.gradientBytes, 3 * 2 * 7044);
  assert.equal(three.gradientBytes, one.gradientBytes);
  assert.equal(three.dispatched, 3 * 2);
  assert.ok(one.params.length > 7000);
  assert.ok(one.params.equals(three.params), 'per-worker aggregation: parameters differ between 1 and 3 workers');
  assert.ok(groupOfOne.params.equals(perTask.params), 'groups of one task must give exactly the per-task parameters');
});
