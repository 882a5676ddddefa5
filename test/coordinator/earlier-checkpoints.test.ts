/**
 * A new run where an earlier run left checkpoints is refused with the way on that works (src/coordinator/earlier-checkpoints.ts):
 * after a run diverged, `--resume` is suggested neither with the same config (it diverges again) nor with a changed
 * one (refused); each piece of advice is followed here to check it. The real CLI (`metatrain run`, built).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CheckpointStore } from '../../src/checkpoint';
import { configHash, parseRunConfig } from '../../src/core/config';
import { CheckpointError } from '../../src/core/errors';
import { assertNoEarlierCheckpoints } from '../../src/coordinator/earlier-checkpoints';
import type { RunSummary } from '../../src/summary';
import { inputFor } from '../checkpoint/checkpoint-fixtures';
import { runCli, sinusoidConfig, tempDir, writeConfig } from '../support/harness';

test('a new run over one earlier checkpoint says that it already exists, over several how many others there are', async () => {
  // Before: "… step-00000001 and 0 other checkpoint(s) already exist".
  const dir = tempDir();
  const config = parseRunConfig({ name: 'demo', task: { family: 'sinusoid' }, model: { kind: 'sinusoid-mlp' }, runtime: { outDir: dir } });
  const store = new CheckpointStore(join(dir, 'checkpoints'), { keep: 3 });
  const first = (await store.save(inputFor(1, 4, configHash(config)))).path;
  const resume = ': continue that run with --resume, or choose another runtime.outDir (--out) or remove it';
  await assert.rejects(assertNoEarlierCheckpoints(config, store, '--out'), (e: Error) => e instanceof CheckpointError && e.message === `${first} already exists${resume}`);
  await store.save(inputFor(2, 4, configHash(config)));
  const third = (await store.save(inputFor(3, 4, configHash(config)))).path;
  await assert.rejects(assertNoEarlierCheckpoints(config, store, '--out'), (e: Error) => e instanceof CheckpointError && e.message === `${third} and 2 other checkpoint(s) already exist${resume}`);
});

test('a new run over a diverged run\'s checkpoints says --resume would diverge again or be refused, and to choose another --out; that works', async () => {
  // Before: "… already exist: continue that run with --resume, or choose another runtime.outDir (--out) or remove it",
  // for a changed config too, whose --resume was then refused ("written by config hash …").
  const dir = tempDir();
  const run = join(dir, 'run');
  const base = sinusoidConfig(dir, { compression: { enabled: false }, training: { maxSteps: 4, evalEverySteps: 2, evalTasks: 2, checkpointEverySteps: 1, patience: 100 }, evaluation: { testTasks: 2, adaptSteps: 1, baselines: [] }, runtime: { workers: 1, outDir: run, maxAttempts: 2 } });
  const withOuterLr = (outerLr: number) => ({ ...base, algorithm: { ...(base.algorithm as object), outerLr } }) as typeof base;
  const diverging = writeConfig(dir, withOuterLr(1e5), 'diverging.yaml');
  const first = await runCli(['run', diverging, '--backend', 'cpu']);
  assert.equal(first.code, 1, first.stderr);
  assert.match(first.stderr, /training diverged \(lower algorithm\.outerLr or algorithm\.innerLr\)\n$/);
  assert.equal((JSON.parse(readFileSync(join(run, 'summary.json'), 'utf8')) as RunSummary).divergence, 'training diverged (lower algorithm.outerLr or algorithm.innerLr)');
  const newest = join(run, 'checkpoints', readdirSync(join(run, 'checkpoints')).filter((f) => f.startsWith('step-')).sort().at(-1)!);
  const existing = `metatrain: ${newest} already exists`;

  const same = await runCli(['run', diverging, '--backend', 'cpu']);
  assert.equal(same.code, 1, same.stderr);
  assert.equal(same.stderr, `${existing}, of a run of this config that failed: training diverged (lower algorithm.outerLr or algorithm.innerLr); --resume would diverge again: change the config, then choose another runtime.outDir (--out) or remove it\n`);
  const resumed = await runCli(['run', diverging, '--backend', 'cpu', '--resume']);
  assert.equal(resumed.code, 1, 'resumed with the same config, it diverges again');
  assert.match(resumed.stderr, /training diverged/);
  // A summary of an earlier stop is replaced by the failure's (before: kept, so a rerun was told to --resume).
  const summaryPath = join(run, 'summary.json');
  const { divergence: _divergence, error: _error, ...stoppedEnd } = JSON.parse(readFileSync(summaryPath, 'utf8')) as RunSummary;
  writeFileSync(summaryPath, JSON.stringify({ ...stoppedEnd, reason: 'stopped' }));
  const afterStop = await runCli(['run', diverging, '--backend', 'cpu', '--resume']);
  assert.equal(afterStop.code, 1, 'resumed after a stop, it diverges again');
  const replaced = JSON.parse(readFileSync(summaryPath, 'utf8')) as RunSummary;
  assert.equal(replaced.reason, 'failed');
  assert.equal(replaced.divergence, 'training diverged (lower algorithm.outerLr or algorithm.innerLr)');

  const fixed = writeConfig(dir, withOuterLr(0.001), 'fixed.yaml');
  const changed = await runCli(['run', fixed, '--backend', 'cpu']);
  assert.equal(changed.code, 1, changed.stderr);
  assert.equal(changed.stderr, `${existing}, written by another config (changed: algorithm.outerLr: 100000 → 0.001), which --resume would refuse: choose another runtime.outDir (--out) or remove it\n`);
  const refused = await runCli(['run', fixed, '--backend', 'cpu', '--resume']);
  assert.equal(refused.code, 1, refused.stderr);
  assert.match(refused.stderr, /written by config hash .*changed: algorithm\.outerLr: 100000 → 0\.001/);
  const elsewhere = await runCli(['run', fixed, '--backend', 'cpu', '--out', join(dir, 'fixed')]);
  assert.equal(elsewhere.code, 0, elsewhere.stderr);

  // Checkpoints none of which can be loaded: --resume is not suggested either (it would be refused).
  truncateSync(join(newest, 'params.safetensors'), 10);
  const corrupt = await runCli(['run', diverging, '--backend', 'cpu']);
  assert.equal(corrupt.code, 1, corrupt.stderr);
  assert.equal(corrupt.stderr, `${existing}, which --resume could not load: choose another runtime.outDir (--out) or remove it\n`);
  const unloadable = await runCli(['run', diverging, '--backend', 'cpu', '--resume']);
  assert.equal(unloadable.code, 1, unloadable.stderr);
  assert.match(unloadable.stderr, /no valid checkpoint in /);
});

test('a new run over a finished run says it finished, at which step, and the two ways on, naming a user\'s file in its checkpoint\'s directory; --resume then evaluates it again, keeping a user\'s file in checkpoints/ and saying so', async () => {
  // Before: "… already exist: continue that run with --resume, or choose another runtime.outDir (--out) or remove it".
  const dir = tempDir();
  const out = join(dir, 'out');
  const config = writeConfig(dir, sinusoidConfig(dir, { training: { maxSteps: 2, evalEverySteps: 1, checkpointEverySteps: 1 }, evaluation: { testTasks: 2 }, compression: { enabled: false }, runtime: { workers: 1 } }));
  const first = await runCli(['run', config, '--backend', 'cpu', '--out', out]);
  assert.equal(first.code, 0, first.stderr);
  // A user's file in a checkpoint's directory is named too (before: only that the run finished).
  const step = join(out, 'checkpoints', 'step-00000002');
  writeFileSync(join(step, 'notes.md'), 'mine');
  const again = await runCli(['run', config, '--backend', 'cpu', '--out', out]);
  assert.equal(again.code, 1, again.stdout);
  assert.equal(again.stderr, `metatrain: ${out} holds a finished run (succeeded at step 2, see ${join(out, 'summary.json')}): give --out a new directory to run again, or --resume to evaluate and compress it again; ${step} holds files a checkpoint does not (notes.md): move them elsewhere\n`);
  rmSync(join(step, 'notes.md'));
  // A user's file in checkpoints/ is kept by --resume, which says so (a new run refuses it).
  const users = join(out, 'checkpoints', '.tmp-x');
  writeFileSync(users, 'mine');
  const resumed = await runCli(['run', config, '--backend', 'cpu', '--out', out, '--resume']);
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.ok(resumed.stderr.includes(`warning: --out ${out} holds files that are not a run's (checkpoints/.tmp-x): --resume leaves them as they are and ignores them\n`), resumed.stderr);
  assert.equal(readFileSync(users, 'utf8'), 'mine');
  // A stopped run is still told to continue with --resume.
  const summaryPath = join(out, 'summary.json');
  writeFileSync(summaryPath, JSON.stringify({ ...(JSON.parse(readFileSync(summaryPath, 'utf8')) as RunSummary), reason: 'stopped' }));
  const stopped = await runCli(['run', config, '--backend', 'cpu', '--out', out]);
  assert.equal(stopped.code, 1, stopped.stdout);
  assert.match(stopped.stderr, /step-00000002 and 1 other checkpoint\(s\) already exist: continue that run with --resume/);
});

test('a new run over a checkpoint directory holding only a user\'s files names them, not --resume or removing it', async () => {
  // Before: "… step-00000001 already exists, which --resume could not load: choose another runtime.outDir (--out) or remove it".
  const dir = tempDir();
  const out = join(dir, 'out');
  const step = join(out, 'checkpoints', 'step-00000001');
  mkdirSync(step, { recursive: true });
  writeFileSync(join(step, 'notes.txt'), 'my notes\n');
  const config = writeConfig(dir, sinusoidConfig(dir));
  const r = await runCli(['run', config, '--backend', 'cpu', '--out', out]);
  assert.equal(r.code, 1, r.stdout);
  // A step-* directory holding none of a checkpoint's files (what removing an old checkpoint leaves of one holding a
  // user's files) is no checkpoint: its files are named as any other file that is not a run's.
  assert.equal(r.stderr, `metatrain: --out ${out} holds files that are not a run's (checkpoints/step-00000001/notes.txt): the run's checkpoints, logs and reports would be written there beside them, over any of the same name; give --out a new or empty directory, or move them elsewhere\n`);
  assert.equal(readFileSync(join(step, 'notes.txt'), 'utf8'), 'my notes\n');
});
