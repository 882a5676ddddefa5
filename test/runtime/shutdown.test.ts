import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { checkpointSteps, finalParamsBytes, freePort, runCli, sinusoidConfig, startCli, tempDir, untilCheckpoint, waitExit, waitForOutput, writeConfig } from '../support/harness';
import { shellWord } from '../../src/core/shell-word';
import type { RunSummary } from '../../src/summary';

const TOKEN = { METATRAIN_TOKEN: 'shutdown-token' };
const longRun = (dir: string) => sinusoidConfig(dir, { training: { maxSteps: 200, evalEverySteps: 50, checkpointEverySteps: 50 } });
/** Four meta-training steps on one worker, then what `overrides` make slow enough for a signal to land in. */
const shortRun = (dir: string, overrides: Parameters<typeof sinusoidConfig>[1]) =>
  sinusoidConfig(dir, { training: { maxSteps: 4, evalEverySteps: 4, evalTasks: 4, checkpointEverySteps: 4, patience: 100 }, runtime: { workers: 1, outDir: join(dir, 'run') }, ...overrides });

test('SIGTERM stops the coordinator gracefully: exit 143, last completed step checkpointed, resume ends where an undisturbed run does, keeping a user\'s file in checkpoints/ and saying so', async () => {
  const dir = tempDir();
  const config = writeConfig(dir, longRun(dir));
  const address = `127.0.0.1:${await freePort()}`;
  const workers = [0, 1].map((i) => startCli(['worker', '--coordinator', address, '--name', `w${i}`, '--max-backoff-ms', '500'], TOKEN));
  try {
    const coordinator = startCli(['coordinator', '--config', config, '--listen', address], TOKEN);
    await untilCheckpoint(coordinator, join(dir, 'run'), 50);
    coordinator.kill('SIGTERM');
    const stopped = await waitExit(coordinator);
    assert.equal(stopped.code, 143, stopped.stderr);
    const steps = checkpointSteps(join(dir, 'run'));
    const last = Math.max(...steps);
    assert.ok(last >= 50 && last < 200, `checkpoints after SIGTERM: ${steps.join(', ')}`);
    // A user's file in checkpoints/ is kept by --resume, which says so, as run --resume does.
    const users = join(dir, 'run', 'checkpoints', '.tmp-x');
    writeFileSync(users, 'mine');
    const resumed = await waitExit(startCli(['coordinator', '--config', config, '--listen', address, '--resume'], TOKEN));
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.ok(resumed.stderr.includes(`warning: runtime.outDir ${join(dir, 'run')} holds files that are not a run's (checkpoints/.tmp-x): --resume leaves them as they are and ignores them\n`), resumed.stderr);
    assert.equal(readFileSync(users, 'utf8'), 'mine');
  } finally {
    for (const w of workers) w.kill('SIGKILL');
  }
  const ref = tempDir();
  const undisturbed = await runCli(['run', writeConfig(ref, longRun(ref))]);
  assert.equal(undisturbed.code, 0, undisturbed.stderr);
  assert.ok(finalParamsBytes(join(dir, 'run'), 200).equals(finalParamsBytes(join(ref, 'run'), 200)));
});

test('Ctrl-C on metatrain run stops every process and says how to resume', async () => {
  const dir = tempDir();
  const config = writeConfig(dir, longRun(dir));
  const run = startCli(['run', config]);
  await untilCheckpoint(run, join(dir, 'run'), 50);
  run.kill('SIGINT');
  const result = await waitExit(run);
  assert.equal(result.code, 130, result.stderr);
  assert.match(result.stderr, /stopping: checkpointing the last completed step/);
  assert.match(result.stderr, /continue with: metatrain run .* --resume/);
  // No worker of this run is left behind.
  const ps = execFileSync('ps', ['-eo', 'args']).toString();
  assert.doesNotMatch(ps, new RegExp(join(dir, 'run', 'logs').replace(/[/.]/g, '\\$&')));
});

