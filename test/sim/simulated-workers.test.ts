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
import { stepTimeline, type CoordinatorTimes } from '../../bench/scale-timeline';

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
 * simulated engine, or the light one of bench/scale (`light`); returns the final parameters, and for `light` workers
 * the timeline of bench/scale --timeline (when each task was handed out, received, sent and accepted).
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
  const times: CoordinatorTimes = { dispatched: new Map(), completed: new Map() };
  coordinator.dispatcher.on('dispatched', (item: { key: string }) => times.dispatched.has(item.key) || times.dispatched.set(item.key, performance.timeOrigin + performance.now()));
  coordinator.dispatcher.on('completed', (item: { key: string }) => times.completed.set(item.key, performance.timeOrigin + performance.now()));
  const hostLines: string[] = [];
  const onResultSent = (id: string, received: number, sent: number) => void hostLines.push(`${id}\t${received}\t${sent}`);
  const workers = Array.from({ length: count }, (_, i) =>
    light
      ? new SimulatedWorker({ address: `127.0.0.1:${port}`, token: 't', name: `sim-${i}`, time, log, onResultSent })
      : new Worker({ address: `127.0.0.1:${port}`, token: 't', name: `sim-${i}`, backend: 'simulated', log, createEngine: async (c) => simulatedEngine(c, time, `sim-${i}`) }),
  );
  const running = workers.map((w) => w.run());
  const summary = await coordinator.run();
  for (const w of workers) w.stop();
  await coordinator.close();
  await Promise.all(running);
  const completed = workers.reduce((n, w) => n + w.tasksCompleted, 0);
  return { params: (await loadCheckpoint(summary.checkpoint)).params, completed, workers, backups, times, hostLines };
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

test('bench/scale --timeline joins every task of steps 2..S from both sides of the wire; the parts are as constructed', async () => {
  // Constructed: one step of two tasks handed out at 0 and 2 ms, received at 5 and 6, sent at 110 and 130, accepted
  // at 112 and 140 (task time 100 ms); a backup of task 1 sent later does not count; step 1 is left out. (Of two
  // values the upper is the p50.)
  const times: CoordinatorTimes = {
    dispatched: new Map([['train/1/0', 0], ['train/2/0', 1000], ['train/2/1', 1002]]),
    completed: new Map([['train/1/0', 100], ['train/2/0', 1112], ['train/2/1', 1140]]),
  };
  const lines = ['train/1/0#1\t1\t99', 'train/2/0#1\t1005\t1110', 'train/2/1#1\t1006\t1130', 'train/2/1#1b\t1050\t1139'];
  const t = stepTimeline(times, lines, 100, 2);
  assert.deepEqual(t, { steps: 1, dispatch: 2, delivery: { p50: 5, max: 5 }, lateness: { p50: 24, max: 24 }, acceptance: { p50: 10, max: 10 }, overhead: 40 });
  assert.throws(() => stepTimeline(times, lines.slice(0, 2), 100, 2), /no training step from 2 on has all its tasks/);

  // A real run: light simulated workers over gRPC, fixed 20 ms tasks, 3 steps.
  const run = await simulatedRun(2, { kind: 'fixed', ms: 20 }, undefined, { inlineParametersMaxBytes: 65_536 });
  assert.equal(run.hostLines.length, 24, 'one line per result sent');
  const real = stepTimeline(run.times, run.hostLines, 20, 2);
  assert.equal(real.steps, 2);
  for (const part of [real.delivery, real.acceptance]) assert.ok(part.p50 >= 0 && part.max >= part.p50, JSON.stringify(real));
  assert.ok(real.lateness.p50 > -1 && real.overhead > 0, JSON.stringify(real));
});
