import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';
import {
  configDifferences,
  configHash,
  loadRunConfig,
  MAX_CONFIG_FILE_BYTES,
  MAX_ECHOED_VALUE_CHARS,
  MAX_LISTED_PROBLEMS,
  MIN_KEEPALIVE_MS,
  MIN_LEASE_TIMEOUT_MS,
  MIN_TERMINATION_GRACE_SECONDS,
  parseRecordedConfig,
  parseRunConfig,
  taskDataPath,
} from '../../src/core/config';
import { ConfigError } from '../../src/core/errors';
import { MAX_ADAPT_STEPS } from '../../src/core/config-fields';
import { runtimeWarnings } from '../../src/coordinator/runtime-config';
import { parseJob } from '../../src/bus/job-codec';
import { ProtocolError } from '../../src/core/errors';

const minimal = { name: 'demo', task: { family: 'sinusoid' }, model: { kind: 'sinusoid-mlp' } };

test('config fills documented defaults', () => {
  const c = parseRunConfig(minimal);
  assert.equal(c.algorithm.name, 'fomaml');
  assert.equal(c.runtime.backend, 'wasm');
  assert.deepEqual(c.task.classSplit, [0.6, 0.2, 0.2]);
  assert.equal(c.training.maxSteps, 1000);
});

test('task.classSplit fractions that do not sum to 1 are refused, naming the sum', () => {
  const split = (classSplit: number[]) => ({ ...minimal, task: { family: 'sinusoid', classSplit } });
  assert.throws(() => parseRunConfig(split([0.9, 0.9, 0.1])), (e: unknown) => e instanceof ConfigError && e.message === 'invalid config at task.classSplit: fractions must sum to 1 (got 1.9)');
  assert.throws(() => parseRunConfig(split([0.5, 0.2, 0.2])), (e: unknown) => e instanceof ConfigError && e.message === 'invalid config at task.classSplit: fractions must sum to 1 (got 0.9)');
  // Within the float tolerance: 0.7 + 0.2 + 0.1 is 0.9999999999999999.
  assert.deepEqual(parseRunConfig(split([0.7, 0.2, 0.1])).task.classSplit, [0.7, 0.2, 0.1]);
});

test('config error names the field path and the bad value', async () => {
  assert.throws(
    () => parseRunConfig({ ...minimal, algorithm: { innerLr: -1 } }),
    (e: unknown) => e instanceof ConfigError && e.path === 'algorithm.innerLr' && /-1/.test(e.message),
  );
  assert.throws(
    () => parseRunConfig({ ...minimal, model: { kind: 'transformer', dModel: 30, heads: 4 } }),
    (e: unknown) => e instanceof ConfigError && e.path === 'model.heads',
  );
  assert.throws(
    () => parseRunConfig({ ...minimal, training: { maxStep: 3, patience: 2 } }),
    (e: unknown) => e instanceof ConfigError && e.path === 'training.maxStep' && e.message === 'invalid config at training.maxStep: unknown field (check its spelling and level)',
  );
  await assert.rejects(
    loadRunConfig(join(tmpdir(), 'metatrain-no-such-config.yaml')),
    (e: unknown) => e instanceof ConfigError && e.path === '' && /^invalid config: \S*metatrain-no-such-config\.yaml: cannot read it: no such file$/.test(e.message),
  );
  // A directory or a device is refused by what it is, before anything is read (before: /dev/zero was read to 1 MiB
  // and called too large).
  await assert.rejects(loadRunConfig(tmpdir()), (e: unknown) => e instanceof ConfigError && e.path === '' && e.message === `invalid config: ${tmpdir()}: not a regular file but a directory`);
  await assert.rejects(loadRunConfig('/dev/zero'), (e: unknown) => e instanceof ConfigError && e.path === '' && e.message === 'invalid config: /dev/zero: not a regular file but a character device');
});

