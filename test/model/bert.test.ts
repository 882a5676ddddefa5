/**
 * The `bert` model kind (src/model/bert.ts) with a random initialization: GELU and its first and second
 * derivatives against the closed forms, `createModel` + one FOMAML meta-gradient without leaking tensors, and the
 * second-order MAML meta-gradient against directional finite differences of the true meta-objective (as
 * test/meta/transformer-meta-gradient.test.ts does for the transformer). The forward pass of an imported
 * checkpoint is checked against NumPy in test/hf/import-hf.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { parseRunConfig } from '../../src/core/config';
import { paramSet, type ParamSet } from '../../src/core/param-set';
import { Rng } from '../../src/core/rng';
import { createModel, initBackend, initParams, toTensors, type BackendName } from '../../src/model';
import { gelu } from '../../src/model/exact-grad-ops';
import { computeMetaGradient } from '../../src/meta/meta-gradient';
import { adaptableNames, initMetaParams } from '../../src/meta/meta-params';
import type { Task, TextSet } from '../../src/tasks/task';
import { tempDir } from '../support/harness';
import { wordPieceTokenizerJson } from '../hf/fixtures';
import { derivativeAlong, trueMetaObjective } from '../meta/fixtures';

const dir = tempDir();
writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(wordPieceTokenizerJson()));

function config(name: 'maml' | 'fomaml', innerLr: number) {
  return parseRunConfig({
    name: 'bert',
    task: { family: 'jsonl', path: 'x.jsonl', ways: 2 },
    model: { kind: 'bert', layers: 1, dModel: 8, heads: 2, dFf: 16, maxLength: 8, vocabSize: 40, tokenizer: 'hf', tokenizerPath: join(dir, 'tokenizer.json') },
    algorithm: { name, innerLr, innerSteps: 2 },
    compression: { enabled: false },
  });
}

const set = (texts: string[], labels: number[]): TextSet => ({ kind: 'text', texts, labels: Int32Array.from(labels) });
const task: Task = {
  spec: { family: 'jsonl', split: 'train', seed: 0 },
  support: set(['the cat sat', 'the dog ran fast', 'a cat on a mat', 'dog jumping', 'cats play', 'the dog'], [0, 1, 0, 1, 0, 1]),
  query: set(['cat on mat', 'dog ran', 'a cat', 'very fast dog'], [0, 1, 0, 1]),
};

/** Φ and φ of the standard normal. */
const pdf = (x: number) => Math.exp(-x * x / 2) / Math.sqrt(2 * Math.PI);

test('gelu is x·Φ(x), and its first and second derivatives (through tf.grad twice) are Φ + xφ and φ·(2 − x²)', async () => {
  await initBackend('cpu');
  const xs = [-3, -1.2, -0.3, 0, 0.4, 1, 2.5];
  const x = tf.tensor1d(xs);
  const d1 = tf.grad((v: tf.Tensor) => tf.sum(gelu(v)));
  const d2 = tf.grad((v: tf.Tensor) => tf.sum(d1(v)));
  const [value, first, second] = [gelu(x), d1(x), d2(x)].map((t) => Array.from(t.dataSync()));
  xs.forEach((v, i) => {
    const cdf = 0.5 * (1 + erf(v / Math.SQRT2));
    assert.ok(Math.abs(value![i]! - v * cdf) < 1e-6, `gelu(${v})`);
    assert.ok(Math.abs(first![i]! - (cdf + v * pdf(v))) < 1e-5, `gelu'(${v}): ${first![i]}`);
    assert.ok(Math.abs(second![i]! - pdf(v) * (2 - v * v)) < 1e-5, `gelu''(${v}): ${second![i]} vs ${pdf(v) * (2 - v * v)}`);
  });
  tf.dispose(x);
});

