import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunConfigInput } from '../../src/core/config';
import { loadCheckpoint } from '../../src/checkpoint';
import type { RunSummary } from '../../src/summary';
import { checkpointSteps, runCli, startCli, tempDir, waitExit, waitForOutput, writeConfig } from '../support/harness';

/** A tiny jsonl run that starts from its own pretraining (10 labels: 6 meta-train, 2 meta-val, 2 meta-test). */
function setup(over: Partial<RunConfigInput> = {}) {
  const dir = tempDir();
  writeFileSync(join(dir, 'user.jsonl'), Array.from({ length: 40 }, (_, i) => JSON.stringify({ text: `text ${i % 10} ${'ab '.repeat(i % 10)} number ${i}`, label: `L${i % 10}` })).join('\n'));
  writeFileSync(join(dir, 'extra.txt'), 'Fellow citizens, the state of the union is strong. '.repeat(12));
  const config: RunConfigInput = {
    name: 'pretrain-run',
    seed: 5,
    task: { family: 'jsonl', path: 'user.jsonl', ways: 2, shots: 1, queryShots: 1, passageChars: 64 },
    model: { kind: 'transformer', layers: 1, dModel: 8, heads: 2, dFf: 16, maxLength: 16, init: 'pretrained' },
    algorithm: { name: 'fomaml', innerSteps: 1, metaBatchSize: 2, outerLr: 1e-9 },
    training: { maxSteps: 1, evalEverySteps: 1, evalTasks: 2, checkpointEverySteps: 1, patience: 100 },
    evaluation: { testTasks: 2, adaptSteps: 1, baselines: ['random', 'transfer'], transferSteps: 1 },
    pretraining: { steps: 6, batchSize: 4, lr: 0.01, texts: ['extra.txt'], checkpointEverySteps: 4 },
    runtime: { workers: 1, backend: 'cpu', outDir: join(dir, 'run') },
    compression: { enabled: false },
    ...over,
  };
  return { dir, file: writeConfig(dir, config) };
}

test('metatrain pretrain writes a pretraining checkpoint; metatrain run starts meta-training from its body', async () => {
  const { dir, file } = setup();
  const pre = await runCli(['pretrain', file, '--backend', 'cpu']);
  assert.equal(pre.code, 0, pre.stderr);
  assert.match(pre.stderr, /on \d+ passages \(24 from the meta-train classes, \d+ from .*extra\.txt\), 6 steps of 4/);
  assert.match(pre.stderr, /pretraining done: step 6\/6/);
  const pretrained = await loadCheckpoint(join(dir, 'run', 'pretrained', 'step-00000006'));
  assert.equal(pretrained.extra['kind'], 'mlm-pretraining');

  const run = await runCli(['run', file]);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stderr, /pretraining already finished: step 6\/6/);
  const summary = JSON.parse(readFileSync(join(dir, 'run', 'summary.json'), 'utf8')) as RunSummary;
  assert.equal(summary.pretraining!.step, 6);
  assert.equal(summary.pretraining!.history.loss.length, 6);
  assert.match(run.stdout, /started from\s*│ pretrained body/);
  // One outer step at lr 1e-9 moves no weight by more than ~1e-9: the meta-initialization's body is the pretrained one.
  const meta = await loadCheckpoint(join(dir, 'run', 'checkpoints', 'step-00000001'));
  for (const name of ['embed.token', 'layer0.attn.wq', 'norm.gain']) {
    const a = meta.params.get(name)!.data;
    const b = pretrained.params.get(name)!.data;
    const worst = a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);
    assert.ok(worst < 1e-6, `${name} differs from the pretrained body by ${worst}`);
  }
  assert.ok(!meta.params.has('mlm.bias'));
  assert.ok(existsSync(join(dir, 'run', 'report.html')) && readFileSync(join(dir, 'run', 'report.html'), 'utf8').includes('Pretraining (masked-language model) loss'));
});

test('metatrain pretrain refuses a config without a pretraining section, and names an unreadable text file', async () => {
  const none = setup({ pretraining: undefined, model: { kind: 'transformer', layers: 1, dModel: 8, heads: 2, dFf: 16, maxLength: 16 } });
  const a = await runCli(['pretrain', none.file]);
  assert.equal(a.code, 1);
  assert.match(a.stderr, /invalid config at pretraining: .*no pretraining section/);
  const missing = setup({ pretraining: { texts: ['nope.txt'] } });
  const b = await runCli(['pretrain', missing.file]);
  assert.equal(b.code, 1);
  assert.match(b.stderr, /invalid config at pretraining\.texts\.0: ".*nope\.txt" does not exist/);
  assert.ok(!existsSync(join(missing.dir, 'run', 'pretrained')));
});

