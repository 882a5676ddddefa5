import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MAX_CONFIG_FILE_BYTES } from '../../src/core/config';
import { MAX_WORKER_NAME_CHARS, welcomeBytes } from '../../src/coordinator/welcome-size';
import { MAX_MESSAGE_BYTES, metatrainProto } from '../../src/wire/proto';
import { checkpointSteps, runCli, tempDir } from '../support/harness';

test('a config whose YAML aliases make the Welcome message larger than gRPC allows is refused before the run starts, naming the fields', async () => {
  const dir = tempDir();
  // 300 KB of file, 2.4 MB of JSON: one path of 300,000 characters, repeated by aliases.
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
  assert.match(r.stderr, /invalid config at pretraining\.texts: the Welcome message that gives workers the run config \(config_json\) would be \d+ bytes, more than the 2097152 bytes a gRPC message may carry/);
  assert.match(r.stderr, /largest fields: pretraining\.texts \(2400\d+ bytes of JSON\)/);
  assert.doesNotMatch(r.stderr, /stream cancelled/);
  assert.deepEqual(checkpointSteps(join(dir, 'run')), []);
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
