/**
 * Logs as JSON lines to a file or stderr (src/core/logger.ts), through a symbolic link when the user names one
 * (`--log-file /dev/stderr`). A link in a run directory's `logs/` is refused by the run: test/cli/run-directory-links.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { createLogger } from '../../src/core/logger';
import { startCli, tempDir, waitExit } from '../support/harness';

test('a worker given --log-file /dev/stderr writes its log lines to stderr', async () => {
  // Before: refused with `cannot write /dev/stderr: it is a symbolic link (to /proc/self/fd/2)`. Its stderr is a file
  // here (as `2>worker.err`): a socket, as a spawned child's pipe is, cannot be opened by its /proc path on Linux.
  const stderr = join(tempDir(), 'worker.err');
  const worker = startCli(['worker', '--coordinator', '127.0.0.1:1', '--log-file', '/dev/stderr', '--max-backoff-ms', '1000', `2>${stderr}`], { METATRAIN_TOKEN: 't' }, undefined, true);
  try {
    const text = () => (existsSync(stderr) ? readFileSync(stderr, 'utf8') : '');
    for (const end = Date.now() + 30_000; !text().includes('not reachable') && worker.exitCode === null && Date.now() < end; ) await new Promise((r) => setTimeout(r, 50));
    const line = JSON.parse(text().split('\n')[0]!) as { component: string; msg: string };
    assert.equal(line.component, 'worker');
    assert.match(line.msg, /^coordinator 127\.0\.0\.1:1 not reachable/);
  } finally {
    worker.kill('SIGTERM');
    await waitExit(worker, 10_000);
  }
});

test('a log file named through a symbolic link is appended to where the link leads', () => {
  const dir = tempDir();
  const target = join(dir, 'elsewhere.log');
  const link = join(dir, 'worker.log');
  symlinkSync(target, link);
  createLogger('worker', link).info('through');
  assert.equal((JSON.parse(readFileSync(target, 'utf8')) as { msg: string }).msg, 'through');
});

test('a log file is appended to, created when missing', () => {
  const file = join(tempDir(), 'logs', 'worker-0.log');
  createLogger('worker', file).info('first');
  createLogger('worker', file).info('second');
  assert.deepEqual(readFileSync(file, 'utf8').trim().split('\n').map((line) => (JSON.parse(line) as { msg: string }).msg), ['first', 'second']);
});
