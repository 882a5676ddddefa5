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
