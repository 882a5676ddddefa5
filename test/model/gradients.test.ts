import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend, type BackendName } from '../../src/model';
import { checkDirection, gradients } from './gradcheck';
import { fixture, tinyMlp, tinyTransformer } from './fixtures';

/**
 * Relative error allowed between analytic directional derivatives and float32 central differences
 * (see gradcheck.ts). Measured worst cases are printed; 1e-2 leaves room for float32 rounding.
 */
const TOLERANCE = 1e-2;

for (const backend of ['wasm', 'cpu'] as BackendName[]) {
  for (const [label, cfg] of [['sinusoid MLP', tinyMlp], ['transformer', tinyTransformer]] as const) {
    test(`${label} loss gradient w.r.t. every parameter matches finite differences on ${backend}`, async () => {
      await initBackend(backend);
      const fx = fixture(cfg, 11);
      const loss = fx.lossOn(fx.query);
      const grads = gradients(loss, fx.params);
      const names = Object.keys(fx.params).sort();
      assert.deepEqual(Object.keys(grads).sort(), names);
      let worst = 0;
      for (const [k, name] of names.entries()) {
        const check = checkDirection(loss, fx.params, grads[name]!, name, 100 + k);
        worst = Math.max(worst, check.relError);
        assert.ok(check.relError < TOLERANCE, `${name}: analytic ${check.analytic}, numeric ${check.numeric}, rel. error ${check.relError}`);
        assert.ok(Math.abs(check.analytic) > 1e-6, `${name}: gradient is zero — parameter does not reach the loss`);
      }
      tf.dispose(Object.values(grads));
      fx.dispose();
      console.log(`# ${label} on ${backend}: worst directional rel. error ${worst.toExponential(2)} over ${names.length} tensors`);
    });
  }
}
