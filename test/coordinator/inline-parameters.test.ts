/**
 * Small parameter versions inside assignments (`runtime.inlineParametersMaxBytes`, Assignment.parameters; issue 10):
 * over real gRPC on loopback, the real coordinator and two real tfjs workers (cpu) run a few second-order MAML steps
 * with evaluation once with inlining (the default 64 KiB: every sinusoid version travels inside an assignment, no
 * GetParameters call) and once without (0: every version streamed). Same final parameters to the bit; the bytes
 * move from one route to the other. And the worker's cache checks inline chunks like fetched ones.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { parseRunConfig } from '../../src/core/config';
import { createLogger } from '../../src/core/logger';
import { createMetricsRegistry } from '../../src/core/metrics';
import { NonFiniteError } from '../../src/core/errors';
import { chunkParamSet } from '../../src/core/tensor-chunks';
import { paramSet } from '../../src/core/param-set';
import { Coordinator } from '../../src/coordinator/coordinator';
import { loadCheckpoint } from '../../src/checkpoint';
import { createTfjsEngine } from '../../src/worker/tfjs-engine';
import { ParamCache } from '../../src/worker/param-cache';
import { Worker } from '../../src/worker/worker';
import type { CoordinatorClient } from '../../src/wire/proto';
import type * as grpc from '@grpc/grpc-js';
import { tempDir } from '../support/harness';

async function run(inlineParametersMaxBytes?: number) {
  const dir = tempDir();
  const config = parseRunConfig({
    name: 'inline',
    task: { family: 'sinusoid' },
    model: { kind: 'sinusoid-mlp', hidden: [16, 16] },
    algorithm: { name: 'maml', metaBatchSize: 4, innerSteps: 1, innerLr: 0.01 },
    training: { maxSteps: 3, evalEverySteps: 3, evalTasks: 2, checkpointEverySteps: 3, patience: 10 },
    evaluation: { testTasks: 2, adaptSteps: 2, baselines: ['random'] },
    runtime: { outDir: join(dir, 'run'), ...(inlineParametersMaxBytes === undefined ? {} : { inlineParametersMaxBytes }) },
    compression: { enabled: false },
  });
  const log = createLogger('test');
  log.level = 'error';
  const registry = createMetricsRegistry({ run: 'inline' });
  const coordinator = new Coordinator({ config, token: 't', resume: false, log, registry });
  const port = await coordinator.start('127.0.0.1:0');
  const workers = [0, 1].map((i) => new Worker({ address: `127.0.0.1:${port}`, token: 't', name: `w${i}`, backend: 'cpu', log, createEngine: (c) => createTfjsEngine(c, 'cpu') }));
  const running = workers.map((w) => w.run());
  const summary = await coordinator.run();
  for (const w of workers) w.stop();
  await coordinator.close();
  await Promise.all(running);
  const text = await registry.metrics();
  const bytes = (via: string) => Number(text.split('\n').find((l) => l.startsWith(`metatrain_param_broadcast_bytes_total{via="${via}"`))!.split(' ').at(-1));
  return { params: (await loadCheckpoint(summary.checkpoint)).params, stream: bytes('stream'), inline: bytes('inline') };
}

test('small versions travel inside assignments: no GetParameters stream, the same parameters to the bit', async () => {
  const inlined = await run();
  const streamed = await run(0);
  // MLP 1-16-16-1: 321 float32 = 1284 bytes per version.
  assert.equal(inlined.stream, 0, 'with inlining no version should be streamed');
  assert.ok(inlined.inline >= 1284 * 3, `inline bytes ${inlined.inline}`);
  assert.equal(streamed.inline, 0);
  assert.ok(streamed.stream >= 1284 * 3, `stream bytes ${streamed.stream}`);
  for (const [name, t] of streamed.params) assert.ok(Buffer.from(t.data.buffer).equals(Buffer.from(inlined.params.get(name)!.data.buffer)), `tensor ${name} differs`);
});

test('runtime.inlineParametersMaxBytes above one wire chunk is refused, naming the field', () => {
  assert.throws(() => parseRunConfig({ name: 'x', task: { family: 'sinusoid' }, model: { kind: 'sinusoid-mlp' }, runtime: { inlineParametersMaxBytes: 2 ** 21 } }), /runtime\.inlineParametersMaxBytes/);
});

test('the worker cache checks inline chunks like fetched ones and never calls GetParameters for them', async () => {
  const spec = new Map([['w', [3]]]);
  const noCalls = { GetParameters: () => assert.fail('GetParameters called for an inline version') } as unknown as CoordinatorClient;
  const cache = new ParamCache(noCalls, {} as grpc.Metadata);
  cache.offer('meta/1', chunkParamSet(paramSet([['w', { shape: [3], data: Float32Array.of(1, 2, 3) }]])), spec);
  assert.deepEqual([...(await cache.get('meta/1', spec)).get('w')!.data], [1, 2, 3]);
  cache.offer('meta/2', chunkParamSet(paramSet([['w', { shape: [3], data: Float32Array.of(1, Number.NaN, 3) }]])), spec);
  await assert.rejects(cache.get('meta/2', spec), (e: Error) => e instanceof NonFiniteError && /parameter version meta\/2: tensor "w": value NaN at index 1/.test(e.message));
});