test('Ctrl-C on metatrain run <(cat run.yaml) says the config cannot be read again instead of naming the /dev/fd path', async () => {
  const dir = tempDir();
  const config = writeConfig(dir, longRun(dir));
  const run = startCli(['run', `<(cat ${shellWord(config)})`, '--workers', '1'], {}, undefined, true);
  await untilCheckpoint(run, join(dir, 'run'), 50);
  run.kill('SIGINT');
  const result = await waitExit(run);
  assert.equal(result.code, 130, result.stderr);
  assert.match(result.stderr, /continue with: metatrain run <the same config> --workers 1 --resume \(the config came from a pipe, \/dev\/fd\/\d+, which cannot be read again\)\n/);
});

test('Ctrl-C on metatrain run before its first step completes says to start again without --resume, with the options given, and that command runs', async () => {
  const dir = tempDir();
  // Second-order MAML with 300 inner steps: the first step takes seconds, so the signal lands before it completes.
  const slow = sinusoidConfig(dir, { algorithm: { innerSteps: 300 } });
  const config = writeConfig(dir, slow);
  // One worker by --workers (the config says 2): the hint repeats it, as it repeats every option given.
  const run = startCli(['run', config, '--workers', '1']);
  await waitForOutput(run, (text) => text.includes('coordinator on 127.0.0.1'));
  run.kill('SIGINT');
  const result = await waitExit(run);
  assert.equal(result.code, 130, result.stderr);
  assert.deepEqual(checkpointSteps(join(dir, 'run')), [], 'the signal landed before the first checkpoint');
  assert.match(result.stderr, /\nstopping \(a second Ctrl-C or SIGTERM exits at once\)\n/);
  assert.doesNotMatch(result.stderr, /checkpointing/);
  assert.match(result.stderr, /\[stopped\] meta-training stopped by a graceful stop before its first step completed: no checkpoint was written; start the run again without --resume/);
  assert.ok(result.stderr.includes(`stopped at step 0; no checkpoint was written: start again with: metatrain run ${config} --workers 1 (without --resume)\n`), result.stderr);
  assert.doesNotMatch(result.stderr, /continue with:/);
  // The command it names runs (a quick config in the same run directory); --resume would have been refused.
  const again = await runCli(['run', writeConfig(dir, sinusoidConfig(dir, { runtime: { workers: 1 } }))]);
  assert.equal(again.code, 0, again.stderr);
});

test('a finished run resumed with a larger training.maxSteps trains on to the new budget', async () => {
  const dir = tempDir();
  const first = await runCli(['run', writeConfig(dir, sinusoidConfig(dir))]);
  assert.equal(first.code, 0, first.stderr);
  const longer = await runCli(['run', writeConfig(dir, sinusoidConfig(dir, { training: { maxSteps: 16 } }), 'longer.yaml'), '--resume']);
  assert.equal(longer.code, 0, longer.stderr);
  assert.match(longer.stderr, /resumed from .*step-00000012/);
  // Progress counts runs of a task by an initialization, and says so (before: "5/20" beside a table of 10 tasks).
  assert.match(longer.stdout + longer.stderr, /meta-test evaluation \(\d+ tasks × \d+ initializations\): \d+\/\d+/);
  assert.ok(checkpointSteps(join(dir, 'run')).includes(16));
  // Its compressed model is now that of step 16, replacing the one of step 12 (before: the run failed over it).
  assert.equal((JSON.parse(readFileSync(join(dir, 'run', 'compressed', 'compression.json'), 'utf8')) as { step: number }).step, 16);
  // Any other change is a different run, and resuming it is refused.
  const targets = readFileSync(join(dir, 'run', 'targets.json'), 'utf8');
  const other = await runCli(['run', writeConfig(dir, sinusoidConfig(dir, { seed: 4, training: { maxSteps: 20 } }), 'other.yaml'), '--resume']);
  assert.equal(other.code, 1);
  assert.match(other.stderr, /\(changed: seed: \d+ → 4\); resuming a different run would be wrong/);
  assert.doesNotMatch(other.stderr + other.stdout, /\[training\]/, 'refused before anything starts');
  assert.equal(readFileSync(join(dir, 'run', 'targets.json'), 'utf8'), targets, 'the run directory is left as it was');
});

