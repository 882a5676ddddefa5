import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { ShapeError } from '../../src/core/errors';
import { accuracy, accuracyTiesWrong, createModel, initBackend, initParams, softmaxCrossEntropy, toTensors, topTieShare } from '../../src/model';
import { gradients } from './gradcheck';
import { fixture, labels, modelConfig, texts, tinyMlp, tinyTransformer } from './fixtures';

test('transformer logits are [n, outputs] and do not change when more padding is appended', async () => {
  await initBackend('wasm');
  const fx = fixture(tinyTransformer, 2);
  const short = ['hi', 'abc', '', 'é'];
  tf.tidy(() => {
    const full = fx.model.encode({ kind: 'text', texts: short, labels: Int32Array.from([0, 1, 2, 0]) }).x; // [4, 12]
    const trimmed = tf.slice(full, [0, 0], [4, 4]); // every text fits in CLS + 3 bytes
    const a = fx.model.forward(fx.params, full);
    const b = fx.model.forward(fx.params, trimmed);
    assert.deepEqual(a.shape, [4, 3]);
    const diff = tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!;
    assert.ok(diff < 1e-5, `logits changed by ${diff} with extra padding`);
    // and an example's logits do not depend on the other examples of the batch
    const alone = fx.model.forward(fx.params, tf.slice(full, [1, 0], [1, 12]));
    assert.ok(tf.max(tf.abs(tf.sub(alone, tf.slice(a, [1, 0], [1, 3])))).dataSync()[0]! < 1e-5);
  });
  fx.dispose();
});

test('cross-entropy of uniform logits is ln(classes); accuracy counts arg-max hits', async () => {
  await initBackend('cpu');
  tf.tidy(() => {
    const y = tf.tensor1d([0, 1, 2, 1], 'int32');
    assert.ok(Math.abs(softmaxCrossEntropy(tf.zeros([4, 3]), y).dataSync()[0]! - Math.log(3)) < 1e-6);
    const logits = tf.tensor2d([[2, 1, 0], [0, 0, 5], [0, 1, 3], [-1, 4, 0]]);
    const expected = -[[2, 1, 0, 0], [0, 0, 5, 1], [0, 1, 3, 2], [-1, 4, 0, 1]]
      .map(([a, b, c, label]) => [a!, b!, c!][label!]! - Math.log(Math.exp(a!) + Math.exp(b!) + Math.exp(c!)))
      .reduce((s, v) => s + v, 0) / 4;
    assert.ok(Math.abs(softmaxCrossEntropy(logits, y).dataSync()[0]! - expected) < 1e-5);
    assert.equal(accuracy(logits, y).dataSync()[0], 0.75);
  });
});

test('accuracyTiesWrong counts a tie at the top as wrong: a zero head scores 0 where accuracy scores the first label\'s share', async () => {
  await initBackend('cpu');
  tf.tidy(() => {
    const y = tf.tensor1d([0, 1, 0, 2], 'int32');
    const zeroHead = tf.zeros([4, 3]);
    assert.equal(accuracy(zeroHead, y).dataSync()[0], 0.5, 'arg-max gives every tie to label 0: 2 of 4 are label 0');
    assert.equal(accuracyTiesWrong(zeroHead, y).dataSync()[0], 0);
    // Right only when the label's logit is above every other one: a tie of 2 at the top is wrong for either label in it.
    const logits = tf.tensor2d([[3, 3, 0], [0, 5, 1], [2, 2, 2], [-1, 0, 4]]);
    assert.equal(accuracy(logits, y).dataSync()[0], 1);
    assert.equal(accuracyTiesWrong(logits, y).dataSync()[0], 0.5);
    // Logits apart by less than float32 softmax resolution have equal probabilities, a tie for predict: wrong here too.
    // Before: compared the logits, so 1e-8 above 0 was right.
    const close = tf.tensor2d([[1e-8, 0], [0, 1e-8]]);
    assert.deepEqual([...tf.softmax(close).dataSync()], [0.5, 0.5, 0.5, 0.5]);
    assert.equal(accuracyTiesWrong(close, tf.tensor1d([0, 1], 'int32')).dataSync()[0], 0);
    assert.throws(() => accuracyTiesWrong(tf.zeros([4]), y), (e: unknown) => e instanceof ShapeError && /accuracyTiesWrong: needs logits \[n, classes\]/.test(e.message));
  });
});

test('topTieShare is the share of examples whose highest probability is tied: the ties accuracyTiesWrong counts as wrong', async () => {
  await initBackend('cpu');
  tf.tidy(() => {
    assert.equal(topTieShare(tf.zeros([4, 3])).dataSync()[0], 1, 'a zero head ties every example');
    // Tied at the top (3, 3), not at the top (0, 0 below 5), all three tied, and 1e-8 apart (equal in float32 softmax).
    assert.equal(topTieShare(tf.tensor2d([[3, 3, 0], [0, 5, 0], [2, 2, 2], [1e-8, 0, -9]])).dataSync()[0], 0.75);
    assert.throws(() => topTieShare(tf.zeros([4])), (e: unknown) => e instanceof ShapeError && /topTieShare: logits must be \[n, classes ≥ 2\]/.test(e.message));
  });
});

