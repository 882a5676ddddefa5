/**
 * Invariants of the coordinator where they live: deterministic aggregation, convergence by patience, the run-phase
 * table, and that the coordinator's entry point loads neither tfjs nor onnxruntime.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { paramSet, type ParamSet } from '../../src/core/param-set';
import { CheckpointError, ShapeError } from '../../src/core/errors';
import { trainingStateOf } from '../../src/coordinator/meta-train';
import { meanGradient, OrderedMean } from '../../src/coordinator/aggregate';
import { Rng } from '../../src/core/rng';
import { ConvergenceTracker } from '../../src/coordinator/convergence';
import { assertTransition, type RunPhase } from '../../src/coordinator/run-phase';

const grad = (...values: number[]): ParamSet => paramSet([['w', { shape: [values.length], data: Float32Array.from(values) }]]);

test('meanGradient sums in float64 and rounds once: the result does not depend on the order of the tasks', () => {
  // In float32, 2^24 + 1 rounds back to 2^24, so a float32 running sum depends on the order; float64 does not.
  const big = 2 ** 24;
  const orders = [
    [grad(big), grad(1), grad(1), grad(-big)],
    [grad(1), grad(big), grad(-big), grad(1)],
    [grad(-big), grad(1), grad(big), grad(1)],
  ];
  for (const order of orders) assert.equal(meanGradient(order).get('w')!.data[0], 0.5);
  let float32 = Math.fround(0);
  for (const g of orders[0]!) float32 = Math.fround(float32 + g.get('w')!.data[0]!);
  assert.notEqual(float32 / 4, 0.5, 'the example would not show the difference');
  assert.throws(() => meanGradient([]), ShapeError);
  assert.throws(() => meanGradient([grad(1, 2), grad(1)]), (e: Error) => e instanceof ShapeError && /gradient 1 lacks tensor w of 2 values/.test(e.message));
});

test('OrderedMean fed in any arrival order gives the bits of meanGradient in task order; bad indices are refused', () => {
  const rng = new Rng(7);
  // ±2^60 first, then small values: in task order the big ones cancel before the small ones come; in any order
  // that adds a small value to 2^60 first, float64 loses it.
  const grads = [grad(2 ** 60, 2 ** 60), grad(-(2 ** 60), -(2 ** 60)), ...Array.from({ length: 7 }, () => grad(rng.next() - 0.5, rng.next()))];
  const expected = meanGradient(grads).get('w')!.data;
  const reversedSum = Float32Array.from(expected, (_, j) => [...grads].reverse().reduce((a, g) => a + g.get('w')!.data[j]!, 0) / grads.length);
  assert.notDeepEqual(new Uint32Array(reversedSum.buffer), new Uint32Array(expected.buffer), 'the example would not show an order dependence');
  const arrivals = [[...grads.keys()], [...grads.keys()].reverse(), [4, 0, 8, 2, 1, 7, 3, 6, 5]];
  for (const order of arrivals) {
    const m = new OrderedMean(grads.length);
    for (const i of order) m.add(i, grads[i]!);
    assert.deepEqual(new Uint32Array(m.mean().get('w')!.data.buffer), new Uint32Array(expected.buffer), `arrival order ${order.join(',')}`);
  }
  const half = new OrderedMean(2, 4);
  half.add(1, grad(2));
  assert.throws(() => half.mean(), (e: Error) => e instanceof ShapeError && /0 of 2 gradients summed \(gradient 0 missing\)/.test(e.message));
  assert.throws(() => half.add(1, grad(2)), /gradient 1 was added twice/);
  assert.throws(() => half.add(2, grad(2)), /index 2 is outside 0\.\.1/);
  half.add(0, grad(6));
  assert.equal(half.mean().get('w')!.data[0], 2, 'partial sums divided by the task count');
});

test('ConvergenceTracker: improves by more than minDelta, converges after patience validations without, NaN never improves, resumes exactly', () => {
  const losses = [1.0, 0.95, 0.949, Number.NaN, 0.9, 0.899, 0.8995, 0.8999];
  const run = (tracker: ConvergenceTracker, from: number) => losses.slice(from).map((l, i) => tracker.update(10 * (from + i + 1), l));
  const whole = run(new ConvergenceTracker(3, 0.01), 0);
  assert.deepEqual(whole.map((u) => u.improved), [true, true, false, false, true, false, false, false]);
  assert.deepEqual(whole.map((u) => u.converged), [false, false, false, false, false, false, false, true]);
  // Stopped after 5 validations and resumed from the checkpointed state: the same decisions.
  const first = new ConvergenceTracker(3, 0.01);
  run(first, 0).slice(0, 5);
  const partial = new ConvergenceTracker(3, 0.01);
  losses.slice(0, 5).forEach((l, i) => partial.update(10 * (i + 1), l));
  const resumed = run(new ConvergenceTracker(3, 0.01, JSON.parse(JSON.stringify(partial.state()))), 5);
  assert.deepEqual(resumed, whole.slice(5));
  assert.deepEqual(partial.state(), { bestLoss: 0.9, bestStep: 50, sinceBest: 0 });
});

test('the run-phase table: the lifecycle is forward only, and a finished run never changes its outcome', () => {
  const legal: Array<[RunPhase, RunPhase]> = [
    ['pending', 'training'],
    ['training', 'evaluating'],
    ['evaluating', 'compressing'],
    ['compressing', 'succeeded'],
    ['evaluating', 'succeeded'],
    ['training', 'failed'],
    ['compressing', 'failed'],
    ['training', 'stopped'],
    ['evaluating', 'stopped'],
    ['compressing', 'stopped'],
  ];
  for (const [from, to] of legal) assert.doesNotThrow(() => assertTransition(from, to), `${from} → ${to}`);
  const illegal: Array<[RunPhase, RunPhase]> = [
    ['succeeded', 'failed'],
    ['failed', 'succeeded'],
    ['stopped', 'training'],
    ['stopped', 'failed'],
    ['pending', 'stopped'],
    ['evaluating', 'training'],
    ['compressing', 'evaluating'],
    ['pending', 'succeeded'],
    ['training', 'compressing'],
  ];
  for (const [from, to] of illegal) assert.throws(() => assertTransition(from, to), new RegExp(`illegal run phase transition ${from} → ${to}`));
});

test('loading the whole coordinator (entry point included) loads no tfjs and no onnxruntime', () => {
  // The entry point (src/cli/coordinator) loads the coordinator, the report writer it hands the coordinator, the
  // checkpoints, the summary, the bus and the Kubernetes pod watcher: a tfjs or onnxruntime import in any of them shows.
  const code = `require(${JSON.stringify(join(__dirname, '../../src/cli/coordinator'))});
    const loaded = Object.keys(require.cache);
    process.stdout.write(JSON.stringify({ heavy: loaded.filter((k) => /@tensorflow|onnxruntime/.test(k)), loaded }));`;
  const execArgv = process.execArgv.filter((a) => !a.startsWith('--test'));
  const child = spawnSync(process.execPath, [...execArgv, '-e', code], { encoding: 'utf8' });
  assert.equal(child.status, 0, child.stderr);
  const { heavy, loaded } = JSON.parse(child.stdout) as { heavy: string[]; loaded: string[] };
  for (const module of ['cli/coordinator', 'coordinator/coordinator', 'report/write-report', 'report/report-html', 'checkpoint/checkpoint-store', 'summary/run-summary']) {
    assert.ok(loaded.some((k) => k.includes(join('src', module))), `${module} was not loaded: the test would not see its imports`);
  }
  assert.deepEqual(heavy, []);
});

test('a resumed checkpoint\'s training state is validated, naming the bad field', () => {
  const good = { config: {}, convergence: { bestLoss: 0.5, bestStep: 4, sinceBest: 1 }, converged: false, history: { steps: [1], metaLoss: [1], metaMetric: [0], tasksPerSecond: [1], workers: [1], valSteps: [], valLoss: [], valMetric: [] } };
  assert.deepEqual(trainingStateOf(good, 'ckpt'), good);
  assert.throws(() => trainingStateOf({ ...good, convergence: { ...good.convergence, bestStep: -1 } }, 'runs/x/step-4'), (e: Error) => e instanceof CheckpointError && /checkpoint runs\/x\/step-4: cannot resume: extra\.convergence\.bestStep/.test(e.message));
  assert.throws(() => trainingStateOf({ ...good, history: { ...good.history, metaLoss: 'x' } }, 'c'), /extra\.history\.metaLoss/);
  assert.throws(() => trainingStateOf(undefined, 'c'), CheckpointError);
});