test('Ctrl-C on metatrain run while compressing exits 130 with the resume hint; --resume then finishes the compression', async () => {
  const dir = tempDir();
  // Enough compression steps (a few seconds) for the signal to land while the job runs.
  const config = writeConfig(
    dir,
    shortRun(dir, {
      evaluation: { testTasks: 4, adaptSteps: 1, baselines: ['random'] },
      compression: { distillSteps: 1500, pruneSteps: 500, recoverySteps: 200, evalTasks: 5 },
    }),
  );
  const run = startCli(['run', config]);
  await waitForOutput(run, (text) => text.includes('[compressing]'));
  run.kill('SIGINT');
  const stopped = await waitExit(run);
  assert.equal(stopped.code, 130, stopped.stderr);
  assert.match(stopped.stderr, /stopped during compression; continue with: metatrain run .* --resume/);
  assert.doesNotMatch(stopped.stderr, /\[succeeded\]/);
  const summaryFile = join(dir, 'run', 'summary.json');
  assert.equal((JSON.parse(readFileSync(summaryFile, 'utf8')) as RunSummary).compression?.status, 'queued');

  const resumed = await runCli(['run', config, '--resume']);
  assert.equal(resumed.code, 0, resumed.stderr);
  const summary = JSON.parse(readFileSync(summaryFile, 'utf8')) as RunSummary;
  assert.equal(summary.compression?.status, 'succeeded');
  assert.ok(existsSync(join(dir, 'run', 'compressed', 'model.onnx')));
});

test('Ctrl-C on metatrain run during the final evaluation exits 130 with the resume hint, not as a failure; --resume then evaluates', async () => {
  const dir = tempDir();
  // 2 × 1000 meta-test tasks on one worker: seconds of evaluation, for the signal to land in it.
  const config = writeConfig(dir, shortRun(dir, { evaluation: { testTasks: 1000, adaptSteps: 2, baselines: ['random'] }, compression: { enabled: false } }));
  const run = startCli(['run', config]);
  await waitForOutput(run, (text) => text.includes('[evaluating]'));
  run.kill('SIGINT');
  const stopped = await waitExit(run);
  assert.equal(stopped.code, 130, stopped.stderr);
  assert.doesNotMatch(stopped.stderr, /\[failed\]|coordinator stopping/);
  assert.match(stopped.stderr, /\[stopped\] evaluation after meta-training step 4 interrupted by a graceful stop/);
  assert.ok(stopped.stderr.includes(`stopped at step 4; continue with: metatrain run ${config} --resume\n`), stopped.stderr);
  const summaryFile = join(dir, 'run', 'summary.json');
  assert.equal((JSON.parse(readFileSync(summaryFile, 'utf8')) as RunSummary).reason, 'stopped');

  const resumed = await runCli(['run', config, '--resume']);
  assert.equal(resumed.code, 0, resumed.stderr);
  const summary = JSON.parse(readFileSync(summaryFile, 'utf8')) as RunSummary;
  assert.equal(summary.reason, 'max-steps');
  assert.deepEqual(summary.results.map((r) => r.name), ['meta-learned', 'random']);
});

test('metatrain run --resume without a checkpoint is an error naming the directory, and creates nothing', async () => {
  const dir = tempDir();
  const config = writeConfig(dir, sinusoidConfig(dir));
  const out = join(dir, 'runs', 'doesnotexist');
  const result = await runCli(['run', config, '--resume', '--out', out]);
  assert.equal(result.code, 1, result.stderr);
  assert.match(result.stderr, new RegExp(`no checkpoint to resume in ${out.replace(/[/.]/g, '\\$&')}.*drop --resume to start a new run`));
  assert.ok(!existsSync(join(dir, 'runs')), 'no run directory is created');
  assert.ok(!existsSync(join(dir, 'run')));
});

test('metatrain run without --resume over an earlier run refuses before starting anything, and leaves the run untouched', async () => {
  const dir = tempDir();
  const config = writeConfig(dir, sinusoidConfig(dir));
  const first = await runCli(['run', config]);
  assert.equal(first.code, 0, first.stderr);
  const logs = join(dir, 'run', 'logs');
  const before = readdirSync(logs).map((f) => [f, statSync(join(logs, f)).mtimeMs]);
  const again = await runCli(['run', config]);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /run holds a finished run \(succeeded at step 12, see .*summary\.json\): give --out a new directory to run again, or --resume to evaluate and compress it again/);
  assert.doesNotMatch(again.stderr + again.stdout, /\[training\]/, 'nothing started');
  assert.deepEqual(readdirSync(logs).map((f) => [f, statSync(join(logs, f)).mtimeMs]), before, 'logs untouched');
});
