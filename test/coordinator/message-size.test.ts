import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MAX_CONFIG_FILE_BYTES } from '../../src/core/config';
import { ConfigError, RunFailedError } from '../../src/core/errors';
import { createLogger } from '../../src/core/logger';
import { CoordinatorServer } from '../../src/coordinator/grpc-server';
import { ParamVersions } from '../../src/coordinator/param-versions';
import { TaskDispatcher } from '../../src/coordinator/task-dispatcher';
import type { WorkItem } from '../../src/coordinator/work-item';
import { assertWelcomeFits, MAX_WORKER_NAME_CHARS, welcomeBytes } from '../../src/coordinator/message-size';
import { MAX_MESSAGE_BYTES, metatrainProto } from '../../src/wire/proto';
import { checkpointSteps, runCli, tempDir } from '../support/harness';
import { rawWorker } from '../support/raw-worker';

test('a config whose YAML aliases repeat a 300 KB path is refused before the run starts, each value echoed cut to 80 characters', async () => {
  const dir = tempDir();
  // 300 KB of file, 2.4 MB of JSON: one path of 300,000 characters, repeated by aliases. The path limits
  // (src/core/path-limits.ts) refuse it before the Welcome size could matter.
  const path = `/corpus/${'a'.repeat(300_000)}.txt`;
  const yaml = [
    'name: big-welcome',
    'task: { family: sotu, ways: 3, shots: 2, queryShots: 2, passageChars: 64 }',
    'model: { kind: transformer, layers: 0, tokenizer: hashed-words, hashBuckets: 64, dModel: 8, heads: 2, maxLength: 16 }',
    'algorithm: { name: fomaml, innerSteps: 1, metaBatchSize: 2 }',
    'training: { maxSteps: 2 }',
    'evaluation: { testTasks: 2, adaptSteps: 1, baselines: [] }',
    'compression: { enabled: false }',
    `runtime: { workers: 1, outDir: ${JSON.stringify(join(dir, 'run'))} }`,
    `pretraining: { texts: [&corpus ${JSON.stringify(path)}, *corpus, *corpus, *corpus, *corpus, *corpus, *corpus, *corpus] }`,
  ].join('\n');
  assert.ok(yaml.length < MAX_CONFIG_FILE_BYTES);
  const file = join(dir, 'big.yaml');
  writeFileSync(file, yaml);
  const r = await runCli(['run', file], {}, 120_000);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /invalid config at pretraining\.texts\.0: the path is 300012 bytes long, more than the 4096 a path may have/);
  // Every value the aliases bring is checked where it lands (src/core/config-yaml-values.ts): each entry is refused.
  assert.match(r.stderr, /and at pretraining\.texts\.7: the path is 300012 bytes long, more than the 4096 a path may have \(got "\/corpus\/a+…" \(300012 characters\)\)/);
  assert.ok(r.stderr.length < 8000, `the error echoes ${r.stderr.length} characters`);
  assert.deepEqual(checkpointSteps(join(dir, 'run')), []);
});

test('a run config whose Welcome message would exceed a gRPC message is refused naming the largest fields', () => {
  const texts = Array.from({ length: 8 }, (_, i) => `/corpus/${i}${'a'.repeat(300_000)}.txt`);
  assert.throws(
    () => assertWelcomeFits('big-welcome', { name: 'big-welcome', pretraining: { texts } }),
    (e: Error) => e instanceof ConfigError && /invalid config at pretraining\.texts: the Welcome message that gives workers the run config \(config_json\) would be \d+ bytes, more than the 2097152 bytes a gRPC message may carry/.test(e.message) && /largest fields: pretraining\.texts \(2400\d+ bytes of JSON\)/.test(e.message),
  );
  assert.doesNotThrow(() => assertWelcomeFits('small', { name: 'small', pretraining: { texts: texts.slice(0, 1) } }));
});

test('the Welcome size bound covers the longest worker id the coordinator gives', () => {
  const configJson = JSON.stringify({ name: 'x', padding: 'é'.repeat(1000) });
  const longestName = '\u{10FFFF}'.repeat(MAX_WORKER_NAME_CHARS);
  const serialize = metatrainProto().Coordinator.service.Join.responseSerialize;
  for (const name of [longestName.slice(0, MAX_WORKER_NAME_CHARS), '\uFFFF'.repeat(MAX_WORKER_NAME_CHARS), 'w'.repeat(MAX_WORKER_NAME_CHARS)]) {
    const real = serialize({ welcome: { workerId: `${name}#${2 ** 32 - 1}`, runName: 'a-run', configJson } }).length;
    assert.ok(welcomeBytes('a-run', configJson) >= real, `bound ${welcomeBytes('a-run', configJson)} < ${real} for ${name.slice(0, 4)}…`);
  }
  assert.ok(welcomeBytes('a-run', configJson) < MAX_MESSAGE_BYTES);
});

test('an assignment larger than a gRPC message fails the run naming the task, its size and the limit (not "worker left")', { timeout: 60_000 }, async () => {
  const dir = tempDir();
  const logFile = join(dir, 'server.log');
  const dispatcher = new TaskDispatcher({ leaseTimeoutMs: 30_000, maxAttempts: 3 });
  const server = new CoordinatorServer({
    token: 'size-token',
    keepaliveMs: 5000,
    runName: 'sizes',
    configJson: '{}',
    dispatcher,
    versions: new ParamVersions(),
    validateResult: () => undefined,
    status: () => ({}),
    log: createLogger('coordinator', logFile),
  });
  const port = await server.listen('127.0.0.1:0');
  // 2 classes of 400,000 support examples: about 2.4 MB of example indices in one task spec.
  const indices = Array.from({ length: 400_000 }, (_, i) => 1_000_000 + i);
  const item: WorkItem = { key: 'train/1/0', kind: 'train', step: 1, index: 0, paramVersion: 'meta/0', task: { family: 'jsonl', split: 'train', seed: 1, classes: [0, 1], support: [indices, indices], query: [[1], [2]] } };
  const worker = rawWorker(`127.0.0.1:${port}`, 'size-token', 'receiver', () => assert.fail('an oversized assignment reached the worker'));
  try {
    await worker.workerId;
    await assert.rejects(dispatcher.runBatch([item]), (err: Error) => {
      assert.ok(err instanceof RunFailedError);
      assert.match(err.message, /^cannot send the Assignment of task train\/1\/0: it is \d{7} bytes, more than the 2097152 bytes a gRPC message may carry/);
      return true;
    });
    assert.match(readFileSync(logFile, 'utf8'), /"level":50.*"message":"the Assignment of task train\/1\/0","bytes":\d{7},"limitBytes":2097152/);
  } finally {
    worker.stream.cancel();
    worker.client.close();
    await server.stop(100);
  }
});
