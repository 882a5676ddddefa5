import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { parseRunConfig } from '../../src/core/config';
import { createLogger } from '../../src/core/logger';
import { Coordinator } from '../../src/coordinator/coordinator';
import { loadCheckpoint } from '../../src/checkpoint';
import { simulatedEngine } from '../../src/sim/simulated-engine';
import { taskMilliseconds, timeModelSchema } from '../../src/sim/time-model';
import { Worker } from '../../src/worker/worker';
import { SimulatedWorker } from '../../src/sim/simulated-session';
import { tempDir } from '../support/harness';

test('time model: deterministic per task and worker; about the stated fraction of stragglers, each factor × slower, chosen per worker', () => {
  const model = timeModelSchema.parse({ kind: 'fixed', ms: 100, stragglerFraction: 0.1, stragglerFactor: 10 });
  const times = Array.from({ length: 5000 }, (_, seed) => taskMilliseconds(model, seed, 'w0'));
  assert.deepEqual(times, Array.from({ length: 5000 }, (_, seed) => taskMilliseconds(model, seed, 'w0')));
  const elsewhere = Array.from({ length: 5000 }, (_, seed) => taskMilliseconds(model, seed, 'w1'));
  const both = times.filter((t, i) => t === 1000 && elsewhere[i] === 1000).length / times.length;
  assert.ok(both < 0.03, `a task straggles on both workers ${both} of the time: backups could not help`);
  assert.ok(times.every((t) => t === 100 || t === 1000));
  const slow = times.filter((t) => t === 1000).length / times.length;
  assert.ok(Math.abs(slow - 0.1) < 0.015, `straggler fraction ${slow}`);
  const lognormal = timeModelSchema.parse({ kind: 'lognormal', ms: 50, sigma: 0.5 });
  const sorted = Array.from({ length: 2001 }, (_, seed) => taskMilliseconds(lognormal, seed, 'w')).sort((a, b) => a - b);
  assert.ok(Math.abs(sorted[1000]! - 50) < 5, `lognormal median ${sorted[1000]}`);
  assert.throws(() => timeModelSchema.parse({ kind: 'fixed', ms: -1 }));
});

/**
 * A short sinusoid run of the real coordinator with `count` simulated workers (real gRPC): the real worker with the
 * simulated engine, or the light one of bench/scale (`light`); returns the final parameters.
 */
async function simulatedRun(count: number, timeModel: object = { kind: 'lognormal', ms: 5 }, speculativeAfter?: number, light?: { inlineParametersMaxBytes: number }) {
  const dir = tempDir();
  const config = parseRunConfig({
    name: 'sim',
    task: { family: 'sinusoid' },
    model: { kind: 'sinusoid-mlp' },
    algorithm: { name: 'fomaml', metaBatchSize: 6 },
    training: { maxSteps: 3, evalEverySteps: 3, evalTasks: 2, checkpointEverySteps: 3, patience: 10 },
    evaluation: { testTasks: 2, adaptSteps: 1, baselines: ['random'] },
    runtime: { outDir: join(dir, 'run'), ...(speculativeAfter ? { speculativeAfter } : {}), ...(light ? { inlineParametersMaxBytes: light.inlineParametersMaxBytes } : {}) },
    compression: { enabled: false },
  });
  const log = createLogger('test');
  log.level = 'error';
  const coordinator = new Coordinator({ config, token: 't', resume: false, log });
  const port = await coordinator.start('127.0.0.1:0');
  const time = timeModelSchema.parse(timeModel);
  let backups = 0;
  coordinator.dispatcher.on('speculated', () => backups++);
  const workers = Array.from({ length: count }, (_, i) =>
    light
      ? new SimulatedWorker({ address: `127.0.0.1:${port}`, token: 't', name: `sim-${i}`, time, log })
      : new Worker({ address: `127.0.0.1:${port}`, token: 't', name: `sim-${i}`, backend: 'simulated', log, createEngine: async (c) => simulatedEngine(c, time, `sim-${i}`) }),
  );
  const running = workers.map((w) => w.run());
  const summary = await coordinator.run();
  for (const w of workers) w.stop();
  await coordinator.close();
  await Promise.all(running);
  const completed = workers.reduce((n, w) => n + w.tasksCompleted, 0);
  return { params: (await loadCheckpoint(summary.checkpoint)).params, completed, workers, backups };
}

test('simulated workers drive the real coordinator over gRPC; the final parameters are the same for 1 and 3 of them', async () => {
  const one = await simulatedRun(1);
  const three = await simulatedRun(3);
  // 3 steps × 6 tasks + 2 validation + 2 × 2 test evaluations (meta-learned and random).
  assert.equal(one.completed, 24);
  assert.equal(three.completed, 24);
  assert.ok(three.workers.every((w) => w.tasksCompleted > 0), 'a simulated worker got no task');
  for (const [name, t] of one.params) assert.deepEqual(Array.from(three.params.get(name)!.data), Array.from(t.data), name);
});

test('the light simulated worker of bench/scale gives the real worker\'s results, with versions inside assignments or fetched', async () => {
  const real = await simulatedRun(2);
  for (const inlineParametersMaxBytes of [65_536, 0]) {
    const light = await simulatedRun(2, undefined, undefined, { inlineParametersMaxBytes });
    assert.equal(light.completed, 24, `inline ≤ ${inlineParametersMaxBytes}`);
    for (const [name, t] of real.params) assert.deepEqual(Array.from(light.params.get(name)!.data), Array.from(t.data), `${name}, inline ≤ ${inlineParametersMaxBytes}`);
  }
});

test('speculative backups against stragglers leave the final parameters bitwise identical', async () => {
  const stragglers = { kind: 'fixed', ms: 5, stragglerFraction: 0.3, stragglerFactor: 40 };
  const without = await simulatedRun(4, stragglers);
  const withBackups = await simulatedRun(4, stragglers, 0.5);
  assert.equal(without.backups, 0);
  assert.ok(withBackups.backups > 0, 'no backup was issued');
  for (const [name, t] of without.params) assert.deepEqual(Array.from(withBackups.params.get(name)!.data), Array.from(t.data), name);
});
