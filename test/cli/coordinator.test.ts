/** `metatrain coordinator`: how a start is refused, and what a stop says. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { sinusoidRun, writeTeacherCheckpoint } from '../compress/fixtures';
import { runCli, sinusoidConfig, startCli, tempDir, waitExit, waitForOutput, writeConfig } from '../support/harness';

const ENV = { METATRAIN_TOKEN: 'coordinator-cli-token', METATRAIN_LOG_LEVEL: 'info' };

test('a coordinator refused by the checkpoints of an earlier run, or a link or files not a run\'s in its run directory, exits 1 at once, its reader gone, without saying listening or meta-training', async () => {
  const dir = tempDir();
  const earlier = sinusoidConfig(dir, { training: { maxSteps: 2, evalEverySteps: 2, evalTasks: 2, checkpointEverySteps: 1 }, evaluation: { testTasks: 2, adaptSteps: 1, baselines: [] }, runtime: { workers: 1 } });
  const done = await runCli(['run', writeConfig(dir, earlier), '--backend', 'cpu']);
  assert.equal(done.code, 0, done.stderr);
  const linked = join(dir, 'linked');
  mkdirSync(join(linked, 'logs'), { recursive: true });
  symlinkSync('../../precious.log', join(linked, 'logs', 'coordinator.log'));
  const notes = join(dir, 'notes');
  mkdirSync(notes);
  writeFileSync(join(notes, 'notes.txt'), 'mine');
  // With runtime.metricsPort a coordinator lingers 30 s after its run ends: a refusal found only after it started lingered too.
  const refusals = [
    // The advice names no --out: the coordinator has no such option. The earlier run finished, and is said to have.
    { args: [], config: earlier, reason: /holds a finished run \(succeeded at step 2, see .*summary\.json\): give runtime\.outDir a new directory to run again, or --resume to evaluate and compress it again\n/ },
    { args: ['--resume'], config: { ...earlier, seed: 4 }, reason: /seed/ },
    // As run refuses them (before, a coordinator wrote through the link, and beside the user's files).
    { args: ['--resume'], config: { ...earlier, runtime: { ...earlier.runtime, outDir: linked } }, reason: /^metatrain: runtime\.outDir .*linked: logs\/coordinator\.log is a symbolic link \(to \.\.\/\.\.\/precious\.log\): a run writes only real files in its directory; remove it or give runtime\.outDir a new directory\n/ },
    { args: [], config: { ...earlier, runtime: { ...earlier.runtime, outDir: notes } }, reason: /^metatrain: runtime\.outDir .*notes holds files that are not a run's \(notes\.txt\): .*; give runtime\.outDir a new or empty directory, or move them elsewhere\n/ },
  ];
  for (const { args, config, reason } of refusals) {
    const file = writeConfig(dir, { ...config, runtime: { ...config.runtime, metricsPort: 0 } }, 'coordinator.yaml');
    const child = startCli(['coordinator', '--config', file, '--listen', '127.0.0.1:0', ...args], ENV);
    child.stdout!.destroy();
    const r = await waitExit(child, 15_000);
    assert.equal(r.code, 1, `${args.join(' ')}: exit ${r.code} ${r.signal ?? ''}\n${r.stderr}`);
    assert.match(r.stderr, reason);
    assert.doesNotMatch(r.stderr, /"msg":"(listening|meta-training)"/);
  }
  assert.ok(!existsSync(join(dir, 'precious.log')), 'nothing was written through the link');
});

test('a coordinator whose metrics port is taken exits 1 naming runtime.metricsPort, without saying listening', async (t) => {
  const taken = createServer().listen(0, '127.0.0.1');
  t.after(() => taken.close());
  await new Promise((r) => taken.once('listening', r));
  const dir = tempDir();
  const config = sinusoidConfig(dir, { runtime: { metricsPort: (taken.address() as AddressInfo).port } });
  const child = startCli(['coordinator', '--config', writeConfig(dir, config), '--listen', '127.0.0.1:0'], ENV);
  child.stdout!.destroy();
  const r = await waitExit(child, 15_000);
  assert.equal(r.code, 1, `exit ${r.code} ${r.signal ?? ''}\n${r.stderr}`);
  assert.match(r.stderr, /runtime\.metricsPort: .*EADDRINUSE/);
  assert.doesNotMatch(r.stderr, /"msg":"listening"/);
});

test('a coordinator stopped before any meta-step completed does not say it checkpoints, and exits 143', async () => {
  const dir = tempDir();
  const child = startCli(['coordinator', '--config', writeConfig(dir, sinusoidConfig(dir)), '--listen', '127.0.0.1:0'], ENV);
  await waitForOutput(child, (text) => text.includes('"listening"'));
  child.kill('SIGTERM');
  const r = await waitExit(child, 30_000);
  assert.equal(r.code, 143, `exit ${r.code} ${r.signal ?? ''}\n${r.stderr}`);
  assert.match(r.stderr, /stopping \(a second Ctrl-C or SIGTERM exits at once\)/);
  assert.doesNotMatch(r.stderr, /checkpointing/);
});

test('a coordinator holds its run directory: a second coordinator, a run and a compress into its compressed directory are refused naming it', async () => {
  // Before: the coordinator took no lock, so a second one (or a run) on the same directory started and interleaved
  // checkpoints with it, and a compress wrote <run dir>/compressed under it.
  const dir = tempDir();
  const file = writeConfig(dir, sinusoidConfig(dir));
  const first = startCli(['coordinator', '--config', file, '--listen', '127.0.0.1:0'], ENV);
  const checkpoint = await writeTeacherCheckpoint(sinusoidRun(join(dir, 'elsewhere')));
  try {
    await waitForOutput(first, (text) => text.includes('"event":"listening"'));
    const held = new RegExp(`^metatrain: run directory ${join(dir, 'run')} is in use by another metatrain process \\(pid ${first.pid}, \`metatrain coordinator --config ${file} --listen 127\\.0\\.0\\.1:0\`, since .*\\): wait for it to end or stop it`, 'm');
    for (const args of [['coordinator', '--config', file, '--listen', '127.0.0.1:0', '--resume'], ['run', file, '--backend', 'cpu'], ['compress', '--checkpoint', checkpoint, '--out', join(dir, 'run', 'compressed'), '--backend', 'cpu']]) {
      const r = await runCli(args, ENV, 30_000);
      assert.equal(r.code, 1, `${args[0]}: exit ${r.code} ${r.signal ?? ''}\n${r.stderr}`);
      assert.match(r.stderr, held, args[0]);
    }
    assert.equal(existsSync(join(dir, 'run', 'compressed')), false);
  } finally {
    first.kill('SIGTERM');
    await waitExit(first);
  }
  assert.equal(existsSync(join(dir, 'run', '.lock')), false, 'the lock goes with the coordinator');
});

test('a coordinator that schedules compression refuses at once a <run dir>/compressed it could not publish to', async () => {
  // Before: it trained and evaluated, then the compressor failed renaming over the link or the other files
  // (ENOTDIR, ENOTEMPTY) after all that work. nats.url names no server: the check comes before the bus is opened.
  const dir = tempDir();
  const run = join(dir, 'run');
  const compressed = join(run, 'compressed');
  mkdirSync(join(dir, 'elsewhere'));
  mkdirSync(run);
  symlinkSync(join(dir, 'elsewhere'), compressed);
  const file = writeConfig(dir, sinusoidConfig(dir, { nats: { url: 'nats://127.0.0.1:1' } }));
  const advice = 'set compression.enabled: false and compress afterwards with metatrain compress --out DIR';
  const link = await runCli(['coordinator', '--config', file, '--listen', '127.0.0.1:0'], ENV, 30_000);
  assert.equal(link.code, 1, link.stderr);
  assert.equal(
    link.stderr,
    `metatrain: the result directory ${compressed}: a symbolic link to ${join(dir, 'elsewhere')}; the compressor writes a new directory in its place by renaming, so the link would be replaced (or the write fail) instead of the result landing in ${join(dir, 'elsewhere')}: remove the link, or ${advice}\n`,
  );
  rmSync(compressed);
  mkdirSync(compressed);
  writeFileSync(join(compressed, 'notes.txt'), 'keep me\n');
  const others = await runCli(['coordinator', '--config', file, '--listen', '127.0.0.1:0'], ENV, 30_000);
  assert.equal(others.code, 1, others.stderr);
  assert.equal(others.stderr, `metatrain: the result directory ${compressed} (where the run publishes its compressed model): ${compressed} already exists and holds other files (notes.txt); move them elsewhere, or ${advice}\n`);
  assert.deepEqual(readdirSync(run), ['compressed'], 'nothing written, the lock gone');
  assert.deepEqual(readdirSync(compressed), ['notes.txt']);
});

test('a coordinator refuses up front, as run does, a model whose checkpoints would exceed the largest Node buffer', async () => {
  // Before: the coordinator said listening and meta-training, and would have failed at its first checkpoint.
  const dir = tempDir();
  writeFileSync(join(dir, 'user.jsonl'), Array.from({ length: 40 }, (_, i) => JSON.stringify({ text: `text ${i % 10} number ${i}`, label: `L${i % 10}` })).join('\n'));
  const config = writeConfig(dir, {
    name: 'oversize',
    seed: 5,
    task: { family: 'jsonl', path: 'user.jsonl', ways: 2, shots: 1, queryShots: 1, passageChars: 64 },
    model: { kind: 'transformer', layers: 0, dModel: 512, heads: 2, dFf: 16, maxLength: 16, tokenizer: 'hashed-words', hashBuckets: 1048576 },
    algorithm: { name: 'fomaml', innerSteps: 1, metaBatchSize: 2, outerLr: 1e-9 },
    training: { maxSteps: 1, evalEverySteps: 1, evalTasks: 2, checkpointEverySteps: 1, patience: 100 },
    evaluation: { testTasks: 2, adaptSteps: 1, baselines: ['random'] },
    runtime: { workers: 1, backend: 'cpu', outDir: join(dir, 'run') },
    compression: { enabled: false },
  });
  const run = await runCli(['run', config]);
  assert.equal(run.code, 1, run.stderr);
  assert.match(run.stderr, /^metatrain: invalid config at model: the model has 536,\d{3},\d{3} parameters for meta-training; .*more than the largest buffer Node can write/);
  const child = startCli(['coordinator', '--config', config, '--listen', '127.0.0.1:0'], ENV);
  const r = await waitExit(child, 15_000);
  assert.equal(r.code, run.code, `exit ${r.code} ${r.signal ?? ''}\n${r.stderr}`);
  assert.equal(r.stderr, run.stderr);
  assert.equal(existsSync(join(dir, 'run')), false, 'the coordinator wrote nothing');
});
