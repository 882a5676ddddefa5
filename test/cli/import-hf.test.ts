/**
 * `metatrain import-hf` then `run`, `adapt` and `predict` on the imported BERT (a tiny random one in the Hugging
 * Face layout, test/hf/fixtures.ts): the printed model section works as is in a run config, meta-training starts
 * from the imported body, and the adapted model finds the tokenizer. Needs the built CLI (`npx tsc -p tsconfig.json`).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { RunSummary } from '../../src/summary';
import { runCli, startCli, tempDir, waitExit, writeConfig } from '../support/harness';
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

  // The adapted model holds its tokenizer, named relatively: it works moved, with the import gone (before:
  // adapted.json named the import's tokenizer.json by its absolute path, and predict failed without it).
  const report = JSON.parse(readFileSync(join(adapted, 'adapted.json'), 'utf8')) as { model: { tokenizerPath: string } };
  assert.equal(report.model.tokenizerPath, 'tokenizer.json');
  assert.deepEqual(readFileSync(join(adapted, 'tokenizer.json')), readFileSync(join(hf, 'tokenizer.json')));
  rmSync(join(dir, 'bert'), { recursive: true });
  renameSync(adapted, join(dir, 'moved'));
  const moved = await runCli(['predict', '--model', join(dir, 'moved'), '--text', 'the cat sat on the mat']);
  assert.equal(moved.code, 0, moved.stderr);
  assert.equal(moved.stdout, predicted.stdout);
  // An adapted.json written before, naming the tokenizer by an absolute path, is still read.
  writeFileSync(join(dir, 'moved', 'adapted.json'), JSON.stringify({ ...report, model: { ...report.model, tokenizerPath: join(dir, 'moved', 'tokenizer.json') } }));
  const older = await runCli(['predict', '--model', join(dir, 'moved'), '--text', 'the cat sat on the mat']);
  assert.equal(older.code, 0, older.stderr);
  assert.equal(older.stdout, predicted.stdout);
});

/** The pid of a process that has exited (its number is not reused within the test). */
function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '0']).pid!;
}

test('import-hf stopped by SIGINT or SIGTERM while it reads removes what it staged, says nothing was written and exits 130 / 143; a rerun imports', async () => {
  // Before: it exited silently, leaving --out holding .tmp-step-00000000-PID-1/, and the rerun failed "--out … already exists".
  const dir = tempDir();
  const source = writeTinyHfBert(join(dir, 'hf'));
  const weights = readFileSync(join(source, 'model.safetensors'));
  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    // model.safetensors as a pipe: opening it for writing returns once the import is reading it (past loading).
    const hf = join(dir, `hf-${signal}`);
    cpSync(source, hf, { recursive: true });
    rmSync(join(hf, 'model.safetensors'));
    execFileSync('mkfifo', [join(hf, 'model.safetensors')]);
    const out = join(dir, `bert-${signal}`);
    const child = startCli(['import-hf', hf, '--out', out]);
    try {
      const pipe = await open(join(hf, 'model.safetensors'), 'w');
      child.kill(signal);
      await pipe.writeFile(weights);
      await pipe.close();
      const result = await waitExit(child);
      assert.equal(result.code, code, result.stderr);
      assert.equal(result.stderr, `\nimport-hf interrupted (${signal}); nothing was written to ${out}\n`);
      assert.deepEqual(readdirSync(dir).filter((e) => e.startsWith('.tmp-') || e === `bert-${signal}`), [], 'no --out, no staging directory');
    } finally {
      child.kill('SIGKILL');
    }
  }
  // What an import killed outright by an earlier version left inside --out (a dead process's staging) does not block.
  const out = join(dir, 'bert');
  mkdirSync(join(out, `.tmp-step-00000000-${deadPid()}-1`), { recursive: true });
  const again = await runCli(['import-hf', source, '--out', out]);
  assert.equal(again.code, 0, again.stderr);
  assert.deepEqual(readdirSync(out).sort(), ['best.json', 'step-00000000', 'tokenizer.json']);
  // A directory holding anything else is still refused.
  const other = join(dir, 'other');
  mkdirSync(join(other, `.tmp-step-00000000-${process.pid}-1`), { recursive: true });
  const refused = await runCli(['import-hf', source, '--out', other]);
  assert.equal(refused.code, 1);
  assert.equal(refused.stderr, `metatrain: --out ${other}: ${other} already exists; choose a new --out directory\n`);
  // A file there is named as one (before: "ENOTDIR: not a directory, scandir …").
  const file = join(dir, 'afile');
  writeFileSync(file, 'x');
  const onFile = await runCli(['import-hf', source, '--out', file]);
  assert.equal(onFile.code, 1);
  assert.equal(onFile.stderr, `metatrain: --out ${file}: ${file} is a file, not a directory; choose a new --out directory\n`);
  // An empty directory is the user's: it is not replaced (that dropped its permissions).
  mkdirSync(join(dir, 'empty'), { mode: 0o700 });
  const onEmpty = await runCli(['import-hf', source, '--out', join(dir, 'empty')]);
  assert.equal(onEmpty.code, 1);
  assert.match(onEmpty.stderr, /--out .*empty already exists \(empty, but the result is a new directory renamed to this path/);
});
