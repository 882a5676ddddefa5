/**
 * End to end over real gRPC on loopback: the real coordinator and one real worker on the tfjs engine (cpu), run for a
 * few second-order MAML steps with evaluation, once with `concurrency: 1` (tasks one by one) and once with
 * `concurrency: 6` through the coalescing engine (the path of `metatrain worker --concurrency 6`). The second run must
 * actually batch (trainBatch and evaluateBatch calls with several tasks) and end at the same parameters (within
 * 1e-5 of the largest element: batched and per-task products may round differently).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { parseRunConfig } from '../../src/core/config';
import { createLogger } from '../../src/core/logger';
import { Coordinator } from '../../src/coordinator/coordinator';
import { loadCheckpoint } from '../../src/checkpoint';
import type { ParamSet } from '../../src/core/param-set';
import type { Engine } from '../../src/worker/engine';
import { coalescingEngine } from '../../src/worker/task-coalescer';
import { createTfjsEngine } from '../../src/worker/tfjs-engine';
import { Worker } from '../../src/worker/worker';
import { tempDir } from '../support/harness';

async function run(concurrency: number): Promise<{ params: ParamSet; batchSizes: number[] }> {
  const dir = tempDir();
  const config = parseRunConfig({
    name: 'batched-worker',
    task: { family: 'sinusoid' },
    model: { kind: 'sinusoid-mlp', hidden: [16, 16] },
    algorithm: { name: 'maml', metaBatchSize: 6, innerSteps: 1, innerLr: 0.01 },
    training: { maxSteps: 3, evalEverySteps: 3, evalTasks: 4, checkpointEverySteps: 3, patience: 10 },
    evaluation: { testTasks: 4, adaptSteps: 2, baselines: ['random'] },
    runtime: { outDir: join(dir, 'run') },
    compression: { enabled: false },
  });
  const log = createLogger('test');
  log.level = 'error';
  const coordinator = new Coordinator({ config, token: 't', resume: false, log });
  const port = await coordinator.start('127.0.0.1:0');
  const batchSizes: number[] = [];
  const createEngine = async (c: typeof config): Promise<Engine> => {
    const engine = await createTfjsEngine(c, 'cpu');
    if (concurrency === 1) return engine;
    return coalescingEngine({
      ...engine,
      trainBatch: (params, tasks) => (batchSizes.push(tasks.length), engine.trainBatch(params, tasks)),
      evaluateBatch: (params, tasks, steps, resetHead) => (batchSizes.push(tasks.length), engine.evaluateBatch(params, tasks, steps, resetHead)),
    });
  };
  const worker = new Worker({ address: `127.0.0.1:${port}`, token: 't', name: 'w', backend: 'cpu', concurrency, log, createEngine });
  const running = worker.run();
  const summary = await coordinator.run();
  worker.stop();
  await coordinator.close();
  await running;
  return { params: (await loadCheckpoint(summary.checkpoint)).params, batchSizes };
}

test('a worker with concurrency 6 runs its tasks in batches and reaches the parameters of one task at a time', async () => {
  const one = await run(1);
  const six = await run(6);
  assert.ok(six.batchSizes.some((n) => n > 1), `no batch of several tasks: ${JSON.stringify(six.batchSizes)}`);
  let diff = 0;
  let scale = 0;
  for (const [name, t] of one.params) {
    const u = six.params.get(name)!.data;
    t.data.forEach((v, i) => {
      diff = Math.max(diff, Math.abs(u[i]! - v));
      scale = Math.max(scale, Math.abs(v));
    });
  }
  assert.ok(diff <= 1e-5 * scale, `final parameters differ by ${diff} (largest element ${scale})`);
});
