import { test } from 'node:test';
import assert from 'node:assert/strict';
import { magnitudeMask, scheduledSparsity, sparsityOf } from '../../src/compress/prune';

test('the sparsity schedule follows Zhu & Gupta\'s cubic: s_i at t₀, s_f at the end, 1 − (1 − x)³ of the way between', () => {
  const schedule = { initialSparsity: 0, finalSparsity: 0.8, beginStep: 10, endStep: 110 };
  assert.equal(scheduledSparsity(schedule, 0), 0);
  assert.equal(scheduledSparsity(schedule, 10), 0);
  assert.ok(Math.abs(scheduledSparsity(schedule, 60) - 0.8 * (1 - 0.5 ** 3)) < 1e-12);
  assert.ok(Math.abs(scheduledSparsity(schedule, 35) - 0.8 * (1 - 0.75 ** 3)) < 1e-12);
  assert.equal(scheduledSparsity(schedule, 110), 0.8);
  assert.equal(scheduledSparsity(schedule, 500), 0.8);
  // Monotone and fastest at the start.
  const s = Array.from({ length: 101 }, (_, i) => scheduledSparsity(schedule, 10 + i));
  for (let i = 1; i < s.length; i++) assert.ok(s[i]! >= s[i - 1]!);
  assert.ok(s[10]! - s[0]! > s[100]! - s[90]!);
  assert.throws(() => scheduledSparsity({ ...schedule, finalSparsity: 1 }, 5), /\[0, 1\)/);
});

test('the magnitude mask prunes exactly the floor(s·n) smallest-magnitude weights', () => {
  const values = Float32Array.of(0.5, -0.1, 3, -2, 0.05, 1, -0.7, 0.2);
  const mask = magnitudeMask(values, 0.5);
  assert.deepEqual(Array.from(mask), [0, 0, 1, 1, 0, 1, 1, 0]);
  const kept = values.map((v, i) => v * mask[i]!);
  assert.equal(sparsityOf(kept), 0.5);
  assert.deepEqual(Array.from(magnitudeMask(values, 0)), [1, 1, 1, 1, 1, 1, 1, 1]);
  assert.equal(Array.from(magnitudeMask(values, 0.9)).filter((m) => m === 0).length, 7);
});
