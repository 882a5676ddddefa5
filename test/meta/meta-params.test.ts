/**
 * Meta-parameter layout and initialization (src/meta/meta-params.ts): the Meta-SGD rates `lr/<name>` per
 * adaptable parameter, the ANIL / LayerNorm subsets, determinism, and that the module (with Adam) loads no tfjs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { parseRunConfig } from '../../src/core/config';
import { ShapeError } from '../../src/core/errors';
import { architectureOf, initParams } from '../../src/model/architecture';
import { adaptableNames, initMetaParams, metaParamSpec, modelParamsOf } from '../../src/meta/meta-params';

const mlp = (algorithm: object) => parseRunConfig({ name: 'm', task: { family: 'sinusoid' }, model: { kind: 'sinusoid-mlp' }, algorithm });
const transformer = (algorithm: object) =>
  parseRunConfig({ name: 't', task: { family: 'sotu' }, model: { kind: 'transformer', layers: 2, dModel: 8, heads: 2, dFf: 16, maxLength: 8 }, algorithm });

test('the meta-parameters of maml, fomaml and reptile are exactly the model parameters', () => {
  for (const name of ['maml', 'fomaml', 'reptile']) {
    const config = mlp({ name });
    const arch = architectureOf(config.model, 1);
    assert.deepEqual(metaParamSpec(arch, config.algorithm), arch.spec);
    assert.deepEqual(initMetaParams(config, 1, 7), initParams(config.model, 1, 7));
  }
});

test('metasgd adds lr/<name> of the parameter shape for each adaptable parameter, filled with innerLr', () => {
  const all = mlp({ name: 'metasgd', innerLr: 0.02 });
  const params = initMetaParams(all, 1, 3);
  assert.deepEqual(
    [...params.keys()],
    ['head.b', 'head.w', 'layer0.b', 'layer0.w', 'layer1.b', 'layer1.w', 'lr/head.b', 'lr/head.w', 'lr/layer0.b', 'lr/layer0.w', 'lr/layer1.b', 'lr/layer1.w'],
  );
  assert.deepEqual(params.get('lr/layer1.w')!.shape, [40, 40]);
  assert.ok(params.get('lr/layer1.w')!.data.every((v) => v === Math.fround(0.02)));
  assert.deepEqual(modelParamsOf(params), initParams(all.model, 1, 3));

  const head = initMetaParams(mlp({ name: 'metasgd', adapt: 'head' }), 1, 3);
  assert.deepEqual([...head.keys()].filter((n) => n.startsWith('lr/')), ['lr/head.b', 'lr/head.w']);
});

test('adapt subsets: head is ANIL, head+layernorm adds every LayerNorm gain and bias', () => {
  const arch = architectureOf(transformer({}).model, 5);
  assert.deepEqual(adaptableNames(arch, 'head'), ['head.b', 'head.w']);
  assert.deepEqual(adaptableNames(arch, 'head+layernorm'), [
    'head.b',
    'head.w',
    'layer0.ln1.bias',
    'layer0.ln1.gain',
    'layer0.ln2.bias',
    'layer0.ln2.gain',
    'layer1.ln1.bias',
    'layer1.ln1.gain',
    'layer1.ln2.bias',
    'layer1.ln2.gain',
    'norm.bias',
    'norm.gain',
  ]);
  assert.equal(adaptableNames(arch, 'all').length, arch.spec.size);
  const spec = metaParamSpec(arch, { name: 'metasgd', adapt: 'head+layernorm' });
  assert.equal(spec.size, arch.spec.size + 12);
  assert.deepEqual(spec.get('lr/norm.gain'), [8]);
});

test('a subset naming a parameter the model lacks is rejected by name', () => {
  const arch = { ...architectureOf(mlp({}).model, 1), headNames: ['head.w', 'out.w'] };
  assert.throws(() => adaptableNames(arch, 'head'), (e: unknown) => e instanceof ShapeError && /adapt: head names parameter out\.w/.test(e.message));
});

test('initialization is deterministic and depends on the seed', () => {
  const config = mlp({ name: 'metasgd' });
  const a = initMetaParams(config, 1, 11);
  assert.deepEqual(a, initMetaParams(config, 1, 11));
  assert.notDeepEqual(a.get('layer0.w')!.data, initMetaParams(config, 1, 12).get('layer0.w')!.data);
});

test('meta-params and adam load without tfjs (the coordinator uses them)', () => {
  const modules = ['meta-params', 'adam'].map((m) => join(__dirname, '../../src/meta', m));
  const code = `${modules.map((m) => `require(${JSON.stringify(m)});`).join('')}
    process.stdout.write(String(Object.keys(require.cache).filter((k) => k.includes('@tensorflow')).length));`;
  const execArgv = process.execArgv.filter((a) => !a.startsWith('--test'));
  const child = spawnSync(process.execPath, [...execArgv, '-e', code], { encoding: 'utf8' });
  assert.equal(child.status, 0, child.stderr);
  assert.equal(child.stdout, '0');
});
