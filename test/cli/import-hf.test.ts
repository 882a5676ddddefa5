/**
 * `metatrain import-hf` then `run`, `adapt` and `predict` on the imported BERT (a tiny random one in the Hugging
 * Face layout, test/hf/fixtures.ts): the printed model section works as is in a run config, meta-training starts
 * from the imported body, and the adapted model finds the tokenizer. Needs the built CLI (`npx tsc -p tsconfig.json`).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { RunSummary } from '../../src/summary';
import { runCli, tempDir, writeConfig } from '../support/harness';
import { writeTinyHfBert } from '../hf/fixtures';

test('a run meta-trains from an imported BERT (the printed model section as is); adapt and predict use its tokenizer', async () => {
  const dir = tempDir();
  const hf = writeTinyHfBert(join(dir, 'hf'));
  const imported = await runCli(['import-hf', hf, '--out', join(dir, 'bert'), '--max-length', '12']);
  assert.equal(imported.code, 0, imported.stderr);
  const { model } = parse(imported.stdout) as { model: Record<string, unknown> };
  const words = ['the cat sat', 'a dog ran fast', 'hello world', 'meta learn few shot', 'good text class', 'very bad mat', 'cats play', 'dog jumping', 'slow cat', 'fast dogs'];
  const lines = Array.from({ length: 40 }, (_, i) => JSON.stringify({ text: `${words[i % 10]} ${words[(i * 7) % 10]}`, label: `L${i % 10}` }));
  writeFileSync(join(dir, 'user.jsonl'), lines.join('\n'));
  writeFileSync(join(dir, 'two.jsonl'), lines.filter((_, i) => i % 10 < 2).join('\n'));
  const file = writeConfig(dir, {
    name: 'bert-run',
    seed: 3,
    task: { family: 'jsonl', path: 'user.jsonl', ways: 2, shots: 1, queryShots: 1, passageChars: 64 },
    model: model as never,
    algorithm: { name: 'maml', innerSteps: 1, metaBatchSize: 2 },
    training: { maxSteps: 2, evalEverySteps: 1, evalTasks: 2, checkpointEverySteps: 1, patience: 100 },
    evaluation: { testTasks: 2, adaptSteps: 1, baselines: ['random', 'transfer'], transferSteps: 1 },
    runtime: { workers: 1, backend: 'cpu', outDir: join(dir, 'run') },
    compression: { enabled: false },
  });
  const run = await runCli(['run', file]);
  assert.equal(run.code, 0, run.stderr);
  const summary = JSON.parse(readFileSync(join(dir, 'run', 'summary.json'), 'utf8')) as RunSummary;
  assert.equal(summary.steps, 2);
  assert.match(summary.pretraining!.checkpoint, /bert\/step-00000000/);
  assert.match(run.stdout, /pretrained body .*bert\/step-00000000; transfer too/);

  const adapted = join(dir, 'adapted');
  const adapt = await runCli(['adapt', '--checkpoint', join(dir, 'run', 'checkpoints', 'step-00000002'), '--data', join(dir, 'two.jsonl'), '--out', adapted, '--backend', 'cpu']);
  assert.equal(adapt.code, 0, adapt.stderr);
  const predicted = await runCli(['predict', '--model', adapted, '--text', 'the cat sat on the mat']);
  assert.equal(predicted.code, 0, predicted.stderr);
  assert.match(predicted.stdout, /L[01] +│ 0\.\d+/);
});