test('LoRA config errors say what they got once, in words', () => {
  const sotu = { name: 'demo', task: { family: 'sotu' } };
  assert.throws(
    () => parseRunConfig({ ...sotu, model: { kind: 'transformer', layers: 1, loraRank: 2 }, algorithm: { adapt: 'all' } }),
    (e: unknown) => e instanceof ConfigError && e.message === 'invalid config at model.loraRank: adapters are only trained with algorithm.adapt: lora, got adapt: all',
  );
  assert.throws(
    () => parseRunConfig({ ...sotu, model: { kind: 'transformer', layers: 0, loraRank: 2 }, algorithm: { adapt: 'lora' } }),
    (e: unknown) => e instanceof ConfigError && e.path === 'algorithm.adapt' && / got model transformer with layers 0 and loraRank 2$/.test(e.message),
  );
});

test('model.maxLength too short to hold any text is refused per kind, naming the field, the kind and the minimum', () => {
  const sotu = { name: 'demo', task: { family: 'sotu' } };
  assert.throws(
    () => parseRunConfig({ ...sotu, model: { kind: 'transformer', maxLength: 1 } }),
    (e: unknown) =>
      e instanceof ConfigError &&
      e.path === 'model.maxLength' &&
      e.message === 'invalid config at model.maxLength: model.maxLength must be at least 2 for model.kind transformer (its CLS token and at least one token of text; with fewer the model reads no text and guesses at chance), got 1',
  );
  assert.equal(parseRunConfig({ ...sotu, model: { kind: 'transformer', maxLength: 2 } }).model.maxLength, 2);
  const bert = { kind: 'bert', layers: 1, dModel: 8, heads: 2, dFf: 16, vocabSize: 40, tokenizer: 'hf', tokenizerPath: 'tokenizer.json' };
  const jsonl = { name: 'hf', task: { family: 'jsonl', path: 'x.jsonl' }, compression: { enabled: false } };
  assert.throws(
    () => parseRunConfig({ ...jsonl, model: { ...bert, maxLength: 2 } }),
    (e: unknown) => e instanceof ConfigError && e.path === 'model.maxLength' && /must be at least 3 for model\.kind bert \(its CLS and SEP tokens and at least one token of text;.*\), got 2$/.test(e.message),
  );
  assert.equal(parseRunConfig({ ...jsonl, model: { ...bert, maxLength: 3 } }).model.maxLength, 3);
  // A model that reads no text has no minimum beyond 1.
  assert.equal(parseRunConfig({ ...minimal, model: { kind: 'sinusoid-mlp', maxLength: 1 } }).model.maxLength, 1);
});

