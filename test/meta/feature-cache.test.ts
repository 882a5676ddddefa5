/**
 * The frozen body's feature cache (src/meta/feature-cache.ts): evaluation curves, chosen step counts and adapted
 * heads are bitwise those of recomputing the features, across tasks that share examples and across two
 * checkpoints evaluated with one cache; a cache keyed wrongly (one key for both checkpoints) is caught by the
 * same comparison; memory stays under its bound; it is not used when the body adapts; it leaks no tensor.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { parseRunConfig } from '../../src/core/config';
import type { ParamSet } from '../../src/core/param-set';
import { createModel } from '../../src/model/create-model';
import type { Model } from '../../src/model/model';
import type { Task, TextSet } from '../../src/tasks/task';
import { adaptParams, type AdaptOptions } from '../../src/meta/adapt';
import { chooseSteps } from '../../src/meta/choose-steps';
import { evaluateAdaptation } from '../../src/meta/evaluate';
import { FeatureCache } from '../../src/meta/feature-cache';
import { initMetaParams } from '../../src/meta/meta-params';

const WORDS = ['cat', 'dog', 'sat', 'ran', 'mat', 'fog', 'the', 'a', 'big', 'small', 'purr', 'bark', 'naps', 'runs'];
/** Text `i` of a pool of 40 short texts, distinct in their first bytes (the model reads 7); tasks draw from the pool, so they share examples. */
const text = (i: number) => `${i} ${WORDS[i % WORDS.length]} ${WORDS[(i * 5 + 3) % WORDS.length]} ${WORDS[(i * 7 + 1) % WORDS.length]}`;
const set = (ids: number[], labels: number[]): TextSet => ({ kind: 'text', texts: ids.map(text), labels: Int32Array.from(labels) });
/** 2-way 3-shot task `t`: support and query examples drawn from the pool with overlap between tasks. */
const taskOf = (t: number): Task => {
  const ids = Array.from({ length: 10 }, (_, j) => (t * 3 + j * 4) % 40);
  return { spec: { family: 'jsonl', split: 'test', seed: t }, support: set(ids.slice(0, 6), [0, 1, 0, 1, 0, 1]), query: set(ids.slice(6), [0, 1, 0, 1]) };
};
const tasks = Array.from({ length: 8 }, (_, t) => taskOf(t));

const config = (adapt: 'head' | 'all', headInit: 'learned' | 'prototypes' = 'learned') =>
  parseRunConfig({
    name: 't',
    task: { family: 'jsonl', path: 'x.jsonl' },
    model: { kind: 'transformer', layers: 1, dModel: 8, heads: 2, dFf: 16, maxLength: 8 },
    algorithm: { name: 'fomaml', adapt, headInit, innerLr: 0.5, innerSteps: 1 },
  });

/** Every task's curve, chosen step count and adapted head under `options`, in order, for each checkpoint. */
function evaluateAll(model: Model, checkpoints: ParamSet[], options: AdaptOptions) {
  return checkpoints.flatMap((params) =>
    tasks.map((task) => ({
      curve: evaluateAdaptation(model, params, task, options),
      chosen: chooseSteps(model, params, task, options),
      adapted: [...adaptParams(model, params, task.support, options)].map(([n, t]) => [n, [...t.data]] as const),
    })),
  );
}

/** A cache that keys every body alike: the deliberate mistake the comparison must catch. */
class OneKeyCache extends FeatureCache {
  protected override bodyKeyOf(): string {
    return 'one checkpoint';
  }
}

for (const headInit of ['learned', 'prototypes'] as const) {
  test(`with adapt: head (${headInit} head) the cache gives bitwise the curves, step counts and adapted heads of recomputing`, () => {
    const c = config('head', headInit);
    const model = createModel(c.model, 2);
    const checkpoints = [initMetaParams(c, 2, 1), initMetaParams(c, 2, 2)];
    const options = { steps: 3, algorithm: c.algorithm };
    const recomputed = evaluateAll(model, checkpoints, options);
    const before = tf.memory().numTensors;
    const cache = new FeatureCache();
    const cached = evaluateAll(model, checkpoints, { ...options, featureCache: cache });
    assert.equal(tf.memory().numTensors, before, 'the cache holds no tensor');
    assert.deepEqual(cached, recomputed);
    const { hits, misses } = cache.stats();
    // 2 checkpoints × 40 distinct texts at most are computed; everything else comes from the cache.
    assert.ok(misses <= 80 && misses > 0, `misses ${misses}`);
    assert.ok(hits > misses, `hits ${hits}, misses ${misses}`);

    const wrong = evaluateAll(model, checkpoints, { ...options, featureCache: new OneKeyCache() });
    assert.deepEqual(wrong.slice(0, tasks.length), recomputed.slice(0, tasks.length), 'the first checkpoint fills the cache correctly');
    assert.notDeepEqual(wrong.slice(tasks.length), recomputed.slice(tasks.length), 'a key without the body serves the first checkpoint\'s features to the second');
  });
}

test('the cache stays under its bound, evicting least recently used rows, and still gives the same numbers', () => {
  const c = config('head');
  const model = createModel(c.model, 2);
  const checkpoints = [initMetaParams(c, 2, 3)];
  const options = { steps: 2, algorithm: c.algorithm };
  const small = new FeatureCache(2_000); // a few rows: key ≈ 100 B, row 32 B
  assert.deepEqual(evaluateAll(model, checkpoints, { ...options, featureCache: small }), evaluateAll(model, checkpoints, options));
  const { bytes, rows, misses } = small.stats();
  assert.ok(bytes <= 2_000, `holds ${bytes} bytes`);
  assert.ok(rows > 0 && misses > 40, `rows ${rows}, misses ${misses}: evicted rows are computed again`);
  assert.throws(() => new FeatureCache(0), RangeError);
  assert.throws(() => new FeatureCache(1.5), /maxBytes must be a positive integer, got 1.5/);
});

test('the cache is not used when the body adapts', () => {
  const c = config('all');
  const model = createModel(c.model, 2);
  const cache = new FeatureCache();
  evaluateAdaptation(model, initMetaParams(c, 2, 1), tasks[0]!, { steps: 2, algorithm: c.algorithm, featureCache: cache });
  assert.deepEqual(cache.stats(), { hits: 0, misses: 0, rows: 0, bytes: 0 });
});
