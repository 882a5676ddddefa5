import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend, type BackendName } from '../../src/model';
import { matMul } from '../../src/model/mat-mul';

const values = (n: number, phase: number): number[] => Array.from({ length: n }, (_, i) => Math.sin(i * 0.7 + phase));

function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);
}

const shapes: Array<[number[], number[]]> = [[[5, 3], [3, 4]], [[2, 3, 5, 3], [2, 3, 3, 4]]];

for (const backend of ['wasm', 'cpu'] as BackendName[]) {
  for (const [aShape, bShape] of shapes) {
    test(`matMul value, gradients and second derivatives equal tf.matMul's for [${aShape}]·[${bShape}] on ${backend}`, async () => {
      await initBackend(backend);
      tf.tidy(() => {
        const a = tf.tensor(values(aShape.reduce((x, y) => x * y), 0), aShape);
        const b = tf.tensor(values(bShape.reduce((x, y) => x * y), 1), bShape);
        const w = tf.tensor(values(a.size / 3 * 4, 2), [...aShape.slice(0, -1), 4]);
        // f(a, b) = Σ w ⊙ (a·b)²: quadratic in the product, so second derivatives are non-trivial
        const f = (mm: typeof matMul) => (x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(w, tf.square(mm(x, y)))) as tf.Scalar;
        const ours = f(matMul);
        const reference = f((x, y) => tf.matMul(x, y));
        assert.ok(maxAbsDiff(matMul(a, b), tf.matMul(a, b)) < 1e-6);
        const [ga, gb] = tf.grads(ours)([a, b]);
        const [ra, rb] = tf.grads(reference)([a, b]);
        assert.ok(maxAbsDiff(ga!, ra!) < 1e-5 && maxAbsDiff(gb!, rb!) < 1e-5, 'first derivatives differ');
        // d/da of Σ (∂f/∂b)²: a second derivative through the gradient of b
        const second = (g: typeof ours) => tf.grad((x: tf.Tensor) => tf.sum(tf.square(tf.grads(g)([x, b])[1]!)))(a);
        assert.ok(maxAbsDiff(second(ours), second(reference)) < 1e-4 * Math.max(1, tf.max(tf.abs(second(reference))).dataSync()[0]!), 'second derivatives differ');
      });
    });
  }
}