test('Ctrl-C on metatrain run as it finds its pretraining finished (before its cluster exists, or as it starts) exits 130 at once, says to start again without --resume', async () => {
  // Enough meta-training steps that a run which ignored the signal would still be going when the test gives up.
  const { dir, file } = setup({ training: { maxSteps: 100_000, evalEverySteps: 100_000, evalTasks: 2, checkpointEverySteps: 100_000, patience: 100 } });
  const pre = await runCli(['pretrain', file, '--backend', 'cpu']);
  assert.equal(pre.code, 0, pre.stderr);
  const run = startCli(['run', file]);
  try {
    // Printed by the pretraining stage just before it loads the finished checkpoint: no cluster exists yet. The signal
    // lands before the cluster is created (`stopped before meta-training started`) or while it starts (`stopped at
    // step 0`); a run that ignored it would meta-train on past the wait below.
    await waitForOutput(run, (text) => /pretraining 1-layer encoder on/.test(text));
    run.kill('SIGINT');
    const result = await waitExit(run, 30_000);
    assert.equal(result.code, 130, result.stderr);
    assert.match(result.stderr, /no checkpoint was written: start again with: metatrain run \S+ \(without --resume\)\n/);
    assert.doesNotMatch(result.stderr, /checkpointing|continue with:/);
    assert.deepEqual(checkpointSteps(join(dir, 'run')), []);
  } finally {
    run.kill('SIGKILL');
  }
});

test('metatrain pretrain and run (model.init: pretrained) refuse up front a model the wasm backend cannot pretrain, naming its size', async () => {
  // Before: both skipped the check of run's wasm workers; ~30 s and 4.5 GB later pretraining crashed with "memory
  // access out of bounds".
  const model = { kind: 'transformer', layers: 0, dModel: 512, heads: 2, dFf: 16, maxLength: 16, tokenizer: 'hashed-words', hashBuckets: 524288, init: 'pretrained' } as const;
  const { dir, file } = setup({ model });
  for (const command of ['pretrain', 'run']) {
    const r = await runCli([command, file, '--backend', 'wasm']);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /^metatrain: invalid config at model: the model has 268,968,960 parameters \(1026\.0 MiB in float32\), more than the wasm backend can pretrain \(1024 MiB, .*pretraining holds several copies.*use --backend cpu or tensorflow\n$/);
    assert.equal(existsSync(join(dir, 'run')), false, `${command} wrote nothing`);
  }
});

test('metatrain pretrain and run refuse up front a model whose checkpoints would exceed the largest Node buffer, naming the sizes', async () => {
  // Before: with --backend cpu the model pretrained, then saving its checkpoint failed with `The value of "size" is
  // out of range` (optimizer.safetensors, 4,303,627,104 bytes), writing nothing.
  const model = { kind: 'transformer', layers: 0, dModel: 512, heads: 2, dFf: 16, maxLength: 16, tokenizer: 'hashed-words', hashBuckets: 1048576 } as const;
  const limit = /more than the largest buffer Node can write \(4,294,967,296 bytes, 4096\.0 MiB\); make the model smaller \(model\.hashBuckets, model\.dModel\)\n$/;
  const pre = setup({ model });
  const r = await runCli(['pretrain', pre.file]);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /^metatrain: invalid config at model: the model has 537,928,704 parameters for pretraining; the optimizer\.safetensors of its checkpoints would take 4,303,430,496 bytes \(4104\.1 MiB\), /);
  assert.match(r.stderr, limit);
  assert.equal(existsSync(join(pre.dir, 'run')), false, 'pretrain wrote nothing');
  const run = setup({ model });
  const m = await runCli(['run', run.file]);
  assert.equal(m.code, 1, m.stderr);
  assert.match(m.stderr, /^metatrain: invalid config at model: the model has 536,\d{3},\d{3} parameters for meta-training; the optimizer\.safetensors of its checkpoints would take 4,29\d,\d{3},\d{3} bytes /);
  assert.match(m.stderr, limit);
  assert.equal(existsSync(join(run.dir, 'run')), false, 'run wrote nothing');
});
