import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend, type BackendName } from '../../src/model';
import { checkDirection, gradients, mamlObjective } from './gradcheck';
import { fixture, tinyMlp, tinyTransformer } from './fixtures';

/**
 * Relative error allowed between the second-order meta-gradient and central differences of the MAML objective
 * (see gradcheck.ts); measured worst: 6.7e-3 over 12 seeds × 36 tensors × 2 backends.
 */
const TOLERANCE = 2e-2;
/** Inner learning rate: large enough that the second-order term is a sizeable part of the meta-gradient. */
const INNER_LR = 0.5;

for (const backend of ['wasm', 'cpu'] as BackendName[]) {
  for (const [label, cfg] of [['sinusoid MLP', tinyMlp], ['transformer', tinyTransformer]] as const) {
    test(`${label} second-order MAML meta-gradient matches finite differences of the adapted query loss on ${backend}`, async () => {
      await initBackend(backend);
      const fx = fixture(cfg, 5);
      assert.deepEqual(fx.model.secondOrderBlockers, []);
      const meta = mamlObjective(fx.lossOn(fx.support), fx.lossOn(fx.query), INNER_LR);
      const metaGrads = gradients(meta, fx.params);
      // First-order MAML: the query-loss gradient at the adapted parameters (what a dropped second-order term gives).
      const adapted = tf.tidy(() => {
        const g = gradients(fx.lossOn(fx.support), fx.params);
        return Object.fromEntries(Object.entries(fx.params).map(([n, t]) => [n, tf.sub(t, tf.mul(g[n]!, INNER_LR))]));
      });
      const firstOrder = gradients(fx.lossOn(fx.query), adapted);
      let worst = 0;
      let secondOrderShare = 0;
      for (const [k, name] of Object.keys(fx.params).sort().entries()) {
        const check = checkDirection(meta, fx.params, metaGrads[name]!, name, 200 + k);
        worst = Math.max(worst, check.relError);
        assert.ok(check.relError < TOLERANCE, `${name}: analytic ${check.analytic}, numeric ${check.numeric}, rel. error ${check.relError}`);
        const diff = tf.tidy(() => tf.norm(tf.sub(metaGrads[name]!, firstOrder[name]!)).dataSync()[0]! / (tf.norm(metaGrads[name]!).dataSync()[0]! + 1e-12));
        secondOrderShare = Math.max(secondOrderShare, diff);
      }
      // The check has teeth: somewhere the second-order term changes the gradient far beyond the tolerance.
      assert.ok(secondOrderShare > 10 * TOLERANCE, `second-order term too small to test (max relative share ${secondOrderShare})`);
      tf.dispose([...Object.values(metaGrads), ...Object.values(firstOrder), ...Object.values(adapted)]);
      fx.dispose();
      console.log(`# ${label} on ${backend}: worst rel. error ${worst.toExponential(2)}; largest second-order share of a tensor's meta-gradient ${secondOrderShare.toFixed(2)}`);
    });
  }
}
