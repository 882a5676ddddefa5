/**
 * Proto-MAML's head (src/meta/prototype-head.ts) and choosing the step count on held-out support examples
 * (src/meta/choose-steps.ts): with 0 steps a prototype head classifies as nearest class mean in squared
 * Euclidean distance; the chosen step count is the best held-out one.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { ShapeError } from '../../src/core/errors';
import { parseRunConfig } from '../../src/core/config';
import { createModel } from '../../src/model/create-model';
import { bestStepCount, chooseSteps } from '../../src/meta/choose-steps';
import { evaluateAdaptation } from '../../src/meta/evaluate';
import { initMetaParams } from '../../src/meta/meta-params';
import { withPrototypeHead } from '../../src/meta/prototype-head';
import type { Task, TextSet } from '../../src/tasks/task';

test('a prototype head gives logits whose arg-max is the nearest class mean', () => {
  tf.tidy(() => {
    const features = tf.tensor2d([[0, 0], [0, 2], [4, 4], [6, 4], [-3, 1]]);
    const labels = tf.tensor1d([0, 0, 1, 1, 2], 'int32');
    const params = { 'head.w': tf.zeros([2, 3]), 'head.b': tf.zeros([3]) };
    const headed = withPrototypeHead(params, features, labels);
    // prototypes: (0, 1), (5, 4), (−3, 1)
    assert.deepEqual(Array.from(headed['head.w']!.dataSync()), [0, 10, -6, 2, 8, 2]);
    assert.deepEqual(Array.from(headed['head.b']!.dataSync()), [-1, -41, -10]);
    const probes = tf.tensor2d([[1, 1], [4, 3], [-2, 0]]);
    const logits = tf.add(tf.matMul(probes, headed['head.w'] as tf.Tensor2D), headed['head.b']!);
    assert.deepEqual(Array.from(tf.argMax(logits, 1).dataSync()), [0, 1, 2]);
  });
});

test('a prototype head refuses features or labels that do not fit the head', () => {
  tf.tidy(() => {
    const params = { 'head.w': tf.zeros([2, 3]), 'head.b': tf.zeros([3]) };
    assert.throws(() => withPrototypeHead(params, tf.zeros([4, 5]), tf.zeros([4], 'int32')), (e: unknown) => e instanceof ShapeError && /features \[n, 2\]/.test(e.message));
    assert.throws(() => withPrototypeHead(params, tf.zeros([4, 2]), tf.zeros([4])), (e: unknown) => e instanceof ShapeError && /float32 labels/.test(e.message));
    assert.throws(() => withPrototypeHead({ 'head.w': tf.zeros([2, 3]) }, tf.zeros([1, 2]), tf.zeros([1], 'int32')), (e: unknown) => e instanceof ShapeError && /head.b \[absent\]/.test(e.message));
  });
});

test('bestStepCount takes the best value and the fewest steps among ties', () => {
  assert.equal(bestStepCount([0.2, 0.5, 0.5, 0.4], true), 1);
  assert.equal(bestStepCount([3, 2, 1, 1], false), 2);
  assert.equal(bestStepCount([0.3], true), 0);
  assert.throws(() => bestStepCount([], true), RangeError);
});

const set = (texts: string[], labels: number[]): TextSet => ({ kind: 'text', texts, labels: Int32Array.from(labels) });
const config = parseRunConfig({
  name: 't',
  task: { family: 'jsonl', path: 'x.jsonl' },
  model: { kind: 'transformer', layers: 0, dModel: 8, heads: 2, dFf: 16, maxLength: 8, tokenizer: 'hashed-words', hashBuckets: 64 },
  algorithm: { name: 'maml', adapt: 'head', headInit: 'prototypes', innerLr: 0.5, innerSteps: 1 },
});
const model = createModel(config.model, 2);
const theta = initMetaParams(config, 2, 3);

test('chooseSteps scores fine-tuning on the last support example of each class, held out', () => {
  const task: Task = {
    spec: { family: 'jsonl', split: 'test', seed: 0 },
    support: set(['the cat sat', 'dogs bark loud', 'a cat naps', 'the dog runs', 'cats purr', 'dog bites'], [0, 1, 0, 1, 0, 1]),
    query: set(['cat on mat', 'dog in fog'], [0, 1]),
  };
  const options = { steps: 3, algorithm: config.algorithm };
  const held: Task = { spec: task.spec, support: set(['the cat sat', 'dogs bark loud', 'a cat naps', 'the dog runs'], [0, 1, 0, 1]), query: set(['cats purr', 'dog bites'], [0, 1]) };
  assert.equal(chooseSteps(model, theta, task, options), bestStepCount(evaluateAdaptation(model, theta, held, options).metric, true));
  const oneShot: Task = { ...task, support: set(['the cat sat', 'dogs bark loud'], [0, 1]) };
  assert.equal(chooseSteps(model, theta, oneShot, options), undefined, '1-shot has nothing to hold out');
});
