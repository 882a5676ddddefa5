/**
 * ANIL's frozen body (src/meta/frozen-body.ts): computing the body's features once per task gives the same
 * meta-gradient and the same evaluation curve as re-running the whole Transformer at every inner step, the body's
 * gradient included; it is used only when nothing but the head adapts; it leaks no tensor.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { parseRunConfig } from '../../src/core/config';
import { createModel } from '../../src/model/create-model';
import type { Model } from '../../src/model/model';
import { toTensors } from '../../src/model/params-tf';
import type { Task, TextSet } from '../../src/tasks/task';
import { evaluateAdaptation } from '../../src/meta/evaluate';
import { frozenBodyView } from '../../src/meta/frozen-body';
import { innerLoop } from '../../src/meta/inner-loop';
import { computeMetaGradient } from '../../src/meta/meta-gradient';
import { adaptableNames, initMetaParams } from '../../src/meta/meta-params';
import { lossAndMetric, objectiveGradient } from '../../src/meta/objective-gradient';

const set = (texts: string[], labels: number[]): TextSet => ({ kind: 'text', texts, labels: Int32Array.from(labels) });
const task: Task = {
  spec: { family: 'jsonl', split: 'train', seed: 0 },
  support: set(['the cat sat', 'dogs bark loud', 'a cat naps', 'the dog runs', 'cats purr', 'dog bites'], [0, 1, 0, 1, 0, 1]),
  query: set(['cat on mat', 'dog in fog', 'small cat', 'big dog'], [0, 1, 0, 1]),
};
const config = (adapt: 'head' | 'head+layernorm') =>
  parseRunConfig({
    name: 't',
    task: { family: 'jsonl', path: 'x.jsonl' },
    model: { kind: 'transformer', layers: 1, dModel: 8, heads: 2, dFf: 16, maxLength: 12 },
    algorithm: { name: 'maml', adapt, innerLr: 0.5, innerSteps: 3 },
  });

test('ANIL meta-gradient through the frozen body equals the one re-running the body at every inner step', () => {
  const c = config('head');
  const model = createModel(c.model, 2);
  const meta = initMetaParams(c, 2, 4);
  const adaptable = adaptableNames(model, 'head');
  const fast = computeMetaGradient(model, meta, task, c.algorithm);
  const theta = toTensors(meta);
  const support = model.encode(task.support);
  const query = model.encode(task.query);
  const unaware: Model = { ...model, headNames: [] }; // hides that only the head adapts: the body re-runs every step
  const full = objectiveGradient(theta, (p) => lossAndMetric(unaware, innerLoop(unaware, p, support, { steps: 3, lr: 0.5, adaptable, createGraph: true }), query));
  tf.dispose([...Object.values(theta), support.x, support.y, query.x, query.y]);
  assert.ok(Math.abs(fast.queryLoss - full.loss) < 1e-6, `query loss ${fast.queryLoss} vs ${full.loss}`);
  let bodyNorm = 0;
  for (const [name, g] of full.gradient) {
    const h = fast.gradient.get(name)!;
    const scale = Math.max(...g.data.map(Math.abs), 1e-8);
    const worst = Math.max(...g.data.map((v, i) => Math.abs(v - h.data[i]!)));
    assert.ok(worst / scale < 1e-4, `${name}: largest difference ${worst} against scale ${scale}`);
    if (!name.startsWith('head.')) bodyNorm += g.data.reduce((s, v) => s + v * v, 0);
  }
  assert.ok(bodyNorm > 0, 'the body must receive a meta-gradient through the features');
});

test('the frozen body is used only when nothing but the head adapts, and evaluation with it leaks nothing', () => {
  const model = createModel(config('head').model, 2);
  const theta = toTensors(initMetaParams(config('head+layernorm'), 2, 1));
  const support = model.encode(task.support);
  const unchanged = frozenBodyView(model, theta, adaptableNames(model, 'head+layernorm'), [support]);
  assert.equal(unchanged.model, model);
  assert.equal(unchanged.batches[0], support);
  assert.equal(unchanged.made.length, 0);
  const view = frozenBodyView(model, theta, adaptableNames(model, 'head'), [support]);
  assert.deepEqual(view.batches[0]!.x.shape, [6, 8]); // pooled features [n, dModel]
  tf.dispose([...view.made, ...Object.values(theta), support.x, support.y]);

  const c = config('head');
  const meta = initMetaParams(c, 2, 2);
  const before = tf.memory().numTensors;
  const curve = evaluateAdaptation(model, meta, task, { steps: 4, algorithm: c.algorithm });
  assert.equal(tf.memory().numTensors, before);
  assert.equal(curve.metric.length, 5);
});
