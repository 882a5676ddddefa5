import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRunConfig } from '../../src/core/config';
import { ShapeError } from '../../src/core/errors';
import { sizeOfShape } from '../../src/core/param-set';
import { architectureOf, initParams } from '../../src/model/architecture';
import { VOCAB_SIZE } from '../../src/model/vocab';

// No tfjs import in this file (nor through fixtures.ts): the first test checks that the architecture module
// does not load tfjs, which the coordinator relies on.
const transformer = parseRunConfig({ name: 't', task: { family: 'sotu' }, model: { kind: 'transformer', layers: 2, dModel: 16, heads: 4, dFf: 24, maxLength: 20 } }).model;
const mlp = parseRunConfig({ name: 't', task: { family: 'sinusoid' }, model: { kind: 'sinusoid-mlp' } }).model;

test('architecture and init load without tfjs', () => {
  initParams(transformer, 5, 1);
  const loaded = Object.keys(require.cache).filter((k) => k.includes('@tensorflow'));
  assert.deepEqual(loaded, []);
});

test('sinusoid MLP spec is 1-40-40-1 with head.w and head.b as its head', () => {
  const arch = architectureOf(mlp, 1);
  assert.deepEqual([...arch.spec], [
    ['head.b', [1]],
    ['head.w', [40, 1]],
    ['layer0.b', [40]],
    ['layer0.w', [1, 40]],
    ['layer1.b', [40]],
    ['layer1.w', [40, 40]],
  ]);
  assert.deepEqual(arch.headNames, ['head.b', 'head.w']);
  assert.deepEqual(arch.layerNormNames, []);
});

test('transformer spec has the documented names and shapes, vocab size included', () => {
  const { spec, headNames, layerNormNames } = architectureOf(transformer, 5);
  assert.deepEqual(spec.get('embed.token'), [VOCAB_SIZE, 16]);
  assert.deepEqual(spec.get('embed.position'), [20, 16]);
  assert.deepEqual(spec.get('layer1.attn.wq'), [16, 16]);
  assert.deepEqual(spec.get('layer1.attn.bo'), [16]);
  assert.equal(spec.has('layer0.attn.bk'), false);
  assert.deepEqual(spec.get('layer0.ff.w1'), [16, 24]);
  assert.deepEqual(spec.get('layer0.ff.w2'), [24, 16]);
  assert.deepEqual(spec.get('head.w'), [16, 5]);
  assert.deepEqual(spec.get('head.b'), [5]);
  assert.equal(spec.size, 2 + 2 * 15 + 4);
  assert.deepEqual(headNames, ['head.b', 'head.w']);
  assert.deepEqual(layerNormNames, [
    'layer0.ln1.bias', 'layer0.ln1.gain', 'layer0.ln2.bias', 'layer0.ln2.gain',
    'layer1.ln1.bias', 'layer1.ln1.gain', 'layer1.ln2.bias', 'layer1.ln2.gain',
    'norm.bias', 'norm.gain',
  ]);
  assert.deepEqual([...spec.keys()], [...spec.keys()].sort());
});

test('same seed gives bitwise-identical parameters, another seed different ones', () => {
  const a = initParams(transformer, 5, 42);
  const b = initParams(transformer, 5, 42);
  const c = initParams(transformer, 5, 43);
  for (const [name, t] of a) {
    assert.deepEqual(b.get(name)!.data, t.data, name);
    const random = t.data.some((v) => v !== t.data[0]);
    if (random) assert.notDeepEqual(c.get(name)!.data, t.data, name);
  }
});

test('init: zero biases, unit LayerNorm gains, weights within their Glorot/He bounds, unit-variance embeddings', () => {
  const params = initParams(transformer, 5, 7);
  const { spec } = architectureOf(transformer, 5);
  for (const [name, shape] of spec) {
    const data = params.get(name)!.data;
    assert.equal(data.length, sizeOfShape(shape), name);
    const maxAbs = Math.max(...data.map(Math.abs));
    if (/\.(b\w?|bias)$/.test(name)) assert.equal(maxAbs, 0, `${name} should be zeros`);
    else if (name.endsWith('.gain')) assert.ok(data.every((v) => v === 1), `${name} should be ones`);
    else if (name.startsWith('embed.')) {
      const variance = data.reduce((s, v) => s + v * v, 0) / data.length;
      // ≥ 320 draws: the sample variance of N(0, 1) is within ±0.25 with overwhelming probability.
      assert.ok(Math.abs(variance - 1) < 0.25, `${name} variance ${variance}`);
    } else {
      const [fanIn, fanOut] = shape as [number, number];
      const bound = name.endsWith('ff.w1') ? Math.sqrt(6 / fanIn) : Math.sqrt(6 / (fanIn + fanOut));
      assert.ok(maxAbs <= bound && maxAbs > 0.5 * bound, `${name}: max |w| ${maxAbs}, bound ${bound}`);
    }
  }
  const mlpParams = initParams(mlp, 1, 7);
  const w0 = mlpParams.get('layer0.w')!.data;
  assert.ok(Math.max(...w0.map(Math.abs)) <= Math.sqrt(6 / 1), 'He bound for layer0.w (fanIn 1)');
});

test('architecture rejects a non-positive output count and names it', () => {
  assert.throws(() => architectureOf(mlp, 0), (e: unknown) => e instanceof ShapeError && /outputs must be a positive integer, got 0/.test(e.message));
  assert.throws(() => initParams(transformer, 2.5, 1), ShapeError);
});
