import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend, type BackendName } from '../../src/model';
import { gradients, mamlObjective } from './gradcheck';
import { fixture, tinyMlp, tinyTransformer } from './fixtures';

for (const backend of ['wasm', 'cpu'] as BackendName[]) {
  for (const [label, cfg] of [['sinusoid MLP', tinyMlp], ['transformer', tinyTransformer]] as const) {
    test(`${label} forward, backward and second-order passes leave no tensors behind on ${backend}`, async () => {
      await initBackend(backend);
      const fx = fixture(cfg, 3);
      const step = (): void => {
        // forward, loss and metric outside tf.tidy: the model itself must not leak its intermediates
        const prediction = fx.model.forward(fx.params, fx.query.x);
        tf.dispose([prediction, fx.model.loss(prediction, fx.query.y), fx.model.metric(prediction, fx.query.y)]);
        tf.dispose(Object.values(gradients(fx.lossOn(fx.query), fx.params)));
        tf.dispose(Object.values(gradients(mamlObjective(fx.lossOn(fx.support), fx.lossOn(fx.query), 0.1), fx.params)));
      };
      step(); // first call may allocate backend-lifetime state
      const counts: number[] = [];
      for (let i = 0; i < 4; i++) {
        const before = tf.memory().numTensors;
        step();
        counts.push(tf.memory().numTensors - before);
      }
      assert.deepEqual(counts, [0, 0, 0, 0]);
      fx.dispose();
    });
  }
}