test('a config file resolves a relative task.path against its own directory, and its hash does not depend on where it lies', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'metatrain-config-'));
  try {
    const raw = { name: 'j', task: { family: 'jsonl', path: 'data/user.jsonl' }, model: { kind: 'transformer' } };
    const write = (sub: string, content: object) => {
      mkdirSync(join(dir, sub), { recursive: true });
      writeFileSync(join(dir, sub, 'run.yaml'), stringify(content));
      return join(dir, sub, 'run.yaml');
    };
    const a = await loadRunConfig(write('a', raw));
    const b = await loadRunConfig(write('b/c', raw));
    assert.equal(a.task.path, 'data/user.jsonl', 'task.path stays as written');
    assert.equal(a.runtime.baseDir, join(dir, 'a'));
    assert.equal(taskDataPath(a), join(dir, 'a', 'data', 'user.jsonl'));
    assert.equal(taskDataPath(b), join(dir, 'b', 'c', 'data', 'user.jsonl'));
    // The hash is that of the config as written: the same in both places, and the same as before runtime.baseDir
    // existed (a config given as an object), so checkpoints stay resumable when the files move.
    assert.equal(configHash(a), configHash(b));
    assert.equal(configHash(a), configHash(parseRunConfig(raw)));
    // A runtime.baseDir written in the file is relative to the file; an absolute one and an absolute task.path are kept.
    assert.equal((await loadRunConfig(write('d', { ...raw, runtime: { baseDir: '../corpora' } }))).runtime.baseDir, join(dir, 'corpora'));
    assert.equal((await loadRunConfig(write('e', { ...raw, runtime: { baseDir: '/srv/data' } }))).runtime.baseDir, '/srv/data');
    assert.equal(taskDataPath(await loadRunConfig(write('f', { ...raw, task: { ...raw.task, path: '/srv/user.jsonl' } }))), '/srv/user.jsonl');
    // A config given as an object resolves against the current directory, as always; a malformed runtime is still
    // reported by validation, with its field path.
    assert.equal(taskDataPath(parseRunConfig(raw)), resolve('data/user.jsonl'));
    await assert.rejects(loadRunConfig(write('g', { ...raw, runtime: 3 })), (e: unknown) => e instanceof ConfigError && e.path === 'runtime');
    await assert.rejects(loadRunConfig(write('h', { ...raw, runtime: { baseDir: 7 } })), (e: unknown) => e instanceof ConfigError && e.path === 'runtime.baseDir');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('configDifferences lists exactly the hashed fields that differ, and nothing when only maxSteps or runtime changes', () => {
  const a = parseRunConfig(minimal);
  const b = parseRunConfig({ ...minimal, seed: 9, algorithm: { innerLr: 0.2 }, training: { maxSteps: 7 }, runtime: { workers: 3 } });
  assert.deepEqual(configDifferences(a, b), [`algorithm.innerLr: ${JSON.stringify(a.algorithm.innerLr)} → 0.2`, `seed: ${a.seed} → 9`]);
  assert.deepEqual(configDifferences(a, parseRunConfig({ ...minimal, training: { maxSteps: 7 }, runtime: { workers: 3 } })), []);
});

test('prototype heads and text baselines are refused where they cannot work, naming the field', () => {
  const text = { name: 'demo', task: { family: 'sotu' }, model: { kind: 'transformer' } };
  assert.equal(parseRunConfig({ ...text, model: { kind: 'transformer', layers: 0, tokenizer: 'hashed-words' }, algorithm: { headInit: 'prototypes' }, evaluation: { baselines: ['tfidf-char', 'tfidf-word'] } }).algorithm.headInit, 'prototypes');
  assert.throws(() => parseRunConfig({ ...minimal, algorithm: { headInit: 'prototypes' } }), (e: unknown) => e instanceof ConfigError && e.path === 'algorithm.headInit' && /classification/.test(e.message));
  assert.throws(() => parseRunConfig({ ...text, algorithm: { name: 'reptile', headInit: 'prototypes' } }), (e: unknown) => e instanceof ConfigError && e.path === 'algorithm.headInit' && /reptile/.test(e.message));
  assert.throws(() => parseRunConfig({ ...minimal, evaluation: { baselines: ['random', 'tfidf-word'] } }), (e: unknown) => e instanceof ConfigError && e.path === 'evaluation.baselines.1' && /no text/.test(e.message));
  assert.throws(() => parseRunConfig({ ...text, model: { kind: 'transformer', tokenizer: 'words' } }), (e: unknown) => e instanceof ConfigError && e.path === 'model.tokenizer');
});

test('a config file over 1 MiB is refused before it is parsed, naming the file and its size', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'metatrain-config-'));
  try {
    assert.equal(MAX_CONFIG_FILE_BYTES, 1 << 20);
    // Valid YAML with a 30 MB string: parsed whole, it would take seconds and be echoed back in full.
    const file = join(dir, 'huge.yaml');
    writeFileSync(file, stringify({ ...minimal, name: 'x'.repeat(30_000_000) }));
    const started = performance.now();
    await assert.rejects(
      loadRunConfig(file),
      (e: unknown) => e instanceof ConfigError && e.message.includes(file) && /huge\.yaml: 30000\d{3} bytes, more than the 1048576 bytes \(1 MiB\) allowed; a run config is a few KB$/.test(e.message) && e.message.length < 500,
    );
    assert.ok(performance.now() - started < 1000, 'refused without parsing');
    // One byte under the limit is read and validated as usual.
    const edge = join(dir, 'edge.yaml');
    const text = stringify(minimal);
    writeFileSync(edge, text + '#'.repeat(MAX_CONFIG_FILE_BYTES - Buffer.byteLength(text)));
    assert.equal((await loadRunConfig(edge)).name, 'demo');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a bad value echoed in a config error is cut to 80 characters ending in …', () => {
  const long = 'a'.repeat(5000);
  const check = (raw: object, path: string) =>
    assert.throws(() => parseRunConfig(raw), (e: unknown) => {
      assert.ok(e instanceof ConfigError && e.path.startsWith(path), String(e));
      assert.ok(e.message.length < 400, `message of ${e.message.length} characters: ${e.message.slice(0, 200)}`);
      // The count is the value's own length, not that of its quoted form.
      assert.ok(e.message.includes(`"${'a'.repeat(MAX_ECHOED_VALUE_CHARS - 1)}…" (5000 characters)`), e.message);
      return true;
    });
  check({ ...minimal, name: long }, 'name');
  check({ ...minimal, model: { kind: 'sinusoid-mlp', hidden: long } }, 'model.hidden');
  // A long unknown key is cut too.
  assert.throws(() => parseRunConfig({ ...minimal, [long]: 1 }), (e: unknown) => e instanceof ConfigError && e.message.length < 300 && e.message.includes('…'));
  // A short value is echoed whole, as before.
  assert.throws(() => parseRunConfig({ ...minimal, name: 'Bad_Name' }), (e: unknown) => e instanceof ConfigError && e.message.includes('(got "Bad_Name")'));
});

