import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runStepwise, runStepwiseAsync, turnEvery, type Stepwise } from '../../src/core/stepwise';

/** Stepwise work of `steps` steps that records, at each step, whether `seen()` holds; returns the records. */
function* recording(steps: number, seen: () => boolean): Stepwise<boolean[]> {
  const records: boolean[] = [];
  for (let i = 0; i < steps; i++) {
    records.push(seen());
    yield;
  }
  return records;
}

/** Waits, busy, for `ms` milliseconds (a step of synchronous work). */
function busy(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end);
}

test('runStepwise runs the work to its end at once, calling between at each yield; its errors are thrown', () => {
  let immediate = false;
  setImmediate(() => (immediate = true));
  let betweens = 0;
  assert.deepEqual(runStepwise(recording(3, () => immediate), () => betweens++), [false, false, false], 'no turn of the event loop');
  assert.equal(betweens, 3);
  assert.throws(() => runStepwise((function* (): Stepwise<never> { yield; throw new RangeError('bad step'); })()), /bad step/);
});

test('runStepwiseAsync with turnEvery gives the event loop a turn between steps once the interval has passed, with the same result', async () => {
  let immediate = false;
  setImmediate(() => (immediate = true));
  // An interval of 0: a turn after every step, so the immediate has run from the second step on.
  assert.deepEqual(await runStepwiseAsync(recording(3, () => immediate), turnEvery(0)), [false, true, true]);
  // A long interval: no turn at all while the work lasts less.
  immediate = false;
  setImmediate(() => (immediate = true));
  assert.deepEqual(await runStepwiseAsync(recording(3, () => immediate), turnEvery(60_000)), [false, false, false]);
  await new Promise(setImmediate);
  // A step longer than the interval: a turn after it.
  const between = turnEvery(5);
  busy(10);
  const turn = between();
  assert.ok(turn instanceof Promise, 'a turn once the interval has passed');
  await turn;
  await assert.rejects(runStepwiseAsync((function* (): Stepwise<never> { yield; throw new RangeError('bad step'); })(), turnEvery(0)), /bad step/);
});
