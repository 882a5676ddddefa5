/**
 * Every gradient path against central finite differences, on the real sinusoid MLP (1-8-8-1, ReLU) and on
 * both CPU backends shipped with the install (cpu, wasm):
 * - MAML, ANIL (MAML with adapt: head) and Meta-SGD against the FD of the *true* meta-objective
 *   L_query(φ(θ)), evaluated independently with `tf.grads` (fixtures.trueMetaObjective);
 * - FOMAML against its own definition, the FD of L_query at the adapted φ held fixed;
 * - Reptile's θ − φ against SGD computed independently with `tf.grads`, and for one step (θ − φ)/lr against the
 *   FD of the support loss;
 * - the joint gradient against the FD of the batch loss.
 * Tolerance: relative error ‖g − g_fd‖ / ‖g_fd‖ < 1e-3 (float32 losses; measured 2e-6 – 2e-4), over the
 * elements where the finite differences are smooth at the step scale (ReLU kinks; fixtures.compareWithFd),
 * which must be at least 75% of them (measured 87–100%). Two inner steps of rate 0.01 from the initialization:
 * FOMAML is ~100% off the true meta-gradient there, so these checks cannot pass by accident.
 */
import { describe, test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { paramSet, type ParamSet } from '../../src/core/param-set';
import { initBackend, type BackendName } from '../../src/model/backend';
import { toTensors } from '../../src/model/params-tf';
import { sinusoidFamily } from '../../src/tasks/sinusoid';
import { computeMetaGradient } from '../../src/meta/meta-gradient';
import { innerLoop } from '../../src/meta/inner-loop';
import { jointGradient } from '../../src/meta/joint-gradient';
import { adaptableNames } from '../../src/meta/meta-params';
import type { RegressionSet } from '../../src/tasks/task';
import {
  adaptedBySgd,
  compareWithFd,
  finiteDifference,
  type FiniteDifference,
  lossAt,
  metaParamsFor,
  relativeError,
  sinusoidConfig,
  sinusoidMlp,
  sinusoidTask,
  squareModel,
  trueMetaObjective,
} from './fixtures';

const EPS = 3e-3;
const TOLERANCE = 1e-3;
const HIDDEN = [8, 8];

function assertClose(actual: ParamSet, reference: FiniteDifference, what: string): void {
  const { relError, smoothFraction } = compareWithFd(actual, reference);
  if (process.env.META_TEST_VERBOSE) console.log(`${what}: relative error ${relError.toExponential(2)} on ${(100 * smoothFraction).toFixed(1)}% of elements`);
  assert.ok(smoothFraction >= 0.75, `${what}: finite differences smooth on only ${(100 * smoothFraction).toFixed(1)}% of elements`);
  assert.ok(relError < TOLERANCE, `${what}: relative error ${relError.toExponential(2)} ≥ ${TOLERANCE}`);
}

function bits(p: ParamSet): Buffer {
  return Buffer.concat([...p].map(([, t]) => Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength)));
}

