import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { loadRunConfig, parseRunConfig } from '../../src/core/config';
import { ConfigError, DatasetError } from '../../src/core/errors';
import { taskFamilyFor } from '../../src/tasks/task-family';

test('sinusoid configs give the regression family with the configured shots', () => {
  const family = taskFamilyFor(parseRunConfig({ name: 's', task: { family: 'sinusoid', shots: 10, queryShots: 20 }, model: { kind: 'sinusoid-mlp' } }));
  assert.equal(family.name, 'sinusoid');
  assert.equal(family.outputs, 1);
  const task = family.build(family.sampleSpec('train', 0));
  assert.equal(task.support.kind === 'regression' && task.support.x.length, 10);
  assert.equal(task.query.kind === 'regression' && task.query.x.length, 20);
});

test('sotu configs split presidents from the run seed: the same seed agrees, another seed differs', () => {
  const config = (seed: number) => parseRunConfig({ name: 't', seed, task: { family: 'sotu' }, model: { kind: 'transformer' } });
  const a = taskFamilyFor(config(1));
  const b = taskFamilyFor(config(1));
  assert.equal(a.outputs, 5);
  assert.deepEqual(a.sampleSpec('val', 3), b.sampleSpec('val', 3));
  assert.deepEqual(a.build(a.sampleSpec('val', 3)), b.build(b.sampleSpec('val', 3)));
  const c = taskFamilyFor(config(2));
  assert.notDeepEqual(
    ['train', 'val', 'test'].map((s) => c.sampleSpec(s as 'val', 3).classes),
    ['train', 'val', 'test'].map((s) => a.sampleSpec(s as 'val', 3).classes),
  );
});

test('jsonl configs build tasks from the file, and a file with too few classes is a DatasetError', () => {
  const dir = mkdtempSync(join(tmpdir(), 'metatrain-family-'));
  try {
    const lines = (classes: number) =>
      Array.from({ length: classes * 4 }, (_, i) => JSON.stringify({ text: `example ${i}`, label: `L${i % classes}` })).join('\n');
    const path = join(dir, 'user.jsonl');
    const task = { family: 'jsonl', path, ways: 2, shots: 1, queryShots: 3, classSplit: [0.5, 0.25, 0.25] };
    writeFileSync(path, lines(8));
    const family = taskFamilyFor(parseRunConfig({ name: 'j', task, model: { kind: 'transformer' } }));
    assert.deepEqual(['train', 'val', 'test'].map((s) => family.classCount(s as 'val')), [4, 2, 2]);
    const built = family.build(family.sampleSpec('test', 0));
    assert.equal(built.query.kind === 'text' && built.query.texts.length, 6);
    writeFileSync(path, lines(5));
    assert.throws(
      () => taskFamilyFor(parseRunConfig({ name: 'j', task, model: { kind: 'transformer' } })),
      (e: unknown) => e instanceof DatasetError && /meta-val split has 1 class but 2-way tasks need 2 \(short by 1\)/.test(e.message),
    );
    // Meta-training reads the file with the same rules as metatrain adapt: 7 and "7" are not merged into one class.
    writeFileSync(path, `${lines(8)}\n${JSON.stringify({ text: 'a number', label: 7 })}\n${JSON.stringify({ text: 'a string', label: '7' })}\n`);
    assert.throws(
      () => taskFamilyFor(parseRunConfig({ name: 'j', task, model: { kind: 'transformer' } })),
      (e: unknown) => e instanceof DatasetError && e.message === `${path}:34: label 7 (number, line 33) and "7" (string, line 34) would be the same class; use one type`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a jsonl config file finds its relative task.path beside itself from any directory; a missing file names the path tried', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'metatrain-family-'));
  const cwd = process.cwd();
  try {
    const configDir = join(dir, 'project', 'configs');
    mkdirSync(join(configDir, 'data'), { recursive: true });
    writeFileSync(join(configDir, 'data', 'user.jsonl'), Array.from({ length: 40 }, (_, i) => JSON.stringify({ text: `example ${i}`, label: `L${i % 10}` })).join('\n'));
    const file = join(configDir, 'run.yaml');
    const write = (path: string) => writeFileSync(file, stringify({ name: 'j', task: { family: 'jsonl', path, ways: 2, shots: 1, queryShots: 1 }, model: { kind: 'transformer' } }));
    write('data/user.jsonl');
    const elsewhere = join(dir, 'elsewhere');
    mkdirSync(elsewhere);
    process.chdir(elsewhere);
    assert.equal(taskFamilyFor(await loadRunConfig(file)).classCount('train'), 6);
    // Workers and `metatrain compress` get the parsed config (over gRPC, from the checkpoint), runtime.baseDir included.
    assert.equal(taskFamilyFor(parseRunConfig(JSON.parse(JSON.stringify(await loadRunConfig(file))))).classCount('train'), 6);

    write('data/missing.jsonl');
    const missing = await loadRunConfig(file);
    assert.throws(
      () => taskFamilyFor(missing),
      (e: unknown) =>
        e instanceof ConfigError &&
        e.path === 'task.path' &&
        e.message ===
          `invalid config at task.path: no such file ${join(configDir, 'data', 'missing.jsonl')}: "data/missing.jsonl" is resolved against runtime.baseDir ${configDir} (the config file's directory unless the file sets runtime.baseDir)`,
    );
    const fromObject = { name: 'j', task: { family: 'jsonl', path: 'missing.jsonl' }, model: { kind: 'transformer' } };
    assert.throws(
      () => taskFamilyFor(parseRunConfig(fromObject)),
      (e: unknown) => e instanceof ConfigError && e.message === `invalid config at task.path: no such file ${join(elsewhere, 'missing.jsonl')}: "missing.jsonl" is resolved against the current directory ${elsewhere}`,
    );
    const absolute = join(dir, 'nope.jsonl');
    assert.throws(
      () => taskFamilyFor(parseRunConfig({ ...fromObject, task: { ...fromObject.task, path: absolute } })),
      (e: unknown) => e instanceof ConfigError && e.message === `invalid config at task.path: no such file ${absolute}`,
    );
  } finally {
    process.chdir(cwd);
    rmSync(dir, { recursive: true, force: true });
  }
});
