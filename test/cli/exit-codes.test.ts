import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { freePort, sinusoidConfig, startCli, tempDir, untilCheckpoint, waitExit, waitForOutput, writeConfig } from '../support/harness';

const TOKEN = { METATRAIN_TOKEN: 'exit-code-token' };
const endless = (dir: string) => sinusoidConfig(dir, { training: { maxSteps: 100_000, evalEverySteps: 1000, checkpointEverySteps: 2 } });

test('coordinator stopped by SIGTERM exits 143 and a worker stopped by SIGINT exits 130, both after a graceful stop', async () => {
  const dir = tempDir();
  const config = writeConfig(dir, endless(dir));
  const address = `127.0.0.1:${await freePort()}`;
  const coordinator = startCli(['coordinator', '--config', config, '--listen', address], TOKEN);
  const worker = startCli(['worker', '--coordinator', address, '--name', 'w0', '--max-backoff-ms', '500'], TOKEN);
  try {
    await untilCheckpoint(coordinator, join(dir, 'run'));
    coordinator.kill('SIGTERM');
    const stopped = await waitExit(coordinator);
    assert.equal(stopped.code, 143, stopped.stderr);
    assert.match(stopped.stdout, /"event":"finished","reason":"stopped"/);
    assert.match(stopped.stderr, /stopping: checkpointing the last completed step/);
    worker.kill('SIGINT');
    const left = await waitExit(worker);
    assert.equal(left.code, 130, left.stderr);
  } finally {
    coordinator.kill('SIGKILL');
    worker.kill('SIGKILL');
  }
});

test('metatrain run stopped by SIGTERM exits 143 after checkpointing, with the resume hint', async () => {
  const dir = tempDir();
  const run = startCli(['run', writeConfig(dir, endless(dir)), '--workers', '1']);
  try {
    await untilCheckpoint(run, join(dir, 'run'));
    run.kill('SIGTERM');
    const result = await waitExit(run);
    assert.equal(result.code, 143, result.stderr);
    assert.match(result.stderr, /continue with: metatrain run .* --resume/);
  } finally {
    run.kill('SIGKILL');
  }
});

test('metatrain watch stopped by SIGINT exits 130', async () => {
  const port = await freePort();
  const watch = startCli(['watch', 'some-run', '--coordinator', `127.0.0.1:${port}`, '--give-up-ms', '60000'], TOKEN);
  try {
    await waitForOutput(watch, (text) => text.includes('watching run some-run'));
    watch.kill('SIGINT');
    const result = await waitExit(watch);
    assert.equal(result.code, 130, result.stderr);
    assert.match(result.stderr, /stopped watching run some-run \(SIGINT\)/);
  } finally {
    watch.kill('SIGKILL');
  }
});

test('Ctrl-C or SIGTERM while metatrain run is still loading its modules exits 130 / 143, not by the signal', async () => {
  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    const dir = tempDir();
    const run = startCli(['run', writeConfig(dir, endless(dir)), '--workers', '1']);
    // Loading the modules takes about a second; node itself starts in well under 300 ms.
    await new Promise((r) => setTimeout(r, 300));
    run.kill(signal);
    const result = await waitExit(run, 30_000);
    assert.deepEqual({ code: result.code, signal: result.signal }, { code, signal: null }, `${signal}: ${result.stderr}`);
  }
});