test('sinusoid MLP predicts the head bias when weights are zero, and its loss is the MSE', async () => {
  await initBackend('wasm');
  const model = createModel(tinyMlp, 1);
  const params = toTensors(initParams(tinyMlp, 1, 0));
  tf.tidy(() => {
    const zeroed = { ...params, 'head.w': tf.zerosLike(params['head.w']!), 'head.b': tf.tensor1d([0.5]) };
    const batch = model.encode({ kind: 'regression', x: Float32Array.from([1, 2, 3]), y: Float32Array.from([0, 1, 2]) });
    const prediction = model.forward(zeroed, batch.x);
    assert.deepEqual([...prediction.dataSync()], [0.5, 0.5, 0.5]);
    assert.ok(Math.abs(model.loss(prediction, batch.y).dataSync()[0]! - (0.25 + 0.25 + 2.25) / 3) < 1e-6);
    assert.equal(model.metric(prediction, batch.y).dataSync()[0], model.loss(prediction, batch.y).dataSync()[0]);
  });
  tf.dispose(Object.values(params));
});

test('transformer fits a small labelled set with plain gradient descent on wasm', async () => {
  await initBackend('wasm');
  const fx = fixture(tinyTransformer, 9);
  let params = fx.params;
  const lossOf = (p: typeof params): number => tf.tidy(() => fx.lossOn(fx.support)(p).dataSync()[0]!);
  const initial = lossOf(params);
  for (let step = 0; step < 40; step++) {
    const g = gradients(fx.lossOn(fx.support), params);
    const next = tf.tidy(() => Object.fromEntries(Object.entries(params).map(([n, t]) => [n, tf.sub(t, tf.mul(g[n]!, 0.1))])));
    tf.dispose(Object.values(g));
    if (params !== fx.params) tf.dispose(Object.values(params));
    params = next;
  }
  const final = lossOf(params);
  const acc = tf.tidy(() => fx.model.metric(fx.model.forward(params, fx.support.x), fx.support.y).dataSync()[0]!);
  assert.ok(final < 0.2 * initial, `loss ${initial} → ${final}`);
  assert.equal(acc, 1);
  tf.dispose(Object.values(params));
  fx.dispose();
});

test('models reject mismatched inputs with ShapeErrors naming the problem', async () => {
  await initBackend('cpu');
  const transformer = createModel(tinyTransformer, 3);
  const mlp = createModel(tinyMlp, 1);
  assert.throws(() => transformer.encode({ kind: 'regression', x: new Float32Array(1), y: new Float32Array(1) }), /transformer encodes text examples, got a regression set/);
  assert.throws(() => transformer.encode({ kind: 'text', texts, labels: Int32Array.from([0, 1, 2, 3, 0, 1]) }), /label 3 of example 3 is outside \[0, 3\)/);
  assert.throws(() => mlp.encode({ kind: 'text', texts, labels }), /sinusoid-mlp encodes regression examples/);
  const params = toTensors(initParams(tinyTransformer, 3, 0));
  tf.tidy(() => {
    assert.throws(() => transformer.forward(params, tf.zeros([2, 13], 'int32')), (e: unknown) => e instanceof ShapeError && /L ≤ 12, got int32 \[2, 13\]/.test(e.message));
    assert.throws(() => transformer.forward(params, tf.zeros([2, 5])), /got float32 \[2, 5\]/);
    assert.throws(() => transformer.forward({}, tf.zeros([2, 5], 'int32')), /missing parameter tensor/);
    assert.throws(() => softmaxCrossEntropy(tf.zeros([2, 3]), tf.zeros([3], 'int32')), /logits \[2, 3\] and int32 labels \[3\]/);
    assert.throws(() => mlp.loss(tf.zeros([3, 1]), tf.zeros([3])), /prediction \[3, 1\] and y \[3\] differ in shape/);
  });
  tf.dispose(Object.values(params));
});

test('a 0-layer transformer on hashed words (bag of embeddings) gives [n, outputs] logits that ignore padding', async () => {
  await initBackend('wasm');
  const config = modelConfig({ kind: 'transformer', layers: 0, dModel: 8, heads: 2, dFf: 16, maxLength: 10, tokenizer: 'hashed-words', hashBuckets: 64 });
  const fx = fixture(config, 3);
  assert.ok(!Object.keys(fx.params).some((n) => n.startsWith('layer')), 'no attention layer parameters');
  assert.deepEqual(fx.params['embed.token']!.shape, [64, 8]);
  tf.tidy(() => {
    const full = fx.model.encode({ kind: 'text', texts: ['the cat', 'a dog barks'], labels: Int32Array.from([0, 1]) }).x;
    const logits = fx.model.forward(fx.params, full);
    assert.deepEqual(logits.shape, [2, 3]);
    const trimmed = fx.model.forward(fx.params, tf.slice(full, [0, 0], [2, 6])); // CLS + 3 words + 2 bigrams
    assert.ok(tf.max(tf.abs(tf.sub(logits, trimmed))).dataSync()[0]! < 1e-5);
  });
  fx.dispose();
});
