/**
 * `metatrain … | head`: the reader of the command's output goes away (src/core/closed-reader.ts). Before, `run`
 * exited with code 7 at its next progress line and a coordinator hung, ignoring SIGTERM; now the output is dropped
 * and the command carries on.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { sinusoidConfig, startCli, tempDir, waitExit, waitForOutput, writeConfig } from '../support/harness';

/** Closes both of `child`'s output pipes on our side, as `head` does when it has read enough. */
function closeReaders(child: ReturnType<typeof startCli>): void {
  child.stdout!.destroy();
  child.stderr!.destroy();
}

test('run finishes (exit 0, summary written) when the reader of its output leaves after the first line', async () => {
  const dir = tempDir();
  const config = writeConfig(dir, sinusoidConfig(dir, { runtime: { workers: 1 } }));
  const child = startCli(['run', config, '--backend', 'cpu']);
  await waitForOutput(child, (text) => text.includes('coordinator on'));
  closeReaders(child);
  const r = await waitExit(child, 120_000);
  assert.equal(r.code, 0, `exit ${r.code} ${r.signal ?? ''}`);
  assert.ok(existsSync(join(dir, 'run', 'summary.json')), 'the run did not finish');
});

test('a coordinator whose reader left still stops on SIGTERM', async () => {
  const dir = tempDir();
  const config = writeConfig(dir, sinusoidConfig(dir));
  const child = startCli(['coordinator', '--config', config, '--listen', '127.0.0.1:0'], { METATRAIN_TOKEN: 'closed-reader-token', METATRAIN_LOG_LEVEL: 'info' });
  await waitForOutput(child, (text) => text.includes('"listening"'));
  closeReaders(child);
  // Its log lines (and the stop message) now go to a closed pipe.
  await new Promise((r) => setTimeout(r, 500));
  child.kill('SIGTERM');
  const r = await waitExit(child, 30_000);
  assert.notEqual(r.signal, 'SIGKILL', 'the coordinator ignored SIGTERM and was killed after 30 s');
  assert.equal(r.code, 143, `exit ${r.code} ${r.signal ?? ''}`);
});

test('watch ends (exit 0) at its next line once the reader of its output has left, as tail -f | head does', async () => {
  // Before: `metatrain watch … | head` watched on until the run ended, its lines dropped.
  const dir = tempDir();
  const config = writeConfig(dir, sinusoidConfig(dir, { name: 'watch-head', training: { maxSteps: 400, evalEverySteps: 100, checkpointEverySteps: 100 }, runtime: { workers: 1, metricsPort: 0 } }));
  const env = { METATRAIN_TOKEN: 'closed-reader-token' };
  const coordinator = startCli(['coordinator', '--config', config, '--listen', '127.0.0.1:0'], env);
  const children = [coordinator];
  try {
    await waitForOutput(coordinator, (text) => text.includes('"listening"'), 30_000);
    const { port, metricsPort } = JSON.parse(coordinator.output.stdout.split('\n').find((l) => l.includes('"listening"'))!) as { port: number; metricsPort: number };
    const watch = startCli(['watch', 'watch-head', '--coordinator', `http://127.0.0.1:${metricsPort}`, '--interval-ms', '100'], env);
    children.push(watch);
    await waitForOutput(watch, (text) => text.includes('watching run'), 30_000);
    closeReaders(watch);
    children.push(startCli(['worker', '--coordinator', `127.0.0.1:${port}`, '--name', 'w0'], env));
    const r = await waitExit(watch, 30_000);
    assert.equal(r.code, 0, `exit ${r.code} ${r.signal ?? ''}`);
    assert.ok(!existsSync(join(dir, 'run', 'summary.json')), 'watch ended before the run did');
  } finally {
    for (const c of children) c.kill('SIGKILL');
  }
});