test('timing fields below their documented minimum are refused, naming the field and the minimum', () => {
  const cases: Array<[object, string, string]> = [
    [{ runtime: { keepaliveMs: 1 } }, 'runtime.keepaliveMs', `at least ${MIN_KEEPALIVE_MS} ms`],
    [{ runtime: { leaseTimeoutMs: 10 } }, 'runtime.leaseTimeoutMs', `at least ${MIN_LEASE_TIMEOUT_MS} ms`],
    [{ kubernetes: { terminationGracePeriodSeconds: 1 } }, 'kubernetes.terminationGracePeriodSeconds', `at least ${MIN_TERMINATION_GRACE_SECONDS} s`],
  ];
  for (const [section, path, minimum] of cases) {
    assert.throws(() => parseRunConfig({ ...minimal, ...section }), (e: unknown) => e instanceof ConfigError && e.path === path && e.message.includes(minimum), path);
  }
  // The minimums themselves are accepted (the tests' configs run with keepaliveMs 1000).
  const c = parseRunConfig({ ...minimal, runtime: { keepaliveMs: MIN_KEEPALIVE_MS, leaseTimeoutMs: MIN_LEASE_TIMEOUT_MS }, kubernetes: { terminationGracePeriodSeconds: MIN_TERMINATION_GRACE_SECONDS } });
  assert.equal(c.runtime.keepaliveMs, 1000);
});

