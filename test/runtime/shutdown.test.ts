import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { finalParamsBytes, freePort, runCli, sinusoidConfig, startCli, tempDir, waitExit, writeConfig } from '../support/harness';

const TOKEN = { METATRAIN_TOKEN: 'shutdown-token' };
const longRun = (dir: string) => sinusoidConfig(dir, { training: { maxSteps: 400, evalEverySteps: 100, checkpointEverySteps: 100 } });

function checkpointSteps(runDir: string): number[] {
  const dir = join(runDir, 'checkpoints');
  return existsSync(dir) ? readdirSync(dir).filter((n) => n.startsWith('step-')).map((n) => Number(n.slice(5))) : [];
}

test('SIGTERM stops the coordinator gracefully: exit 0, last completed step checkpointed, resume ends where an undisturbed run does', async () => {
  const dir = tempDir();
  const config = writeConfig(dir, longRun(dir));
  const address = `127.0.0.1:${await freePort()}`;
  const workers = [0, 1].map((i) => startCli(['worker', '--coordinator', address, '--name', `w${i}`, '--max-backoff-ms', '500'], TOKEN));
  try {
    const coordinator = startCli(['coordinator', '--config', config, '--listen', address], TOKEN);
    while (!checkpointSteps(join(dir, 'run')).includes(100)) {
      assert.equal(coordinator.exitCode, null, coordinator.output.stderr);
      await new Promise((r) => setTimeout(r, 20));
    }
    coordinator.kill('SIGTERM');
    const stopped = await waitExit(coordinator);
    assert.equal(stopped.code, 0, stopped.stderr);
    const steps = checkpointSteps(join(dir, 'run'));
    const last = Math.max(...steps);
    assert.ok(last >= 100 && last < 400, `checkpoints after SIGTERM: ${steps.join(', ')}`);
    const resumed = await waitExit(startCli(['coordinator', '--config', config, '--listen', address, '--resume'], TOKEN));
    assert.equal(resumed.code, 0, resumed.stderr);
  } finally {
    for (const w of workers) w.kill('SIGKILL');
  }
  const ref = tempDir();
  const undisturbed = await runCli(['run', writeConfig(ref, longRun(ref))]);
  assert.equal(undisturbed.code, 0, undisturbed.stderr);
  assert.ok(finalParamsBytes(join(dir, 'run'), 400).equals(finalParamsBytes(join(ref, 'run'), 400)));
});

test('Ctrl-C on metatrain run stops every process and says how to resume', async () => {
  const dir = tempDir();
  const config = writeConfig(dir, longRun(dir));
  const run = startCli(['run', config]);
  while (!checkpointSteps(join(dir, 'run')).includes(100)) {
    assert.equal(run.exitCode, null, run.output.stderr);
    await new Promise((r) => setTimeout(r, 20));
  }
  run.kill('SIGINT');
  const result = await waitExit(run);
  assert.equal(result.code, 130, result.stderr);
  assert.match(result.stderr, /continue with: metatrain run .* --resume/);
  // No worker of this run is left behind.
  const ps = execFileSync('ps', ['-eo', 'args']).toString();
  assert.doesNotMatch(ps, new RegExp(join(dir, 'run', 'logs').replace(/[/.]/g, '\\$&')));
});

test('a finished run resumed with a larger training.maxSteps trains on to the new budget', async () => {
  const dir = tempDir();
  const first = await runCli(['run', writeConfig(dir, sinusoidConfig(dir))]);
  assert.equal(first.code, 0, first.stderr);
  const longer = await runCli(['run', writeConfig(dir, sinusoidConfig(dir, { training: { maxSteps: 16 } }), 'longer.yaml'), '--resume']);
  assert.equal(longer.code, 0, longer.stderr);
  assert.match(longer.stderr, /resumed from .*step-00000012/);
  assert.ok(checkpointSteps(join(dir, 'run')).includes(16));
  // Any other change is a different run, and resuming it is refused.
  const other = await runCli(['run', writeConfig(dir, sinusoidConfig(dir, { seed: 4, training: { maxSteps: 20 } }), 'other.yaml'), '--resume']);
  assert.equal(other.code, 1);
  assert.match(other.stderr, /resuming a different run would be wrong/);
});
