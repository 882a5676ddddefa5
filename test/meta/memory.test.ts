/**
 * tfjs memory stays flat: after a warm-up round, many rounds of every path (meta-gradients of all algorithms
 * with an Adam outer step, the joint gradient, evaluation, adaptation) leave `tf.memory().numTensors` and the
 * backend's data buffers unchanged — on the sinusoid MLP and on the text transformer, on cpu and wasm.
 */
import { describe, test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { parseRunConfig } from '../../src/core/config';
import { ShapeError } from '../../src/core/errors';
import { specOf, type ParamSet } from '../../src/core/param-set';
import { createModel } from '../../src/model/create-model';
import { initBackend, type BackendName } from '../../src/model/backend';
import type { Model } from '../../src/model/model';
import type { Task, TextSet } from '../../src/tasks/task';
import { Adam } from '../../src/meta/adam';
import { adaptParams } from '../../src/meta/adapt';
import { evaluateAdaptation } from '../../src/meta/evaluate';
import { jointGradient } from '../../src/meta/joint-gradient';
import { computeMetaGradient } from '../../src/meta/meta-gradient';
import { initMetaParams } from '../../src/meta/meta-params';
import { sinusoidConfig, sinusoidTask } from './fixtures';

const ALGORITHMS = ['maml', 'fomaml', 'reptile', 'metasgd'] as const;

function textSet(words: string[], labels: number[]): TextSet {
  return { kind: 'text', texts: words, labels: Int32Array.from(labels) };
}

const textTask: Task = {
  spec: { family: 'jsonl', split: 'train', seed: 0 },
  support: textSet(['alpha beta', 'gamma delta', 'beta alpha', 'delta gamma'], [0, 1, 0, 1]),
  query: textSet(['alpha alpha', 'gamma gamma', 'beta', 'delta'], [0, 1, 0, 1]),
};

/** One round of every path on `model`; returns nothing, keeps nothing. */
function round(model: Model, config: (name: (typeof ALGORITHMS)[number]) => ReturnType<typeof parseRunConfig>, task: Task, outputs: number): void {
  for (const name of ALGORITHMS) {
    const c = config(name);
    let params: ParamSet = initMetaParams(c, outputs, 1);
    const adam = new Adam(specOf(params), { lr: 1e-3 });
    for (let step = 0; step < 3; step++) params = adam.step(params, computeMetaGradient(model, params, task, c.algorithm).gradient);
    evaluateAdaptation(model, params, task, { steps: 3, algorithm: c.algorithm });
    adaptParams(model, params, task.support, { steps: 2, algorithm: c.algorithm });
  }
  const plain = initMetaParams(config('fomaml'), outputs, 2);
  jointGradient(model, plain, task.support);
  evaluateAdaptation(model, plain, task, { steps: 2, algorithm: config('fomaml').algorithm, resetHead: true });
}

for (const backend of ['cpu', 'wasm'] as BackendName[]) {
  describe(`tensor counts on ${backend}`, () => {
    before(() => initBackend(backend));

    test('stay flat over many rounds on the sinusoid MLP', () => {
      const config = (name: (typeof ALGORITHMS)[number]) => sinusoidConfig([8, 8], { name, innerSteps: 2 });
      const model = createModel(config('maml').model, 1);
      const task = sinusoidTask(4);
      round(model, config, task, 1);
      const before = tf.memory();
      for (let i = 0; i < 5; i++) round(model, config, task, 1);
      assert.equal(tf.memory().numTensors, before.numTensors);
      assert.equal(tf.memory().numDataBuffers, before.numDataBuffers);
    });

    test('stay flat over many rounds on the text transformer', () => {
      const config = (name: (typeof ALGORITHMS)[number]) =>
        parseRunConfig({
          name: 't',
          task: { family: 'jsonl', path: 'x.jsonl' },
          model: { kind: 'transformer', layers: 1, dModel: 8, heads: 2, dFf: 16, maxLength: 12 },
          algorithm: { name, adapt: 'head+layernorm', innerSteps: 1 },
        });
      const model = createModel(config('maml').model, 2);
      round(model, config, textTask, 2);
      const before = tf.memory();
      for (let i = 0; i < 2; i++) round(model, config, textTask, 2);
      assert.equal(tf.memory().numTensors, before.numTensors);
      assert.equal(tf.memory().numDataBuffers, before.numDataBuffers);
    });

    test('a task that does not fit the model fails with ShapeError and leaves no tensor behind', () => {
      const config = sinusoidConfig([4], { name: 'fomaml' });
      const model = createModel(config.model, 1);
      const params = initMetaParams(config, 1, 1);
      const mixed: Task = { ...sinusoidTask(1), query: textTask.query };
      const before = tf.memory().numTensors;
      for (const name of ALGORITHMS) {
        const c = sinusoidConfig([4], { name });
        const p = initMetaParams(c, 1, 1);
        assert.throws(() => computeMetaGradient(model, p, mixed, c.algorithm), ShapeError);
      }
      assert.throws(() => evaluateAdaptation(model, params, mixed, { steps: 1, algorithm: config.algorithm }), ShapeError);
      assert.throws(() => adaptParams(model, params, textTask.support, { steps: 1, algorithm: config.algorithm }), ShapeError);
      assert.throws(() => jointGradient(model, params, textTask.support), ShapeError);
      assert.equal(tf.memory().numTensors, before);
    });
  });
}
