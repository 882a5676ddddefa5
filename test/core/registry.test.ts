/** The registries of algorithms and task families: unknown names are refused with the known ones, the config enums come from them. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRunConfig, runConfigSchema } from '../../src/core/config';
import { ConfigError } from '../../src/core/errors';
import { Registry, UnknownNameError } from '../../src/core/registry';
import { algorithms } from '../../src/meta/algorithm';
import { taskFamilies, taskMetric } from '../../src/tasks/family';

test('a registry refuses an unknown name with an error listing the known ones', () => {
  assert.throws(
    () => algorithms.get('imaml'),
    (err: unknown) => err instanceof UnknownNameError && err.message === 'unknown algorithm "imaml"; known: maml, fomaml, reptile, metasgd' && err.unknown === 'imaml',
  );
  assert.throws(() => taskFamilies.get('omniglot'), { name: 'UnknownNameError', message: 'unknown task family "omniglot"; known: sinusoid, sotu, jsonl' });
  const registry = new Registry<{ name: string }>('widget').register({ name: 'a' });
  assert.throws(() => registry.register({ name: 'a' }), /widget a is registered twice/);
  assert.throws(() => new Registry<{ name: string }>('widget').names(), /no widget is registered/);
});

test('the config enums of algorithm.name and task.family are the registries’ names, in registration order', () => {
  const shape = runConfigSchema.shape;
  assert.deepEqual(shape.algorithm.unwrap().shape.name.unwrap().options, algorithms.names());
  assert.deepEqual(shape.task.shape.family.options, taskFamilies.names());
  const base = { name: 'r', task: { family: 'sinusoid' }, model: { kind: 'sinusoid-mlp' } };
  for (const name of algorithms.names()) assert.equal(parseRunConfig({ ...base, algorithm: { name } }).algorithm.name, name);
  assert.throws(
    () => parseRunConfig({ ...base, algorithm: { name: 'imaml' } }),
    (err: unknown) => err instanceof ConfigError && err.path === 'algorithm.name' && algorithms.names().every((n) => new RegExp(`\\b${n}\\b`).test(err.message.split('(got')[0]!)),
  );
});

test('a task family carries its metric: mse for sinusoid regression, accuracy for the text families', () => {
  assert.deepEqual(
    taskFamilies.all().map((f) => [f.name, taskMetric({ task: { family: f.name } as never })]),
    [
      ['sinusoid', 'mse'],
      ['sotu', 'accuracy'],
      ['jsonl', 'accuracy'],
    ],
  );
});
