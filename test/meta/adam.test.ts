/**
 * Adam on ParamSets (src/meta/adam.ts): agrees with tfjs's own Adam (an independent implementation of Kingma &
 * Ba 2015, Algorithm 1, in float32) to 1e-5 relative over 30 steps; is deterministic; its state round-trips
 * exactly (stop, restore, continue ⇒ bitwise the same as never stopping); rejects bad input by name.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { ConfigError, NonFiniteError, ShapeError } from '../../src/core/errors';
import { paramSet, specOf, type ParamSet } from '../../src/core/param-set';
import { Rng } from '../../src/core/rng';
import { Adam } from '../../src/meta/adam';

function randomSet(seed: number, scale = 1): ParamSet {
  const rng = new Rng(seed);
  const draw = (n: number) => Float32Array.from({ length: n }, () => scale * rng.normal());
  return paramSet([
    ['a.w', { shape: [3, 4], data: draw(12) }],
    ['a.b', { shape: [4], data: draw(4) }],
    ['s', { shape: [], data: draw(1) }],
  ]);
}

function bits(p: ParamSet): Buffer {
  return Buffer.concat([...p].map(([, t]) => Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength)));
}

const options = { lr: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 };

test('Adam matches tfjs tf.train.adam over 30 steps to 1e-5 relative', () => {
  const start = randomSet(1);
  const adam = new Adam(specOf(start), options);
  const reference = tf.train.adam(options.lr, options.beta1, options.beta2, options.epsilon);
  const variables = Object.fromEntries([...start].map(([n, t]) => [n, tf.variable(tf.tensor(t.data, [...t.shape]), true, n)]));
  let params = start;
  for (let step = 0; step < 30; step++) {
    const gradient = randomSet(100 + step, 0.5);
    params = adam.step(params, gradient);
    tf.tidy(() => reference.applyGradients([...gradient].map(([name, t]) => ({ name, tensor: tf.tensor(t.data, [...t.shape]) }))));
  }
  for (const [name, t] of params) {
    const expected = variables[name]!.dataSync();
    t.data.forEach((v, i) => assert.ok(Math.abs(v - expected[i]!) <= 1e-5 * Math.max(1, Math.abs(expected[i]!)), `${name}[${i}]: ${v} vs tfjs ${expected[i]}`));
  }
  tf.dispose(Object.values(variables));
  reference.dispose();
});

test('the first Adam step moves each element by lr against the sign of its gradient', () => {
  const start = randomSet(2);
  const gradient = randomSet(3);
  const next = new Adam(specOf(start), { lr: 0.1 }).step(start, gradient);
  for (const [name, t] of next) {
    t.data.forEach((v, i) => {
      const g = gradient.get(name)!.data[i]!;
      const expected = start.get(name)!.data[i]! - (0.1 * g) / (Math.abs(g) + 1e-8); // m̂ = g, v̂ = g² at t = 1
      assert.ok(Math.abs(v - expected) < 1e-6, `${name}[${i}]`);
    });
  }
});

test('restoring the state and continuing equals never stopping, bitwise', () => {
  const start = randomSet(4);
  const gradients = Array.from({ length: 10 }, (_, k) => randomSet(200 + k));
  const straight = new Adam(specOf(start), options);
  let a = start;
  for (const g of gradients) a = straight.step(a, g);

  const first = new Adam(specOf(start), options);
  let b = start;
  for (const g of gradients.slice(0, 4)) b = first.step(b, g);
  const saved = first.state();
  assert.equal(saved.step, 4);
  const resumed = new Adam(specOf(start), options, saved);
  first.step(b, gradients[4]!); // stepping the original does not change the saved copy
  assert.equal(saved.step, 4);
  for (const g of gradients.slice(4)) b = resumed.step(b, g);
  assert.ok(bits(a).equals(bits(b)));
  assert.ok(bits(straight.state().m).equals(bits(resumed.state().m)));
  assert.ok(bits(straight.state().v).equals(bits(resumed.state().v)));
});

test('Adam does not modify its inputs and is deterministic', () => {
  const start = randomSet(5);
  const gradient = randomSet(6);
  const before = bits(start);
  const x = new Adam(specOf(start), options).step(start, gradient);
  const y = new Adam(specOf(start), options).step(start, gradient);
  assert.ok(bits(start).equals(before));
  assert.ok(bits(x).equals(bits(y)));
});

test('Adam rejects bad hyper-parameters, mismatched tensors and non-finite gradients by name', () => {
  const start = randomSet(7);
  const spec = specOf(start);
  assert.throws(() => new Adam(spec, { lr: 0 }), (e: unknown) => e instanceof ConfigError && e.path === 'adam.lr');
  assert.throws(() => new Adam(spec, { lr: 0.1, beta2: 1 }), (e: unknown) => e instanceof ConfigError && e.path === 'adam.beta2');
  assert.throws(() => new Adam(spec, options, { step: 1.5, m: start, v: start }), (e: unknown) => e instanceof ConfigError && e.path === 'adam.state.step');
  const short = paramSet([...start].filter(([n]) => n !== 's'));
  assert.throws(() => new Adam(spec, options, { step: 1, m: short, v: start }), (e: unknown) => e instanceof ShapeError && /Adam state m: missing tensor s/.test(e.message));
  const adam = new Adam(spec, options);
  assert.throws(() => adam.step(start, short), (e: unknown) => e instanceof ShapeError && /gradient given to Adam: missing tensor s/.test(e.message));
  const bad = paramSet([...start].map(([n, t]) => [n, n === 'a.b' ? { shape: t.shape, data: Float32Array.of(0, NaN, 0, 0) } : t] as const));
  assert.throws(() => adam.step(start, bad), (e: unknown) => e instanceof NonFiniteError && /tensor a\.b holds NaN at index 1/.test(e.message));
  assert.equal(adam.state().step, 0); // a rejected step leaves the state unchanged
  assert.ok(adam.state().m.get('a.w')!.data.every((v) => v === 0));
});
