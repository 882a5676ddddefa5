/**
 * Second-order refusal and where a blocker matters. The fixture model has a tanh body (tfjs's tanh gradient
 * reuses its saved output, so exact second order through it is impossible) and a linear head:
 * - with `adapt: all` tfjs silently returns a wrong MAML gradient (shown below against finite differences), so
 *   the config is refused with UnsupportedGradientError naming the op and suggesting fomaml / adapt: head;
 * - with `adapt: head` (ANIL) the tanh lies outside the differentiated inner backward pass, and the MAML
 *   gradient matches finite differences of the true meta-objective, so the config is allowed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UnsupportedGradientError } from '../../src/core/errors';
import { parseRunConfig } from '../../src/core/config';
import { createModel } from '../../src/model/create-model';
import { blockingOps, checkAlgorithmSupported } from '../../src/meta/algorithm-support';
import { mamlGradient } from '../../src/meta/maml';
import { computeMetaGradient } from '../../src/meta/meta-gradient';
import { adaptableNames } from '../../src/meta/meta-params';
import { compareWithFd, finiteDifference, sinusoidConfig, sinusoidMlp, sinusoidTask, tanhModel, tanhParams, trueMetaObjective } from './fixtures';

const task = sinusoidTask(2);
const algorithm = (name: 'maml' | 'fomaml' | 'reptile' | 'metasgd', adapt: 'all' | 'head' | 'head+layernorm') =>
  sinusoidConfig([4], { name, adapt, innerLr: 0.05, innerSteps: 2 }).algorithm;

test('maml with adapt: all through a tanh body is refused, naming the op and the alternatives', () => {
  const model = tanhModel(6);
  for (const adapt of ['all', 'head+layernorm'] as const) {
    assert.throws(
      () => computeMetaGradient(model, tanhParams(6, 1), task, algorithm('maml', adapt)),
      (err: unknown) => {
        assert.ok(err instanceof UnsupportedGradientError);
        assert.match(err.message, new RegExp(`algorithm maml with adapt: ${adapt.replace('+', '\\+')}`));
        assert.match(err.message, /"tanh \(hidden layer\)"/);
        assert.match(err.message, /fomaml/);
        assert.match(err.message, /adapt: head/);
        return true;
      },
    );
  }
  assert.throws(() => checkAlgorithmSupported(model, algorithm('metasgd', 'all')), UnsupportedGradientError);
});

test('the refusal is needed: tfjs silently returns a wrong maml gradient through tanh (adapt: all)', () => {
  const model = tanhModel(6);
  const params = tanhParams(6, 1);
  const wrong = mamlGradient(model, params, task, algorithm('maml', 'all')); // bypasses the check
  const fd = finiteDifference(params, (p) => trueMetaObjective(model, p, task, { steps: 2, lr: 0.05, adaptable: adaptableNames(model, 'all') }), 3e-3);
  const { relError, smoothFraction } = compareWithFd(wrong.gradient, fd);
  assert.equal(smoothFraction, 1); // tanh is smooth: every element is checked
  assert.ok(relError > 1e-2, `expected a visible error, got ${relError}`);
});

test('maml and metasgd with adapt: head through a tanh body are allowed and exact', () => {
  const model = tanhModel(6);
  const params = tanhParams(6, 1);
  for (const name of ['maml', 'metasgd'] as const) assert.deepEqual(blockingOps(model, algorithm(name, 'head')), []);
  const result = computeMetaGradient(model, params, task, algorithm('maml', 'head'));
  const fd = finiteDifference(params, (p) => trueMetaObjective(model, p, task, { steps: 2, lr: 0.05, adaptable: ['head.b', 'head.w'] }), 3e-3);
  const { relError, smoothFraction } = compareWithFd(result.gradient, fd);
  assert.equal(smoothFraction, 1);
  assert.ok(relError < 1e-3, `ANIL through a tanh body: relative error ${relError}`);
});

test('a blocker in the head or loss, or with no location, is refused even with adapt: head, suggesting first order only', () => {
  for (const blocker of ['softmax (loss)', 'sigmoid (output head)', 'tanh']) {
    const model = tanhModel(6, [blocker]);
    assert.throws(
      () => checkAlgorithmSupported(model, algorithm('maml', 'head')),
      (err: unknown) =>
        err instanceof UnsupportedGradientError &&
        err.message.includes(JSON.stringify(blocker)) &&
        /use algorithm\.name: fomaml \(or reptile\)$/.test(err.message),
    );
  }
});

test('first-order algorithms are never refused', () => {
  const model = tanhModel(6, ['tanh', 'softmax (loss)']);
  for (const name of ['fomaml', 'reptile'] as const) {
    for (const adapt of ['all', 'head', 'head+layernorm'] as const) assert.doesNotThrow(() => checkAlgorithmSupported(model, algorithm(name, adapt)));
  }
  assert.doesNotThrow(() => computeMetaGradient(model, tanhParams(6, 1), task, algorithm('fomaml', 'all')));
});

test('the models of src/model declare no blockers, so every algorithm is supported on them', () => {
  const transformer = createModel(parseRunConfig({ name: 't', task: { family: 'sotu' }, model: { kind: 'transformer' } }).model, 5);
  for (const model of [sinusoidMlp([4]), transformer]) {
    for (const name of ['maml', 'metasgd'] as const) {
      for (const adapt of ['all', 'head', 'head+layernorm'] as const) assert.doesNotThrow(() => checkAlgorithmSupported(model, algorithm(name, adapt)));
    }
  }
});