test('step counts and timings have documented upper bounds, named in the error with the value', () => {
  const cases: Array<[object, string, RegExp]> = [
    [{ training: { maxSteps: 10_000_001 } }, 'training.maxSteps', /: must be an integer in \[1, 10,000,000\] \(got 10000001\)$/],
    [{ evaluation: { transferSteps: 10_000_001 } }, 'evaluation.transferSteps', /: must be an integer in \[1, 10,000,000\] \(got 10000001\)$/],
    [{ evaluation: { adaptSteps: 10_001 } }, 'evaluation.adaptSteps', /: must be an integer in \[0, 10,000\] \(got 10001\)$/],
    [{ algorithm: { innerSteps: 10_001 } }, 'algorithm.innerSteps', /^invalid config at algorithm\.innerSteps: must be an integer in \[1, 10,000\] \(got 10001\)$/],
    [{ algorithm: { innerSteps: 1e12 } }, 'algorithm.innerSteps', /: must be an integer in \[1, 10,000\] \(got 1000000000000\)$/],
    [{ runtime: { leaseTimeoutMs: 2 ** 31 } }, 'runtime.leaseTimeoutMs', /must be at most 2147483647 ms \(2\^31-1 ms, about 24\.8 days: the longest a Node timer waits\) \(got 2147483648\)/],
    [{ runtime: { keepaliveMs: 2 ** 31 } }, 'runtime.keepaliveMs', /at most 2147483647 ms/],
    [{ kubernetes: { terminationGracePeriodSeconds: 2_147_484 } }, 'kubernetes.terminationGracePeriodSeconds', /at most 2147483 s/],
  ];
  for (const [section, path, message] of cases) {
    assert.throws(() => parseRunConfig({ ...minimal, ...section }), (e: unknown) => e instanceof ConfigError && e.path === path && message.test(e.message), path);
  }
  const edge = parseRunConfig({ ...minimal, training: { maxSteps: 10_000_000 }, evaluation: { adaptSteps: 0, transferSteps: 10_000_000 }, runtime: { leaseTimeoutMs: 2 ** 31 - 1 } });
  assert.equal(edge.evaluation.adaptSteps, 0);
  assert.equal(parseRunConfig({ ...minimal, algorithm: { innerSteps: MAX_ADAPT_STEPS } }).algorithm.innerSteps, 10_000);
  assert.throws(
    () => parseRunConfig({ name: 'demo', task: { family: 'sotu' }, model: { kind: 'transformer' }, pretraining: { steps: 10_000_001 } }),
    (e: unknown) => e instanceof ConfigError && e.path === 'pretraining.steps',
  );
});

test('every count of tasks, steps, examples and sizes has an upper bound, named in the error (a huge value passed, then crashed)', () => {
  // Before: algorithm.metaBatchSize 1,000,000,000 ran the coordinator out of memory (V8 heap crash, exit 134), and
  // evaluation.testTasks 100,000,000,000 failed after training with "Invalid array length".
  const huge = 100_000_000_000;
  const cases: Array<[object, string, string]> = [
    [{ algorithm: { metaBatchSize: huge } }, 'algorithm.metaBatchSize', '[1, 65,536]'],
    [{ evaluation: { testTasks: huge } }, 'evaluation.testTasks', '[1, 100,000]'],
    [{ training: { evalTasks: huge } }, 'training.evalTasks', '[1, 100,000]'],
    [{ compression: { evalTasks: huge } }, 'compression.evalTasks', '[1, 100,000]'],
    [{ training: { evalEverySteps: huge } }, 'training.evalEverySteps', '[1, 10,000,000]'],
    [{ training: { patience: huge } }, 'training.patience', '[1, 10,000,000]'],
    [{ training: { checkpointEverySteps: huge } }, 'training.checkpointEverySteps', '[1, 10,000,000]'],
    [{ training: { keepCheckpoints: huge } }, 'training.keepCheckpoints', '[1, 10,000,000]'],
    [{ compression: { distillSteps: huge } }, 'compression.distillSteps', '[0, 10,000,000]'],
    [{ compression: { pruneSteps: huge } }, 'compression.pruneSteps', '[0, 10,000,000]'],
    [{ compression: { recoverySteps: huge } }, 'compression.recoverySteps', '[0, 10,000,000]'],
    [{ runtime: { workerConcurrency: huge } }, 'runtime.workerConcurrency', '[1, 64]'],
    // Before: 3,000,000,000 workers passed and were rendered as Deployment replicas, an int32 (the API server says 422).
    [{ runtime: { workers: 3_000_000_000 } }, 'runtime.workers', '[1, 2,147,483,647]'],
    [{ runtime: { maxAttempts: huge } }, 'runtime.maxAttempts', '[1, 100]'],
    [{ runtime: { aggregation: 'per-worker', aggregationGroup: huge } }, 'runtime.aggregationGroup', '[1, 65,536]'],
    [{ runtime: { metricsPort: 65_536 } }, 'runtime.metricsPort', '[0, 65,535]'],
    [{ task: { family: 'sinusoid', shots: huge } }, 'task.shots', '[1, 10,000]'],
    [{ task: { family: 'sinusoid', queryShots: huge } }, 'task.queryShots', '[1, 10,000]'],
    [{ task: { family: 'sinusoid', ways: huge } }, 'task.ways', '[2, 1,000]'],
    [{ task: { family: 'sinusoid', passageChars: huge } }, 'task.passageChars', '[1, 1,000,000]'],
    [{ model: { kind: 'sinusoid-mlp', hidden: [40, huge] } }, 'model.hidden.1', '[1, 16,384]'],
  ];
  for (const [section, path, range] of cases) {
    assert.throws(
      () => parseRunConfig({ ...minimal, ...section }),
      (e: unknown) => e instanceof ConfigError && e.path === path && e.message.includes(`: must be an integer in ${range} (got `),
      path,
    );
  }
  assert.throws(() => parseRunConfig({ ...minimal, model: { kind: 'sinusoid-mlp', hidden: Array(65).fill(4) } }), (e: unknown) => e instanceof ConfigError && e.path === 'model.hidden', 'model.hidden of 65 layers');
  // The bounds themselves are accepted.
  const edge = parseRunConfig({ ...minimal, algorithm: { metaBatchSize: 65_536 }, evaluation: { testTasks: 100_000 }, runtime: { workerConcurrency: 64, metricsPort: 65_535, workers: 2_147_483_647 } });
  assert.equal(edge.algorithm.metaBatchSize, 65_536);
  assert.equal(edge.runtime.workers, 2_147_483_647);
});

