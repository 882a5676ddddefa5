import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { embeddingLookup, initBackend, logSoftmax, softmax, type BackendName } from '../../src/model';

const W = [[0.3, -0.2, 0.5], [0.1, 0.4, -0.6]];
const C = [[0.7, -1.1, 0.2], [0.5, 0.9, -0.3]];

/**
 * d/dw of L(w − 0.5·∇L(w)) with L(w) = Σ c ⊙ op(w): analytic through `tf.grad` of a function calling `tf.grad`,
 * and by central differences (ε = 1e-2 per element; L is smooth and of order 1 here).
 * Also returns the first-order value ∇L(w − 0.5·∇L(w)), what a dropped second-order term would give.
 */
function metaGradients(op: (x: tf.Tensor) => tf.Tensor): { analytic: number[]; numeric: number[]; firstOrder: number[] } {
  return tf.tidy(() => {
    const c = tf.tensor2d(C);
    const loss = (t: tf.Tensor): tf.Scalar => tf.sum(tf.mul(op(t), c));
    const meta = (t: tf.Tensor): tf.Scalar => loss(tf.sub(t, tf.mul(tf.grad(loss)(t), 0.5)));
    const w = tf.tensor2d(W);
    const analytic = [...tf.grad(meta)(w).dataSync()];
    const firstOrder = [...tf.grad(loss)(tf.sub(w, tf.mul(tf.grad(loss)(w), 0.5))).dataSync()];
    const flat = W.flat();
    const eps = 1e-2;
    const numeric = flat.map((_, i) => {
      const at = (s: number) => meta(tf.tensor2d(flat.map((v, j) => (j === i ? v + s * eps : v)), [2, 3])).dataSync()[0]!;
      return (at(1) - at(-1)) / (2 * eps);
    });
    return { analytic, numeric, firstOrder };
  });
}

function maxRelError(a: number[], b: number[]): number {
  const scale = Math.max(...b.map(Math.abs));
  return Math.max(...a.map((v, i) => Math.abs(v - b[i]!))) / scale;
}

for (const backend of ['wasm', 'cpu'] as BackendName[]) {
  test(`softmax and logSoftmax equal tfjs's values on ${backend}`, async () => {
    await initBackend(backend);
    tf.tidy(() => {
      const x = tf.tensor3d([[[1, 2, 3], [-50, 0, 50]], [[0, 0, 0], [7, -7, 0.5]]]);
      const maxDiff = (a: tf.Tensor, b: tf.Tensor) => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!;
      assert.ok(maxDiff(softmax(x), tf.softmax(x)) < 1e-7);
      assert.ok(maxDiff(logSoftmax(x), tf.logSoftmax(x)) < 1e-6);
    });
  });

  for (const [name, op] of [['softmax', softmax], ['logSoftmax', logSoftmax]] as const) {
    test(`${name} second-order gradient matches finite differences on ${backend}`, async () => {
      await initBackend(backend);
      const { analytic, numeric, firstOrder } = metaGradients(op);
      // Tolerance 1e-3 relative to the largest component (measured ≤ 2e-5; FD truncation at ε = 1e-2 is ~1e-5).
      assert.ok(maxRelError(analytic, numeric) < 1e-3, `analytic ${analytic} vs numeric ${numeric}`);
      assert.ok(maxRelError(firstOrder, numeric) > 0.05, 'the second-order term must be visible for this check to mean anything');
    });
  }

  test(`tfjs's own softmax, logSoftmax, exp, tanh and sigmoid silently drop the second-order term on ${backend}`, async () => {
    // Why exact-grad-ops exists. If a tfjs release fixes this, this test fails and exact-grad-ops can go.
    await initBackend(backend);
    for (const [name, op] of [['softmax', tf.softmax], ['logSoftmax', tf.logSoftmax], ['exp', tf.exp], ['tanh', tf.tanh], ['sigmoid', tf.sigmoid]] as const) {
      const { analytic, numeric, firstOrder } = metaGradients(op as (x: tf.Tensor) => tf.Tensor);
      assert.ok(maxRelError(analytic, firstOrder) < 1e-5, `${name}: tf.grad of tf.grad differs from the first-order value`);
      assert.ok(maxRelError(analytic, numeric) > 0.01, `${name}: tf.grad of tf.grad now matches finite differences`);
    }
  });

  test(`embeddingLookup gradient equals tf.gather's gradient (computed on cpu) on ${backend}`, async () => {
    await initBackend('cpu');
    const tableValues = Array.from({ length: 5 * 3 }, (_, i) => Math.sin(i));
    const ids = [[0, 4, 4], [2, 0, 1]];
    const weights = Array.from({ length: 2 * 3 * 3 }, (_, i) => Math.cos(i));
    const gradOf = (lookup: (t: tf.Tensor2D, i: tf.Tensor) => tf.Tensor) =>
      tf.tidy(() => {
        const idsT = tf.tensor2d(ids, [2, 3], 'int32');
        const loss = (t: tf.Tensor) => tf.sum(tf.mul(lookup(t as tf.Tensor2D, idsT), tf.tensor3d(weights, [2, 3, 3]))) as tf.Scalar;
        return [...tf.grad(loss)(tf.tensor2d(tableValues, [5, 3])).dataSync()];
      });
    const reference = gradOf((t, i) => tf.gather(t, i));
    await initBackend(backend);
    const got = gradOf(embeddingLookup);
    got.forEach((v, i) => assert.ok(Math.abs(v - reference[i]!) < 1e-6, `element ${i}: ${v} vs ${reference[i]}`));
    const forward = tf.tidy(() => [...embeddingLookup(tf.tensor2d(tableValues, [5, 3]), tf.tensor2d(ids, [2, 3], 'int32')).dataSync()]);
    assert.deepEqual(forward, ids.flat().flatMap((r) => [...Float32Array.from(tableValues.slice(3 * r, 3 * r + 3))]));
  });
}

test("tf.gather's own gradient needs UnsortedSegmentSum, which wasm lacks (why embeddingLookup exists)", async () => {
  await initBackend('wasm');
  assert.throws(
    () => tf.tidy(() => tf.grad((t: tf.Tensor) => tf.sum(tf.gather(t, tf.tensor1d([0, 1, 1], 'int32'))))(tf.ones([3, 2]))),
    /UnsortedSegmentSum/,
  );
});
