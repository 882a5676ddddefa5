import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';
import { configDifferences, configHash, loadRunConfig, parseRunConfig, taskDataPath } from '../../src/core/config';
import { ConfigError } from '../../src/core/errors';

const minimal = { name: 'demo', task: { family: 'sinusoid' }, model: { kind: 'sinusoid-mlp' } };

test('config fills documented defaults', () => {
  const c = parseRunConfig(minimal);
  assert.equal(c.algorithm.name, 'fomaml');
  assert.equal(c.runtime.backend, 'wasm');
  assert.deepEqual(c.task.classSplit, [0.6, 0.2, 0.2]);
  assert.equal(c.training.maxSteps, 1000);
});

test('config error names the field path and the bad value', () => {
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
  assert.throws(
    () => loadRunConfig(join(tmpdir(), 'metatrain-no-such-config.yaml')),
    (e: unknown) => e instanceof ConfigError && e.path === '' && /^invalid config: cannot read .*metatrain-no-such-config\.yaml/.test(e.message),
  );
});

test('a config file resolves a relative task.path against its own directory, and its hash does not depend on where it lies', () => {
  const dir = mkdtempSync(join(tmpdir(), 'metatrain-config-'));
  try {
    const raw = { name: 'j', task: { family: 'jsonl', path: 'data/user.jsonl' }, model: { kind: 'transformer' } };
    const write = (sub: string, content: object) => {
      mkdirSync(join(dir, sub), { recursive: true });
      writeFileSync(join(dir, sub, 'run.yaml'), stringify(content));
      return join(dir, sub, 'run.yaml');
    };
    const a = loadRunConfig(write('a', raw));
    const b = loadRunConfig(write('b/c', raw));
    assert.equal(a.task.path, 'data/user.jsonl', 'task.path stays as written');
    assert.equal(a.runtime.baseDir, join(dir, 'a'));
    assert.equal(taskDataPath(a), join(dir, 'a', 'data', 'user.jsonl'));
    assert.equal(taskDataPath(b), join(dir, 'b', 'c', 'data', 'user.jsonl'));
    // The hash is that of the config as written: the same in both places, and the same as before runtime.baseDir
    // existed (a config given as an object), so checkpoints stay resumable when the files move.
    assert.equal(configHash(a), configHash(b));
    assert.equal(configHash(a), configHash(parseRunConfig(raw)));
    // A runtime.baseDir written in the file is relative to the file; an absolute one and an absolute task.path are kept.
    assert.equal(loadRunConfig(write('d', { ...raw, runtime: { baseDir: '../corpora' } })).runtime.baseDir, join(dir, 'corpora'));
    assert.equal(loadRunConfig(write('e', { ...raw, runtime: { baseDir: '/srv/data' } })).runtime.baseDir, '/srv/data');
    assert.equal(taskDataPath(loadRunConfig(write('f', { ...raw, task: { ...raw.task, path: '/srv/user.jsonl' } }))), '/srv/user.jsonl');
    // A config given as an object resolves against the current directory, as always; a malformed runtime is still
    // reported by validation, with its field path.
    assert.equal(taskDataPath(parseRunConfig(raw)), resolve('data/user.jsonl'));
    assert.throws(() => loadRunConfig(write('g', { ...raw, runtime: 3 })), (e: unknown) => e instanceof ConfigError && e.path === 'runtime');
    assert.throws(() => loadRunConfig(write('h', { ...raw, runtime: { baseDir: 7 } })), (e: unknown) => e instanceof ConfigError && e.path === 'runtime.baseDir');
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
