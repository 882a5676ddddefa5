import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { tempDir } from '../support/harness';
import { parseRunConfig, type RunConfigInput } from '../../src/core/config';
import { CheckpointError, ConfigError } from '../../src/core/errors';
import { paramSet, zerosFromSpec } from '../../src/core/param-set';
import { initMetaParams } from '../../src/meta/meta-params';
import { CheckpointStore } from '../../src/checkpoint';
import { initPretrainingParams, isBodyName, loadPretrainedBody, withPretrainedBody } from '../../src/pretrain/pretrained-body';

const model = { kind: 'transformer', layers: 1, dModel: 8, heads: 2, dFf: 8, maxLength: 6, tokenizer: 'hashed-words', hashBuckets: 32 } as const;
const config = (over: Partial<RunConfigInput> & { init?: string; modelOver?: object } = {}) =>
  parseRunConfig({
    name: 'pb',
    task: { family: 'jsonl', path: 'x.jsonl' },
    model: { ...model, ...over.modelOver, init: over.init ?? 'random' },
    algorithm: over.algorithm ?? { name: 'metasgd', adapt: 'all' },
    pretraining: {},
    runtime: over.runtime,
  } as RunConfigInput);

/** Saves `params` as a checkpoint of `step` in store `dir`, recording `recordedModel` as its config's model. */
async function save(dir: string, params: ReturnType<typeof initPretrainingParams>, recordedModel: object = config().model) {
  const store = new CheckpointStore(dir, { keep: 2 });
  const zeros = zerosFromSpec(new Map([...params].map(([n, t]) => [n, t.shape])));
  return store.save({ step: 5, params, optimizer: { step: 5, m: zeros, v: zeros }, configHash: 'h', rng: {}, metrics: {}, extra: { kind: 'mlm-pretraining', config: { model: recordedModel }, history: { steps: [5], loss: [1], accuracy: [0] } }, best: true });
}

test('withPretrainedBody replaces the body and keeps the head, adapters and Meta-SGD rates of the seeded initialization', async () => {
  const dir = tempDir();
  const pretrained = initPretrainingParams(config().model, 99);
  const saved = await save(join(dir, 'pretrained'), pretrained);
  for (const init of [join(dir, 'pretrained'), saved.path]) {
    const c = config({ init });
    const body = (await loadPretrainedBody(c))!;
    const seeded = initMetaParams(c, 3, 1);
    const started = withPretrainedBody(seeded, body);
    assert.deepEqual([...started.keys()], [...seeded.keys()]);
    for (const [name, t] of started) {
      const expected = isBodyName(name) ? pretrained.get(name)! : seeded.get(name)!;
      assert.deepEqual(Array.from(t.data), Array.from(expected.data), name);
    }
    assert.ok(started.has('lr/head.w') && !isBodyName('lr/head.w') && !isBodyName('head.b') && isBodyName('layer0.attn.wq'));
  }
});

test('loadPretrainedBody: random needs nothing; missing, empty or mismatched checkpoints are refused naming the directory and field', async () => {
  const dir = tempDir();
  assert.equal(await loadPretrainedBody(config()), undefined);
  await assert.rejects(loadPretrainedBody(config({ init: join(dir, 'nope') })), (e: Error) => e instanceof CheckpointError && e.message.includes(join(dir, 'nope')));
  await assert.rejects(
    loadPretrainedBody(config({ init: 'pretrained', runtime: { outDir: join(dir, 'fresh') } })),
    (e: Error) => e instanceof CheckpointError && /metatrain pretrain/.test(e.message) && e.message.includes(join(dir, 'fresh', 'pretrained')),
  );
  const pretrained = initPretrainingParams(config().model, 1);
  await save(join(dir, 'ok'), pretrained);
  await assert.rejects(loadPretrainedBody(config({ init: join(dir, 'ok'), modelOver: { dModel: 16 } })), (e: Error) => /parameter embed\.position has shape \[6, 8\], this run's model needs \[6, 16\]/.test(e.message));
  await assert.rejects(loadPretrainedBody(config({ init: join(dir, 'ok'), modelOver: { wordBigrams: false } })), (e: Error) => /model\.wordBigrams true, but this run has false/.test(e.message));
  await save(join(dir, 'short'), paramSet([...pretrained].filter(([n]) => n !== 'norm.gain')));
  await assert.rejects(loadPretrainedBody(config({ init: join(dir, 'short') })), (e: Error) => /has no parameter norm\.gain/.test(e.message));
});

test('config: model.init pretrained needs a pretraining section; pretraining and init need a transformer', () => {
  const base = { name: 'c', task: { family: 'jsonl', path: 'x.jsonl' }, model } as const;
  assert.throws(() => parseRunConfig({ ...base, model: { ...model, init: 'pretrained' } }), (e: Error) => e instanceof ConfigError && e.path === 'model.init');
  const sinusoid = { name: 's', task: { family: 'sinusoid' }, model: { kind: 'sinusoid-mlp' } } as const;
  assert.throws(() => parseRunConfig({ ...sinusoid, pretraining: {} }), (e: Error) => e instanceof ConfigError && e.path === 'pretraining');
  assert.throws(() => parseRunConfig({ ...sinusoid, model: { kind: 'sinusoid-mlp', init: 'some/dir' } }), (e: Error) => e instanceof ConfigError && e.path === 'model.init');
  // Before: "pretrained needs a pretraining section (…) (got "pretrained")", whose fix the sinusoid model then refused.
  const only = 'only a transformer or bert starts from a pretrained body, got model.kind sinusoid-mlp: leave model.init out (random)';
  assert.throws(() => parseRunConfig({ ...sinusoid, model: { kind: 'sinusoid-mlp', init: 'pretrained' } }), (e: Error) => e instanceof ConfigError && e.message === `invalid config at model.init: ${only}`);
  assert.throws(
    () => parseRunConfig({ ...base, model: { ...model, init: 'pretrained' } }),
    (e: Error) => e instanceof ConfigError && e.message === 'invalid config at model.init: pretrained needs a pretraining section, got none (or give the path of a pretrained checkpoint directory)',
  );
  assert.throws(() => parseRunConfig({ ...base, pretraining: { maskRate: 0.9 } }), (e: Error) => e instanceof ConfigError && e.path === 'pretraining.maskRate');
});