/** erf by its Maclaurin series (|x| ≤ 3 here: 60 terms reach float64 precision). */
function erf(x: number): number {
  let term = x;
  let sum = x;
  for (let n = 1; n < 60; n++) {
    term *= (-x * x) / n;
    sum += term / (2 * n + 1);
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}

test('createModel builds a bert with exact second order; one FOMAML meta-gradient leaves no tensor behind', async () => {
  await initBackend('cpu');
  const c = config('fomaml', 0.1);
  const model = createModel(c.model, 2);
  assert.deepEqual(model.secondOrderBlockers, []);
  assert.ok(model.layerNormNames.includes('embed.norm.gain') && model.layerNormNames.includes('layer0.ln2.bias'));
  const meta = initMetaParams(c, 2, 3);
  computeMetaGradient(model, meta, task, c.algorithm); // warm-up: backend-level caches
  const before = tf.memory().numTensors;
  const r = computeMetaGradient(model, meta, task, c.algorithm);
  assert.equal(tf.memory().numTensors, before, 'tensors leaked');
  assert.deepEqual([...r.gradient.keys()].sort(), [...meta.keys()].sort());
  assert.ok(Number.isFinite(r.queryLoss) && [...r.gradient.values()].every((g) => g.data.every(Number.isFinite)));
  assert.ok([...r.gradient.values()].some((g) => g.data.some((v) => v !== 0)));
});

const dot = (a: ParamSet, b: ParamSet) => [...a].reduce((s, [n, t]) => s + t.data.reduce((u, v, i) => u + v * b.get(n)!.data[i]!, 0), 0);
const norm = (a: ParamSet) => Math.sqrt(dot(a, a));

for (const backend of ['wasm', 'cpu'] as BackendName[]) {
  test(`second-order MAML on bert matches directional finite differences of the meta-objective on ${backend}; FOMAML misses`, async () => {
    await initBackend(backend);
    const c = config('maml', 0.5);
    const model = createModel(c.model, 2);
    const meta = initMetaParams(c, 2, 1);
    const g = computeMetaGradient(model, meta, task, c.algorithm).gradient;
    const fo = computeMetaGradient(model, meta, task, { ...c.algorithm, name: 'fomaml' }).gradient;
    const inner = { steps: 2, lr: 0.5, adaptable: adaptableNames(model, 'all'), prototypeHead: false };
    for (const seed of [1, 2]) {
      const rng = new Rng(seed);
      // g/‖g‖ + r/‖r‖, normalized: every element probed, ⟨g, v⟩ ≈ 0.7‖g‖.
      const r = paramSet([...g].map(([n, t]) => [n, { shape: t.shape, data: Float32Array.from(t.data, () => rng.normal()) }] as const));
      const [gn, rn] = [norm(g), norm(r)];
      const raw = paramSet([...g].map(([n, t]) => [n, { shape: t.shape, data: t.data.map((v, i) => v / gn + r.get(n)!.data[i]! / rn) }] as const));
      const vn = norm(raw);
      const v = paramSet([...raw].map(([n, t]) => [n, { shape: t.shape, data: t.data.map((x) => x / vn) }] as const));
      const fd = derivativeAlong((h) => {
        const moved = paramSet([...meta].map(([n, t]) => [n, { shape: t.shape, data: t.data.map((x, i) => x + h * v.get(n)!.data[i]!) }] as const));
        return { value: trueMetaObjective(model, moved, task, inner), step: h };
      }, 1e-3);
      const err = Math.abs(dot(g, v) - fd.median) / norm(g);
      const foErr = Math.abs(dot(fo, v) - fd.median) / norm(g);
      console.log(`# bert MAML on ${backend}, direction ${seed}: error ${err.toExponential(2)} (FOMAML ${foErr.toExponential(2)}), spread ${(fd.spread / norm(g)).toExponential(2)}`);
      assert.ok(err < 5e-4, `direction ${seed}: ⟨g, v⟩ = ${dot(g, v)}, finite differences ${fd.median}`);
      assert.ok(foErr > 2.5e-3, `FOMAML should miss (error ${foErr})`);
    }
  });
}

test("bert masks exactly the tokenizer's pad positions: features do not depend on how far a text is padded, whatever the pad id", async () => {
  await initBackend('cpu');
  const padded = join(dir, 'pad-mask.json');
  writeFileSync(padded, JSON.stringify({ ...wordPieceTokenizerJson(), padding: { strategy: 'BatchLongest', pad_id: 4, pad_token: '[MASK]' } }));
  const features = (maxLength: number) => {
    const c = config('fomaml', 0.1);
    const m = { ...c.model, tokenizerPath: padded, maxLength };
    const model = createModel(m, 2);
    const params = toTensors(initParams({ ...m, maxLength: 12 }, 2, 5));
    // The position table of the longer model; the shorter one reads its first rows.
    const { x, y } = model.encode(set(['the cat sat', 'a dog'], [0, 1]));
    const f = tf.tidy(() => model.features(params, x).arraySync() as number[][]);
    tf.dispose([x, y, ...Object.values(params)]);
    return f;
  };
  const [short, long] = [features(6), features(12)];
  const diff = Math.max(...short.flatMap((row, i) => row.map((v, k) => Math.abs(v - long[i]![k]!))));
  assert.ok(diff < 1e-5, `padding changed the features by ${diff}`);
});
