import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRunConfig } from '../../src/core/config';
import { ConfigError } from '../../src/core/errors';

const minimal = { name: 'demo', task: { family: 'sinusoid' }, model: { kind: 'sinusoid-mlp' } };

test('config fills documented defaults', () => {
  const c = parseRunConfig(minimal);
  assert.equal(c.algorithm.name, 'fomaml');
  assert.equal(c.runtime.backend, 'wasm');
  assert.deepEqual(c.task.classSplit, [0.6, 0.2, 0.2]);
  assert.equal(c.training.maxSteps, 1000);
});

test('config error names the field path and the bad value', () => {
  assert.throws(
    () => parseRunConfig({ ...minimal, algorithm: { innerLr: -1 } }),
    (e: unknown) => e instanceof ConfigError && e.path === 'algorithm.innerLr' && /-1/.test(e.message),
  );
  assert.throws(
    () => parseRunConfig({ ...minimal, model: { kind: 'transformer', dModel: 30, heads: 4 } }),
    (e: unknown) => e instanceof ConfigError && e.path === 'model.heads',
  );
  assert.throws(
    () => parseRunConfig({ ...minimal, training: { maxStep: 3 } }),
    (e: unknown) => e instanceof ConfigError && /maxStep/.test(e.message),
  );
});