for (const backend of ['cpu', 'wasm'] as BackendName[]) {
  describe(`meta-gradients on ${backend}`, () => {
    before(() => initBackend(backend));
    const model = sinusoidMlp(HIDDEN);
    const task = sinusoidTask(1);

    for (const [name, adapt] of [['maml', 'all'], ['maml', 'head'], ['metasgd', 'all'], ['metasgd', 'head']] as const) {
      test(`${name} with adapt: ${adapt} matches finite differences of the true meta-objective`, () => {
        const config = sinusoidConfig(HIDDEN, { name, adapt, innerLr: 0.01, innerSteps: 2 });
        const meta = metaParamsFor(config, 3, [0.005, 0.015]);
        const result = computeMetaGradient(model, meta, task, config.algorithm);
        const inner = { steps: 2, lr: name === 'metasgd' ? ('learned' as const) : 0.01, adaptable: adaptableNames(model, adapt) };
        const fd = finiteDifference(meta, (p) => trueMetaObjective(model, p, task, inner), EPS);
        assertClose(result.gradient, fd, `${name}/${adapt}`);
        assert.ok(Math.abs(result.queryLoss - trueMetaObjective(model, meta, task, inner)) <= 1e-5 * Math.max(1, result.queryLoss));
        // The first-order gradient differs from the true one by far more than the tolerance (the check has teeth).
        if (name === 'maml') {
          const fo = computeMetaGradient(model, meta, task, { ...config.algorithm, name: 'fomaml' });
          assert.ok(compareWithFd(fo.gradient, fd).relError > 100 * TOLERANCE);
        }
      });
    }

    test('fomaml equals the gradient of the query loss at the adapted parameters held fixed (finite differences)', () => {
      for (const adapt of ['all', 'head'] as const) {
        const config = sinusoidConfig(HIDDEN, { name: 'fomaml', adapt, innerLr: 0.01, innerSteps: 2 });
        const meta = metaParamsFor(config, 4);
        const result = computeMetaGradient(model, meta, task, config.algorithm);
        const phi = adaptedBySgd(model, meta, task, { steps: 2, lr: 0.01, adaptable: adaptableNames(model, adapt) });
        const fd = finiteDifference(phi, (p) => lossAt(model, p, task.query), EPS);
        assertClose(result.gradient, fd, `fomaml/${adapt}`);
        assert.ok(Math.abs(result.queryLoss - lossAt(model, phi, task.query)) <= 1e-4 * Math.max(1, result.queryLoss));
      }
    });

    test('reptile returns θ − φ for SGD on the support loss, zero outside the adapted subset', () => {
      for (const [adapt, steps] of [['all', 1], ['all', 3], ['head', 3]] as const) {
        const config = sinusoidConfig(HIDDEN, { name: 'reptile', adapt, innerLr: 0.01, innerSteps: steps });
        const meta = metaParamsFor(config, 5);
        const result = computeMetaGradient(model, meta, task, config.algorithm);
        const adaptable = adaptableNames(model, adapt);
        const phi = adaptedBySgd(model, meta, task, { steps, lr: 0.01, adaptable });
        const expected = paramSet([...meta].map(([n, t]) => [n, { shape: t.shape, data: t.data.map((v, i) => v - phi.get(n)!.data[i]!) }] as const));
        const err = relativeError(result.gradient, expected);
        assert.ok(err < TOLERANCE, `reptile/${adapt}/${steps} steps vs tf.grads SGD: relative error ${err.toExponential(2)}`);
        for (const [n, t] of result.gradient) if (!adaptable.includes(n)) assert.ok(t.data.every((v) => v === 0), `${n} must not move`);
        if (steps === 1) {
          // One step: (θ − φ) / lr is the support-loss gradient.
          const scaled = paramSet([...result.gradient].map(([n, t]) => [n, { shape: t.shape, data: t.data.map((v) => v / 0.01) }] as const));
          assertClose(scaled, finiteDifference(meta, (p) => lossAt(model, p, task.support), EPS), `reptile/${adapt}/1 step vs finite differences`);
        }
      }
    });

    test('the joint gradient matches finite differences of the batch loss', () => {
      const config = sinusoidConfig(HIDDEN);
      const params = metaParamsFor(config, 6);
      const batch = sinusoidFamily({ shots: 5, queryShots: 5 }).jointBatch(7, 20) as RegressionSet;
      const result = jointGradient(model, params, batch);
      assertClose(result.gradient, finiteDifference(params, (p) => lossAt(model, p, batch), EPS), 'joint');
      assert.ok(Math.abs(result.loss - lossAt(model, params, batch)) <= 1e-6 * Math.max(1, result.loss));
      assert.equal(result.metric, result.loss); // MSE is both loss and metric for regression
    });

    test('the one-parameter check: L(θ) = θ², inner lr 0.1, θ = 1 gives MAML 1.28, first order 1.6', () => {
      const square = squareModel();
      const theta = paramSet([['head.w', { shape: [1], data: Float32Array.of(1) }]]);
      const algorithm = sinusoidConfig([1], { innerLr: 0.1, innerSteps: 1 }).algorithm;
      const of = (name: 'maml' | 'fomaml' | 'reptile', params: ParamSet = theta) =>
        computeMetaGradient(square, params, task, { ...algorithm, name }).gradient.get('head.w')!.data[0]!;
      assert.ok(Math.abs(of('maml') - 1.28) < 1e-6, `maml ${of('maml')}`);
      assert.ok(Math.abs(of('fomaml') - 1.6) < 1e-6, `fomaml ${of('fomaml')}`);
      assert.ok(Math.abs(of('reptile') - 0.2) < 1e-6, `reptile ${of('reptile')}`); // θ − φ = θ − 0.8θ
      // Meta-SGD: L_q = (θ − 2αθ)²; ∂/∂θ = 2(1 − 2α)²θ = 1.28, ∂/∂α = −4θ²(1 − 2α) = −3.2.
      const withLr = paramSet([...theta, ['lr/head.w', { shape: [1], data: Float32Array.of(0.1) }]]);
      const g = computeMetaGradient(square, withLr, task, { ...algorithm, name: 'metasgd' }).gradient;
      assert.ok(Math.abs(g.get('head.w')!.data[0]! - 1.28) < 1e-6);
      assert.ok(Math.abs(g.get('lr/head.w')!.data[0]! + 3.2) < 1e-6);
    });

    test('same inputs give bitwise-identical gradients, also from a freshly built model', () => {
      for (const name of ['maml', 'fomaml', 'reptile', 'metasgd'] as const) {
        const config = sinusoidConfig(HIDDEN, { name, innerLr: 0.01, innerSteps: 1 });
        const meta = metaParamsFor(config, 8);
        const a = computeMetaGradient(model, meta, task, config.algorithm);
        const b = computeMetaGradient(sinusoidMlp(HIDDEN), meta, sinusoidTask(1), config.algorithm);
        assert.ok(bits(a.gradient).equals(bits(b.gradient)), `${name} gradients differ`);
        assert.equal(a.queryLoss, b.queryLoss);
      }
    });

    test('the inner loop with createGraph: false adapts only the given parameters and leaves the input tensors alive', () => {
      const config = sinusoidConfig(HIDDEN);
      const theta = toTensors(metaParamsFor(config, 9));
      const support = model.encode(task.support);
      const before = tf.memory().numTensors;
      const phi = innerLoop(model, theta, support, { steps: 3, lr: 0.01, adaptable: ['head.b', 'head.w'], createGraph: false });
      assert.equal(tf.memory().numTensors, before + 2); // the two adapted tensors, nothing else
      assert.equal(phi['layer0.w'], theta['layer0.w']);
      assert.notEqual(phi['head.w'], theta['head.w']);
      tf.dispose([phi['head.w']!, phi['head.b']!, theta, support.x, support.y]);
      assert.throws(() => innerLoop(model, theta, support, { steps: 1, lr: 0.01, adaptable: ['nope'], createGraph: false }), /adaptable parameter nope/);
    });
  });
}
