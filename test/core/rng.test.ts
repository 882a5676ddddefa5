import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng, deriveSeed } from '../../src/core/rng';

test('rng streams are reproducible and neighbouring seeds are not correlated', () => {
  const a = new Rng(1);
  const b = new Rng(1);
  assert.deepEqual(Array.from({ length: 5 }, () => a.next()), Array.from({ length: 5 }, () => b.next()));
  // First draws of seeds 0..9999: their mean and lag-1 correlation look uniform (tolerance: 5 standard errors).
  const first = Array.from({ length: 10_000 }, (_, s) => new Rng(s).next());
  const mean = first.reduce((x, y) => x + y, 0) / first.length;
  assert.ok(Math.abs(mean - 0.5) < 5 * Math.sqrt(1 / 12 / first.length), `mean ${mean}`);
  let cov = 0;
  for (let i = 1; i < first.length; i++) cov += (first[i]! - 0.5) * (first[i - 1]! - 0.5);
  const corr = cov / (first.length - 1) / (1 / 12);
  assert.ok(Math.abs(corr) < 5 / Math.sqrt(first.length), `lag-1 correlation ${corr}`);
});

test('deriveSeed separates key paths and is stable', () => {
  assert.equal(deriveSeed(1, 'train', 2, 3), deriveSeed(1, 'train', 2, 3));
  assert.notEqual(deriveSeed(1, 'train', 2, 3), deriveSeed(1, 'train', 23));
  assert.notEqual(deriveSeed(1, 'train', 2, 3), deriveSeed(1, 'val', 2, 3));
});

test('sampleIndices draws distinct indices and refuses impossible draws', () => {
  const r = new Rng(9);
  const idx = r.sampleIndices(10, 10);
  assert.equal(new Set(idx).size, 10);
  assert.throws(() => r.sampleIndices(3, 4), /cannot draw 4 distinct items from 3/);
});