test('a value over several bounds of one field gets one message, the tightest bound', () => {
  assert.throws(
    () => parseRunConfig({ ...minimal, training: { maxSteps: 99999999999999999999999 } }),
    (e: unknown) => e instanceof ConfigError && e.message === 'invalid config at training.maxSteps: must be an integer in [1, 10,000,000] (got 1e+23)',
  );
  // A field's own message wins over zod's 2^53-1 bound of integers too.
  assert.throws(
    () => parseRunConfig({ ...minimal, runtime: { keepaliveMs: 1e23 } }),
    (e: unknown) => e instanceof ConfigError && /^invalid config at runtime\.keepaliveMs: must be at most 2147483647 ms \([^;]*\(got 1e\+23\)$/.test(e.message),
  );
  assert.throws(
    () => parseRunConfig({ ...minimal, algorithm: { innerLr: -0.5 } }),
    (e: unknown) => e instanceof ConfigError && e.message === 'invalid config at algorithm.innerLr: must be greater than 0 (got -0.5)',
  );
});

test('a baseline or a pretraining text listed twice is refused, naming the duplicate', () => {
  assert.throws(
    () => parseRunConfig({ ...minimal, evaluation: { baselines: ['random', 'transfer', 'random'] } }),
    (e: unknown) => e instanceof ConfigError && e.message === 'invalid config at evaluation.baselines.2: duplicate entry: got "random" again (first at index 0)',
  );
  assert.throws(
    () => parseRunConfig({ name: 'demo', task: { family: 'sotu' }, model: { kind: 'transformer' }, pretraining: { texts: ['a.txt', 'b.txt', 'a.txt'] } }),
    (e: unknown) => e instanceof ConfigError && e.path === 'pretraining.texts.2' && /duplicate entry: got "a\.txt" again/.test(e.message),
  );
});

test('a list longer than its field may hold is refused by its length, in one message, whatever its entries', () => {
  // Before: one message per entry ("baselines.0: Invalid option …; and at evaluation.baselines.1: …"): 90,000 entries
  // took 35 s of CPU and printed 23 MB.
  // 7 (a number, never validated) among them: before, the check across fields read it and failed with
  // "b.startsWith is not a function".
  for (const entry of ['x', 'random', 'a'.repeat(10_000), 7]) {
    assert.throws(
      () => parseRunConfig({ ...minimal, evaluation: { baselines: Array(90_000).fill(entry) } }),
      (e: unknown) => e instanceof ConfigError && e.message === 'invalid config at evaluation.baselines: must hold at most 6 baselines (each of the choices at most once), got 90,000',
    );
  }
  assert.throws(
    () => parseRunConfig({ name: 'demo', task: { family: 'sotu' }, model: { kind: 'transformer' }, pretraining: { texts: Array(1001).fill('') } }),
    (e: unknown) => e instanceof ConfigError && e.message === 'invalid config at pretraining.texts: must hold at most 1,000 text files, got 1,001',
  );
});

test('a config error lists at most MAX_LISTED_PROBLEMS problems, then how many more there are', () => {
  // Before: every problem was listed, one line of megabytes for a list of 90,000 bad entries.
  const bad = MAX_LISTED_PROBLEMS + 10;
  assert.throws(
    () => parseRunConfig({ ...minimal, model: { kind: 'sinusoid-mlp', hidden: Array(bad).fill('x') } }),
    (e: unknown) =>
      e instanceof ConfigError &&
      e.path === 'model.hidden.0' &&
      e.message.split('; and at ').length === MAX_LISTED_PROBLEMS &&
      e.message.includes(`; and at model.hidden.${MAX_LISTED_PROBLEMS - 1}: `) &&
      !e.message.includes(`model.hidden.${MAX_LISTED_PROBLEMS}:`) &&
      e.message.endsWith('; and 10 more problems'),
  );
});

test('runtime.aggregationGroup is refused with per-task aggregation and defaults to 4 with per-worker', () => {
  assert.throws(
    () => parseRunConfig({ ...minimal, runtime: { aggregationGroup: 8 } }),
    (e: unknown) => e instanceof ConfigError && e.path === 'runtime.aggregationGroup' && /only formed with aggregation: per-worker, got aggregation: per-task/.test(e.message),
  );
  assert.equal(parseRunConfig(minimal).runtime.aggregationGroup, undefined);
  const perWorker = parseRunConfig({ ...minimal, runtime: { aggregation: 'per-worker' } });
  assert.equal(perWorker.runtime.aggregationGroup, 4);
  // A parsed config parses again unchanged (the CLI re-parses it with its flags).
  assert.deepEqual(parseRunConfig(parseRunConfig(minimal)).runtime, parseRunConfig(minimal).runtime);
  assert.deepEqual(runtimeWarnings(perWorker.runtime, 'coordinator'), ['runtime.aggregationGroup 4 differs from runtime.workerConcurrency 1: each worker runs 4 tasks at once instead of 1; set both to the same value']);
  assert.deepEqual(runtimeWarnings(parseRunConfig({ ...minimal, runtime: { aggregation: 'per-worker', aggregationGroup: 3, workerConcurrency: 3 } }).runtime, 'coordinator'), []);
  const listening = parseRunConfig({ ...minimal, runtime: { listen: '0.0.0.0:7000' } }).runtime;
  assert.deepEqual(runtimeWarnings(listening, 'coordinator'), []);
  assert.match(runtimeWarnings(listening, 'run').join('\n'), /^runtime\.listen 0\.0\.0\.0:7000 is not used by metatrain run/);
  assert.deepEqual(runtimeWarnings(parseRunConfig(minimal).runtime, 'run'), []);
});

test('a nats.url the NATS client would misread or cannot dial is refused as the config is read, naming nats.url and the server, its password as …', () => {
  // Before: run and coordinator took these; the check came only when connecting, after the run directory was written
  // (logs/, targets.json), without the field name; http:// and foo:// ran (the client dials HOST:PORT), ws:// got the
  // client's own words and port 99999 'Invalid URL'.
  const refusal = (url: string) => {
    try {
      parseRunConfig({ ...minimal, nats: { url } });
    } catch (e) {
      assert.ok(e instanceof ConfigError && e.path === 'nats.url', String(e));
      return e.message;
    }
    assert.fail(`${url} was accepted`);
  };
  const cases: Array<[string, string]> = [
    ['nats://127.0.0.1:4222/', 'nats://127.0.0.1:4222/: "/" after the port is a path, which the NATS client ignores; write nats://127.0.0.1:4222'],
    ['nats://127.0.0.1:04222', 'nats://127.0.0.1:04222: the port has a leading zero; write 4222'],
    ['nats://127.0.0.1:4222?x=1', 'nats://127.0.0.1:4222?x=1: "?x=1" after the port is a query, which the NATS client ignores; write nats://127.0.0.1:4222'],
    ['nats://127.0.0.1:4222#f', 'nats://127.0.0.1:4222#f: "#f" after the port is a fragment, which the NATS client ignores; write nats://127.0.0.1:4222'],
    ['http://127.0.0.1:4222', 'expected nats://HOST:PORT, got "http://127.0.0.1:4222"'],
    ['foo://h:4222', 'expected nats://HOST:PORT, got "foo://h:4222"'],
    ['ws://h:80', "ws://h:80: metatrain's NATS client (nats.js for Node) connects over TCP and refuses ws:// (WebSocket); give the server's client port, e.g. nats://h:4222"],
    ['nats://127.0.0.1:99999', "nats://127.0.0.1:99999: port 99999 is above 65535, the largest TCP port; give the NATS server's client port (4222 by default)"],
    ['nats://a:4222,nats://user:s3cret@b:04222', 'nats://user:…@b:04222: the port has a leading zero; write 4222'],
    ['nats://user:s3cret@b:99999', "nats://user:…@b:99999: port 99999 is above 65535, the largest TCP port; give the NATS server's client port (4222 by default)"],
    ['http://user:s3cret@b:4222', 'expected nats://HOST:PORT, got "http://user:…@b:4222"'],
  ];
  for (const [url, problem] of cases) assert.equal(refusal(url), `invalid config at nats.url: ${problem}`, url);
  // What launch takes, a run takes: nats://, tls:// or HOST:PORT, a list of them, a user and password (not on Kubernetes).
  for (const url of ['nats://127.0.0.1:4222', 'tls://h', 'h:4222', 'nats://a:4222, b ,tls://[::1]:4223', 'nats://user:s3cret@h:4222']) {
    assert.equal(parseRunConfig({ ...minimal, nats: { url } }).nats?.url, url);
  }
});

test('a config recorded by an earlier run (a checkpoint, a compression job) is read with a nats.url the config check now refuses, and its other fields still checked', () => {
  // Before: adapt --checkpoint, predict --model, compress without --config and the compressor's jobs failed with
  // 'invalid config at nats.url' on the checkpoints of a run whose nats.url was http://h:4222 (it ran: dialed as h:4222).
  const recorded = { ...minimal, nats: { url: 'http://h:4222' } };
  assert.equal(parseRecordedConfig(recorded).nats?.url, 'http://h:4222');
  assert.deepEqual(parseRecordedConfig(recorded), { ...parseRunConfig(minimal), nats: { url: 'http://h:4222' } });
  const job = { jobId: 'j1', run: 'demo', checkpoint: '/c', outDir: '/o' };
  assert.equal(parseJob({ ...job, config: recorded }).config.nats?.url, 'http://h:4222');
  assert.throws(() => parseRecordedConfig({ ...minimal, nats: { url: '' } }), { name: 'ConfigError', path: 'nats.url' });
  assert.throws(() => parseRecordedConfig({ ...minimal, nats: { url: 'h:4222', x: 1 } }), { name: 'ConfigError', path: 'nats.x' });
  assert.throws(() => parseJob({ ...job, config: { ...recorded, seed: -1 } }), (e: unknown) => e instanceof ProtocolError && /config: invalid config at seed/.test(e.message));
});
