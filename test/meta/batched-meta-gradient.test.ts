/**
 * The task-vectorized meta-gradients (src/meta/batched-meta-gradient) against the sequential per-task ones
 * (`computeMetaGradient`), on cpu and wasm, for every algorithm (MAML, FOMAML, Meta-SGD, Reptile) with adapt: all and
 * head (ANIL), on the sinusoid MLP (fully batched body) and the text transformer (per-task body, batched head;
 * Proto-MAML and learned head). Tolerance: for each task, max |g_batched − g_seq| ≤ 1e-5 · (max |g_seq| + 1e-3) (measured
 * ≤ 1.3e-8 on the MLP, ≤ 4.7e-7 on the transformer), and
 * query loss and metric within 1e-5 relative (float32; batched and per-task products round differently).
 * Second order is also checked directly: the batched MAML and Meta-SGD gradients of one task of a batch against
 * finite differences of that task's true meta-objective (fixtures, as test/meta/meta-gradient.test.ts). And bad
 * input gets a ShapeError; tensor counts stay flat (meta-gradients and batched evaluation, whose values against
 * `evaluate` are checked in test/worker/task-batching.test.ts).
 */
import { describe, test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { ShapeError } from '../../src/core/errors';
import { parseRunConfig, type RunConfig } from '../../src/core/config';
import type { ParamSet } from '../../src/core/param-set';
import { initBackend, type BackendName } from '../../src/model/backend';
import { createModel } from '../../src/model/create-model';
import { taskBatched } from '../../src/model/task-batched';
import { computeMetaGradients } from '../../src/meta/batched-meta-gradient';
import { evaluateAdaptations } from '../../src/meta/batched-evaluate';
import { computeMetaGradient, type MetaGradient } from '../../src/meta/meta-gradient';
import { adaptableNames, initMetaParams } from '../../src/meta/meta-params';
import type { Task, TextSet } from '../../src/tasks/task';
import { compareWithFd, finiteDifference, metaParamsFor, sinusoidConfig, sinusoidTask, trueMetaObjective } from './fixtures';

const TOLERANCE = 1e-5;
const ALGORITHMS = ['maml', 'fomaml', 'metasgd', 'reptile'] as const;

/** Largest |a − b| over all elements, relative to the largest |b| (plus 1e-3 against all-zero gradients). */
function maxRelDiff(a: ParamSet, b: ParamSet): number {
  let diff = 0;
  let scale = 1e-3;
  for (const [name, t] of b) {
    const u = a.get(name)!.data;
    assert.deepEqual(a.get(name)!.shape, t.shape, `shape of ${name}`);
    t.data.forEach((v, i) => {
      diff = Math.max(diff, Math.abs(u[i]! - v));
      scale = Math.max(scale, Math.abs(v));
    });
  }
  return diff / scale;
}

function assertAgree(batched: MetaGradient[], sequential: MetaGradient[], what: string): void {
  assert.equal(batched.length, sequential.length);
  sequential.forEach((s, t) => {
    const b = batched[t]!;
    assert.deepEqual([...b.gradient.keys()], [...s.gradient.keys()], `${what} task ${t}: names`);
    const rel = maxRelDiff(b.gradient, s.gradient);
    if (process.env.META_TEST_VERBOSE) console.log(`${what} task ${t}: max relative difference ${rel.toExponential(2)}`);
    assert.ok(rel <= TOLERANCE, `${what} task ${t}: gradient differs by ${rel.toExponential(2)} > ${TOLERANCE}`);
    for (const key of ['queryLoss', 'queryMetric'] as const) {
      assert.ok(Math.abs(b[key] - s[key]) <= TOLERANCE * Math.max(1, Math.abs(s[key])), `${what} task ${t}: ${key} ${b[key]} vs ${s[key]}`);
    }
  });
  // Tasks differ, so their gradients must too (a batch that gave every task the same gradient would fail here).
  assert.ok(maxRelDiff(batched[0]!.gradient, batched[1]!.gradient) > 1e-3, `${what}: tasks 0 and 1 got the same gradient`);
}

const text = (texts: string[], labels: number[]): TextSet => ({ kind: 'text', texts, labels: Int32Array.from(labels) });
const textTasks: Task[] = [
  { spec: { family: 'jsonl', split: 'train', seed: 0 }, support: text(['the cat sat', 'dogs bark loud', 'a cat naps', 'the dog runs'], [0, 1, 0, 1]), query: text(['cat on mat', 'dog in fog', 'small cat'], [0, 1, 0]) },
  { spec: { family: 'jsonl', split: 'train', seed: 1 }, support: text(['red apple', 'blue sky', 'green apple', 'grey sky'], [1, 0, 1, 0]), query: text(['sky high', 'apple pie', 'blue'], [0, 1, 0]) },
  { spec: { family: 'jsonl', split: 'train', seed: 2 }, support: text(['one two', 'three four', 'two one', 'four three'], [0, 1, 0, 1]), query: text(['one', 'four', 'two two'], [0, 1, 0]) },
];

function textConfig(name: (typeof ALGORITHMS)[number], adapt: 'all' | 'head', headInit: 'learned' | 'prototypes', layers: number): RunConfig {
  return parseRunConfig({
    name: 't',
    task: { family: 'jsonl', path: 'x.jsonl' },
    model: { kind: 'transformer', layers, dModel: 8, heads: 2, dFf: 16, maxLength: 12 },
    algorithm: { name, adapt, headInit, innerLr: 0.1, innerSteps: 2 },
  });
}

for (const backend of ['cpu', 'wasm'] as BackendName[]) {
  describe(`task-vectorized meta-gradients on ${backend}`, () => {
    before(() => initBackend(backend));

    for (const name of ALGORITHMS) {
      for (const adapt of ['all', 'head'] as const) {
        test(`sinusoid MLP, ${name}, adapt: ${adapt}: equal to the sequential per-task gradients`, () => {
          const config = sinusoidConfig([8, 8], { name, adapt, innerLr: 0.01, innerSteps: 2 });
          const model = createModel(config.model, 1);
          const meta = metaParamsFor(config, 3, [0.005, 0.015]);
          const tasks = [0, 1, 2, 3].map((i) => sinusoidTask(i));
          const sequential = tasks.map((task) => computeMetaGradient(model, meta, task, config.algorithm));
          assertAgree(computeMetaGradients(taskBatched(model, config.model), meta, tasks, config.algorithm), sequential, `${name}/${adapt}`);
        });
      }
    }

    for (const [name, adapt, headInit, layers] of [
      ['maml', 'head', 'prototypes', 0],
      ['maml', 'head', 'prototypes', 1],
      ['maml', 'head', 'learned', 1],
      ['fomaml', 'head', 'prototypes', 0],
      ['metasgd', 'head', 'learned', 0],
      ['reptile', 'head', 'learned', 0],
      ['maml', 'all', 'prototypes', 1],
    ] as const) {
      test(`text transformer (${layers} layers), ${name}, adapt: ${adapt}, head ${headInit}: equal to the sequential per-task gradients`, () => {
        const config = textConfig(name, adapt, headInit, layers);
        const model = createModel(config.model, 2);
        const meta = initMetaParams(config, 2, 5);
        const sequential = textTasks.map((task) => computeMetaGradient(model, meta, task, config.algorithm));
        assertAgree(computeMetaGradients(taskBatched(model, config.model), meta, textTasks, config.algorithm), sequential, `transformer ${name}/${adapt}/${headInit}`);
      });
    }

    for (const name of ['maml', 'metasgd'] as const) {
      test(`${name}: the batched gradient of one task matches finite differences of its true meta-objective`, () => {
        const config = sinusoidConfig([8, 8], { name, adapt: 'all', innerLr: 0.01, innerSteps: 2 });
        const model = createModel(config.model, 1);
        const meta = metaParamsFor(config, 3, [0.005, 0.015]);
        const tasks = [5, 1, 7].map((i) => sinusoidTask(i));
        const result = computeMetaGradients(taskBatched(model, config.model), meta, tasks, config.algorithm)[1]!;
        const inner = { steps: 2, lr: name === 'metasgd' ? ('learned' as const) : 0.01, adaptable: adaptableNames(model, 'all') };
        const fd = finiteDifference(meta, (p) => trueMetaObjective(model, p, tasks[1]!, inner), 3e-3);
        const { relError, smoothFraction } = compareWithFd(result.gradient, fd);
        assert.ok(smoothFraction >= 0.75, `finite differences smooth on only ${(100 * smoothFraction).toFixed(1)}% of elements`);
        assert.ok(relError < 1e-3, `relative error ${relError.toExponential(2)} ≥ 1e-3`);
      });
    }

    test('tasks whose sets differ in size, and an empty task list, are refused with a ShapeError', () => {
      const config = sinusoidConfig([8, 8], { name: 'maml' });
      const model = createModel(config.model, 1);
      const batched = taskBatched(model, config.model);
      const meta = initMetaParams(config, 1, 0);
      const before = tf.memory().numTensors;
      assert.throws(() => computeMetaGradients(batched, meta, [sinusoidTask(0, 5, 10), sinusoidTask(1, 5, 8)], config.algorithm), (e: Error) => e instanceof ShapeError && /equal size/.test(e.message));
      assert.throws(() => computeMetaGradients(batched, meta, [], config.algorithm), ShapeError);
      assert.equal(tf.memory().numTensors, before);
    });

    test('tensor counts stay flat over repeated batches of every algorithm and of evaluation', () => {
      const run = () => {
        for (const name of ALGORITHMS) {
          const config = sinusoidConfig([8, 8], { name, innerSteps: 2 });
          const model = createModel(config.model, 1);
          computeMetaGradients(taskBatched(model, config.model), initMetaParams(config, 1, 0), [0, 1, 2].map((i) => sinusoidTask(i)), config.algorithm);
          const text = textConfig(name, 'head', name === 'reptile' ? 'learned' : 'prototypes', 0);
          const textModel = createModel(text.model, 2);
          computeMetaGradients(taskBatched(textModel, text.model), initMetaParams(text, 2, 0), textTasks, text.algorithm);
          evaluateAdaptations(taskBatched(textModel, text.model), initMetaParams(text, 2, 0), textTasks, { steps: 2, algorithm: text.algorithm, resetHead: name === 'fomaml' });
          evaluateAdaptations(taskBatched(model, config.model), initMetaParams(config, 1, 0), [0, 1].map((i) => sinusoidTask(i)), { steps: 2, algorithm: config.algorithm });
        }
      };
      run();
      const before = tf.memory();
      for (let i = 0; i < 3; i++) run();
      const after = tf.memory();
      assert.equal(after.numTensors, before.numTensors);
      assert.equal(after.numDataBuffers, before.numDataBuffers);
    });
  });
}
