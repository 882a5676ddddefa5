import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { compressionOutDirProblem } from '../../src/cli/compression-out-directory';
import { tempDir } from '../support/harness';

test('an empty directory where a compression is to be published is refused, as adapt refuses it, and left with its permissions', () => {
  // Before: it was taken, and the result, a new directory renamed to its path, replaced it: a 700 directory became 755.
  const dir = tempDir();
  const empty = join(dir, 'private');
  mkdirSync(empty, { mode: 0o700 });
  assert.deepEqual(compressionOutDirProblem(empty), {
    kind: 'empty',
    problem: `${empty} already exists (empty, but the result is a new directory renamed to this path: it would replace this one and its permissions, and cannot replace a mount point)`,
  });
  assert.equal(statSync(empty).mode & 0o777, 0o700);
  assert.equal(compressionOutDirProblem(join(dir, 'missing')), undefined);
  writeFileSync(join(empty, 'compression.json'), '{}\n');
  assert.equal(compressionOutDirProblem(empty), undefined, 'a committed result is left to the job');
});
