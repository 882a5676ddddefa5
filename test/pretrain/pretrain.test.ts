import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, realpathSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../support/harness';
import * as tf from '@tensorflow/tfjs';
import { parseRunConfig, type RunConfigInput } from '../../src/core/config';
import { lockDirectory } from '../../src/core/directory-lock';
import { CheckpointError, DirectoryBusyError } from '../../src/core/errors';
import { pretrain } from '../../src/pretrain/pretrain';
import { loadPretrainedBody } from '../../src/pretrain/pretrained-body';

const words = ['liberty', 'union', 'congress', 'nation', 'people', 'war', 'peace', 'trade', 'law', 'states'];
/** Texts with structure to learn: each text repeats one of five word pairs. */
const texts = Array.from({ length: 60 }, (_, i) => {
  const a = words[i % 5]!;
  const b = words[5 + (i % 5)]!;
  return `${a} ${b} ${a} ${b} ${a} ${b} ${a} ${b}`;
});

const config = (outDir: string, over: { seed?: number; layers?: number; steps?: number } = {}) =>
  parseRunConfig({
    name: 'pt',
    seed: over.seed ?? 3,
    task: { family: 'jsonl', path: 'unused.jsonl' },
    model: { kind: 'transformer', layers: over.layers ?? 1, dModel: 16, heads: 2, dFf: 16, maxLength: 12, tokenizer: 'hashed-words', hashBuckets: 64, wordBigrams: false },
    pretraining: { steps: over.steps ?? 60, batchSize: 8, lr: 0.01, checkpointEverySteps: 25 },
    runtime: { outDir },
  } satisfies RunConfigInput);

const data = (p: Awaited<ReturnType<typeof pretrain>>['params']) => [...p].map(([n, t]) => [n, Array.from(t.data)] as const);
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

for (const layers of [0, 1]) {
  test(`pretrain (${layers} layers): the MLM loss falls, and the same seed gives bitwise-identical parameters`, async () => {
    const dir = tempDir();
    const tensorsBefore = tf.memory().numTensors;
    const a = await pretrain({ config: config(join(dir, 'a'), { layers }), texts });
    assert.equal(tf.memory().numTensors, tensorsBefore, 'pretraining leaks tensors');
    const b = await pretrain({ config: config(join(dir, 'b'), { layers }), texts });
    const c = await pretrain({ config: config(join(dir, 'c'), { layers, seed: 4 }), texts });
    assert.equal(a.step, 60);
    assert.deepEqual(data(a.params), data(b.params));
    assert.notDeepEqual(data(a.params), data(c.params));
    const first = mean(a.history.loss.slice(0, 10));
    const last = mean(a.history.loss.slice(-10));
    assert.ok(last < first - 0.5, `MLM loss ${first} → ${last}`);
    assert.ok(a.params.has('mlm.bias') && !a.params.has('head.w'));
  });
}

test('pretrain: stopping and resuming gives the parameters of an uninterrupted run; a finished one is not redone', async () => {
const dir = tempDir();
  const whole = await pretrain({ config: config(join(dir, 'whole')), texts });
  let steps = 0;
  const part = await pretrain({ config: config(join(dir, 'parts')), texts, stopping: () => steps >= 30, onStep: () => steps++ });
  assert.equal(part.step, 30);
  const rest = await pretrain({ config: config(join(dir, 'parts')), texts });
  assert.equal(rest.resumedFrom, 30);
  assert.deepEqual(data(rest.params), data(whole.params));
  assert.deepEqual(rest.history.loss, whole.history.loss);
  let again = 0;
  const done = await pretrain({ config: config(join(dir, 'parts')), texts, onStep: () => again++ });
  assert.equal(again, 0);
  assert.equal(done.resumedFrom, 60);
});

test('pretrain: a stop asked for by an event (a signal handler, a timer) ends it after the step in progress, not at the next checkpoint', async () => {
  // Before: the loop never gave the event loop a turn between two checkpoints, so a Ctrl-C was seen only at the next
  // checkpointEverySteps boundary (45 s with checkpoints every 25,000 steps).
  const dir = tempDir();
  let stop = false;
  let steps = 0;
  const part = await pretrain({ config: config(join(dir, 'p')), texts, stopping: () => stop, onStep: () => steps++ === 0 && setImmediate(() => (stop = true)) });
  assert.ok(part.step <= 2, `stopped at step ${part.step} (checkpoints every 25)`);
  assert.equal(readdirSync(join(dir, 'p', 'pretrained')).filter((e) => e.startsWith('step-')).length, 1, 'the last completed step is checkpointed');
});

test('model.init: pretrained reads the finished pretraining; a pretraining of another config is refused', async () => {
const dir = tempDir();
  const out = join(dir, 'run');
  const done = await pretrain({ config: config(out), texts });
  const run = parseRunConfig({ ...config(out), model: { ...config(out).model, init: 'pretrained' } });
  const body = await loadPretrainedBody(run);
  assert.equal(body!.step, 60);
  assert.deepEqual(body!.history!.loss, done.history.loss);
  assert.deepEqual(Array.from(body!.params.get('embed.token')!.data), Array.from(done.params.get('embed.token')!.data));
  // The refusal names what changed, among the fields pretraining depends on (before: two hashes only).
  await assert.rejects(pretrain({ config: config(out, { seed: 9, steps: 80 }), texts }), (e: Error) => e instanceof CheckpointError && /config hash .*\(changed: pretraining\.steps: 60 → 80; seed: 3 → 9\); resuming a different run would be wrong/.test(e.message));
});

test('a linked pretrained directory is locked while pretraining writes it, and not when it only reads a finished one', async () => {
  // Before (with the run directory): a run sharing a finished pretraining through a link was refused as "in use".
  const dir = tempDir();
  const shared = join(dir, 'big-disk');
  mkdirSync(shared);
  const [a, b] = ['a', 'b'].map((name) => {
    mkdirSync(join(dir, name));
    symlinkSync(shared, join(dir, name, 'pretrained'));
    return config(join(dir, name), { steps: 4 });
  });
  const other = lockDirectory(realpathSync(shared), 'pretraining of another run'); // as another process writing there
  await assert.rejects(pretrain({ config: a!, texts }), (e: Error) => e instanceof DirectoryBusyError && e.message.startsWith(`linked directory ${join(dir, 'a', 'pretrained')} → ${realpathSync(shared)} is in use`));
  other();
  assert.equal((await pretrain({ config: a!, texts })).step, 4);
  assert.ok(!readdirSync(shared).includes('.lock'), 'released once written');
  const again = lockDirectory(realpathSync(shared), 'pretraining of another run');
  assert.equal((await pretrain({ config: b!, texts })).resumedFrom, 4, 'the finished pretraining is read, not refused');
  again();
});
