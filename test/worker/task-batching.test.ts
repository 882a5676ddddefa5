/**
 * The worker's batched task execution, on the real tfjs engine (cpu and wasm):
 * - `trainBatch` / `evaluateBatch` equal `train` / `evaluate` task by task (gradients within 1e-5 of the largest
 *   element, losses and curves within 1e-5, chosen step counts equal), on the sinusoid MLP (MAML) and the
 *   quickstart's model kind (0-layer Transformer, Proto-MAML, sotu);
 * - the coalescing engine (src/worker/task-coalescer) sends tasks started in one event-loop turn at the same
 *   parameters to one `trainBatch` call, each call gets its own task's result, and a task that fails in a batch
 *   fails alone.
 */
import { describe, test, before } from 'node:test';
import assert from 'node:assert/strict';
import { parseRunConfig, type RunConfig } from '../../src/core/config';
import type { ParamSet } from '../../src/core/param-set';
import { initMetaParams } from '../../src/meta/meta-params';
import { initBackend, type BackendName } from '../../src/model/backend';
import { taskFamilyFor } from '../../src/tasks/task-family';
import type { TaskSpec } from '../../src/tasks/task';
import type { ComputeEngine, EvalCurve, GradientResult } from '../../src/worker/engine';
import { coalescingEngine } from '../../src/worker/task-coalescer';
import { createTfjsEngine } from '../../src/worker/tfjs-engine';
import { sinusoidConfig, tempDir } from '../support/harness';

const TOLERANCE = 1e-5;

function assertGradientsAgree(actual: GradientResult, expected: GradientResult, what: string): void {
  let diff = 0;
  let scale = 1e-3;
  for (const [name, t] of expected.gradient) {
    const u = actual.gradient.get(name)!.data;
    t.data.forEach((v, i) => {
      diff = Math.max(diff, Math.abs(u[i]! - v));
      scale = Math.max(scale, Math.abs(v));
    });
  }
  assert.ok(diff / scale <= TOLERANCE, `${what}: gradient differs by ${(diff / scale).toExponential(2)}`);
  assert.ok(Math.abs(actual.loss - expected.loss) <= TOLERANCE * Math.max(1, expected.loss), `${what}: loss ${actual.loss} vs ${expected.loss}`);
  assert.ok(Math.abs(actual.metric - expected.metric) <= TOLERANCE * Math.max(1, expected.metric), `${what}: metric`);
}

function assertCurvesAgree(actual: EvalCurve, expected: EvalCurve, what: string): void {
  assert.equal(actual.chosenSteps, expected.chosenSteps, `${what}: chosen steps`);
  for (const key of ['loss', 'metric'] as const) {
    assert.equal(actual[key].length, expected[key].length);
    actual[key].forEach((v, s) => assert.ok(Math.abs(v - expected[key][s]!) <= TOLERANCE * Math.max(1, Math.abs(expected[key][s]!)), `${what}: ${key}[${s}] ${v} vs ${expected[key][s]}`));
  }
}

function quickstartConfig(): RunConfig {
  return parseRunConfig({
    name: 'batching',
    seed: 7,
    task: { family: 'sotu', ways: 3, shots: 3, queryShots: 2, passageChars: 256 },
    model: { kind: 'transformer', layers: 0, tokenizer: 'hashed-words', hashBuckets: 256, dModel: 16, heads: 2, dFf: 16, maxLength: 32 },
    algorithm: { name: 'maml', adapt: 'head', headInit: 'prototypes', innerSteps: 2, innerLr: 0.1 },
  });
}

for (const backend of ['cpu', 'wasm'] as BackendName[]) {
  describe(`batched task execution on ${backend}`, () => {
    before(() => initBackend(backend));

    test('sinusoid MAML: trainBatch and evaluateBatch equal train and evaluate task by task', async () => {
      const config = parseRunConfig(sinusoidConfig(tempDir(), { algorithm: { name: 'maml', innerSteps: 1, innerLr: 0.01 } }));
      const engine = await createTfjsEngine(config, backend);
      const family = taskFamilyFor(config);
      const params = initMetaParams(config, family.outputs, 1);
      const specs = [0, 1, 2].map((i) => family.sampleSpec('train', i));
      const batch = engine.trainBatch(params, specs);
      specs.forEach((spec, i) => assertGradientsAgree(batch[i]!, engine.train(params, spec), `task ${i}`));
      const curves = engine.evaluateBatch(params, specs, 3, false);
      specs.forEach((spec, i) => assertCurvesAgree(curves[i]!, engine.evaluate(params, spec, 3, false), `eval task ${i}`));
    });

    test('quickstart kind (0-layer Transformer, Proto-MAML on sotu): batches equal task by task, chosen steps included', async () => {
      const config = quickstartConfig();
      const engine = await createTfjsEngine(config, backend);
      const family = taskFamilyFor(config);
      const params = initMetaParams(config, family.outputs, 3);
      const specs = [0, 1, 2].map((i) => family.sampleSpec('train', 10 + i));
      const batch = engine.trainBatch(params, specs);
      specs.forEach((spec, i) => assertGradientsAgree(batch[i]!, engine.train(params, spec), `task ${i}`));
      const testSpecs = [0, 1].map((i) => family.sampleSpec('test', i));
      for (const resetHead of [false, true]) {
        const curves = engine.evaluateBatch(params, testSpecs, 2, resetHead);
        testSpecs.forEach((spec, i) => assertCurvesAgree(curves[i]!, engine.evaluate(params, spec, 2, resetHead), `eval task ${i}, resetHead ${resetHead}`));
        assert.notEqual(curves[0]!.chosenSteps, undefined);
      }
    });

    test('the coalescing engine batches calls of one turn at the same parameters, and a bad task fails alone', async () => {
      const config = parseRunConfig(sinusoidConfig(tempDir(), { algorithm: { name: 'maml', innerSteps: 1, innerLr: 0.01 } }));
      const inner = await createTfjsEngine(config, backend);
      const batches: number[] = [];
      const counted: ComputeEngine = { ...inner, trainBatch: (params: ParamSet, tasks: readonly TaskSpec[]) => (batches.push(tasks.length), inner.trainBatch(params, tasks)) };
      const engine = coalescingEngine(counted);
      const family = taskFamilyFor(config);
      const params = initMetaParams(config, family.outputs, 1);
      const other = initMetaParams(config, family.outputs, 2);
      const specs = [0, 1, 2].map((i) => family.sampleSpec('train', i));
      const results = await Promise.all([...specs.map((s) => engine.train(params, s)), engine.train(other, specs[0]!)]);
      assert.deepEqual(batches, [3], 'the three tasks at `params` in one batch; the one at `other` alone');
      specs.forEach((spec, i) => assertGradientsAgree(results[i]!, inner.train(params, spec), `task ${i}`));
      assertGradientsAgree(results[3]!, inner.train(other, specs[0]!), 'task at other parameters');

      const bad: TaskSpec = { ...specs[1]!, family: 'no-such-family' } as TaskSpec;
      const settled = await Promise.allSettled([engine.train(params, specs[0]!), engine.train(params, bad), engine.train(params, specs[2]!)]);
      assert.deepEqual(settled.map((s) => s.status), ['fulfilled', 'rejected', 'fulfilled']);
      assertGradientsAgree((settled[2] as PromiseFulfilledResult<GradientResult>).value, inner.train(params, specs[2]!), 'good task beside a bad one');
    });
  });
}
