/**
 * Test-time adaptation (src/meta/adapt.ts, src/meta/evaluate.ts): the curve's index s is the query loss after s
 * fine-tuning steps; learned Meta-SGD rates replace the scalar rate; `resetHead` swaps in a zero head of the
 * evaluation model's shape (the transfer baseline's many-class head → the task's head).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ShapeError } from '../../src/core/errors';
import { fullFromSpec, paramSet } from '../../src/core/param-set';
import { createModel } from '../../src/model/create-model';
import { adaptParams } from '../../src/meta/adapt';
import { evaluateAdaptation } from '../../src/meta/evaluate';
import { initMetaParams, lrName } from '../../src/meta/meta-params';
import { adaptedBySgd, lossAt, sinusoidConfig, sinusoidMlp, sinusoidTask } from './fixtures';

const HIDDEN = [8, 8];
const model = sinusoidMlp(HIDDEN);
const task = sinusoidTask(3, 10, 20);
const algorithm = { adapt: 'all' as const, innerLr: 0.01 };
const theta = initMetaParams(sinusoidConfig(HIDDEN), 1, 2);
const close = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) <= 1e-5 * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);

test('evaluateAdaptation gives the query loss after s = 0..S SGD steps on the support set', () => {
  const curve = evaluateAdaptation(model, theta, task, { steps: 4, algorithm });
  assert.equal(curve.loss.length, 5);
  assert.equal(curve.metric.length, 5);
  for (let s = 0; s <= 4; s++) {
    const phi = adaptedBySgd(model, theta, task, { steps: s, lr: 0.01, adaptable: [...model.spec.keys()] });
    close(curve.loss[s]!, lossAt(model, phi, task.query), `loss after ${s} steps`);
  }
  assert.ok(curve.loss[4]! < curve.loss[0]!, 'fine-tuning lowers the query loss on this task');
  assert.deepEqual(curve.metric, curve.loss); // MSE is both for regression
});

test('adaptParams returns the model parameters after S steps, only the adapted subset changed', () => {
  const adapted = adaptParams(model, theta, task.support, { steps: 3, algorithm: { adapt: 'head', innerLr: 0.01 } });
  const expected = adaptedBySgd(model, theta, task, { steps: 3, lr: 0.01, adaptable: ['head.b', 'head.w'] });
  assert.deepEqual([...adapted.keys()], [...model.spec.keys()]);
  for (const [n, t] of adapted) t.data.forEach((v, i) => close(v, expected.get(n)!.data[i]!, `${n}[${i}]`));
  assert.deepEqual(adapted.get('layer0.w'), theta.get('layer0.w'));
  assert.deepEqual(adaptParams(model, theta, task.support, { steps: 0, algorithm }), theta);
});

test('learned Meta-SGD rates are used instead of innerLr: zero rates leave the parameters unchanged', () => {
  const frozen = paramSet([...theta, ...fullFromSpec(new Map([...model.spec].map(([n, s]) => [lrName(n), s] as const)), 0)]);
  const curve = evaluateAdaptation(model, frozen, task, { steps: 3, algorithm });
  assert.ok(curve.loss.every((l) => l === curve.loss[0]), `loss moved: ${curve.loss.join(', ')}`);
  assert.deepEqual(adaptParams(model, frozen, task.support, { steps: 3, algorithm }), theta); // rates not returned
  const partial = paramSet([...theta, ['lr/head.w', { shape: [8, 1], data: new Float32Array(8) }]]);
  assert.throws(() => adaptParams(model, partial, task.support, { steps: 1, algorithm }), (e: unknown) => e instanceof ShapeError && /missing tensor lr\/head\.b/.test(e.message));
});

test('resetHead starts from a zero head shaped for the evaluation model', () => {
  const config = sinusoidConfig(HIDDEN);
  const transfer = initMetaParams(config, 3, 5); // a head with 3 outputs, as after joint training on 3 classes
  assert.throws(() => evaluateAdaptation(model, transfer, task, { steps: 1, algorithm }), (e: unknown) => e instanceof ShapeError && /head\.b has shape \[3\], expected \[1\]/.test(e.message));
  const curve = evaluateAdaptation(model, transfer, task, { steps: 2, algorithm, resetHead: true });
  const meanSquare = task.query.kind === 'regression' ? task.query.y.reduce((a, y) => a + y * y, 0) / task.query.y.length : NaN;
  close(curve.loss[0]!, meanSquare, 'a zero head predicts 0'); // prediction 0 ⇒ loss = mean(y²)
  const zeroHead = paramSet([...transfer].map(([n, t]) => [n, n.startsWith('head.') ? { shape: [...model.spec.get(n)!], data: new Float32Array(model.spec.get(n)!.reduce((a, b) => a * b, 1)) } : t] as const));
  const phi = adaptedBySgd(model, zeroHead, task, { steps: 2, lr: 0.01, adaptable: [...model.spec.keys()] });
  close(curve.loss[2]!, lossAt(model, phi, task.query), 'loss after 2 steps from the zero head');
  const adapted = adaptParams(createModel(config.model, 1), transfer, task.support, { steps: 1, algorithm, resetHead: true });
  assert.deepEqual(adapted.get('head.w')!.shape, [8, 1]);
  assert.deepEqual(adapted.get('layer1.w'), transfer.get('layer1.w'));
});

test('negative or fractional step counts are rejected', () => {
  assert.throws(() => evaluateAdaptation(model, theta, task, { steps: -1, algorithm }), /steps must be a non-negative integer, got -1/);
  assert.throws(() => adaptParams(model, theta, task.support, { steps: 1.5, algorithm }), /steps must be a non-negative integer, got 1.5/);
});
