import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { WriteError } from '../../src/core/errors';
import { createLogger } from '../../src/core/logger';
import { tempDir } from '../support/harness';

test('a log file that is a symbolic link is refused, naming it and its target, and nothing is appended to the target', () => {
  // Before: opened through the link, the log was appended to the file it points to.
  const dir = tempDir();
  const target = join(dir, 'precious.log');
  writeFileSync(target, 'mine\n');
  const link = join(dir, 'coordinator.log');
  symlinkSync(target, link);
  assert.throws(
    () => createLogger('coordinator', link),
    (err: unknown) => err instanceof WriteError && err.message === `cannot write ${link}: it is a symbolic link (to ${target}); a log is appended only to a real file: give the real file's path, or remove the link`,
  );
  assert.equal(readFileSync(target, 'utf8'), 'mine\n');
});

test('a log file is appended to, created when missing', () => {
  const file = join(tempDir(), 'logs', 'worker-0.log');
  createLogger('worker', file).info('first');
  createLogger('worker', file).info('second');
  assert.deepEqual(readFileSync(file, 'utf8').trim().split('\n').map((line) => (JSON.parse(line) as { msg: string }).msg), ['first', 'second']);
});
