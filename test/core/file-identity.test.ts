import { test } from 'node:test';
import assert from 'node:assert/strict';
import { linkSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileIdentity, identityOfStats } from '../../src/core/file-identity';
import { tempDir } from '../support/harness';

test('two names of one file (a hard link, a symbolic link, ./) have one identity; two files have two', () => {
  const dir = tempDir();
  const a = join(dir, 'a.txt');
  writeFileSync(a, 'text');
  writeFileSync(join(dir, 'b.txt'), 'text');
  linkSync(a, join(dir, 'hard.txt'));
  symlinkSync(a, join(dir, 'soft.txt'));
  mkdirSync(join(dir, 'sub'));
  for (const other of ['hard.txt', 'soft.txt', 'sub/../a.txt']) assert.equal(fileIdentity(join(dir, other)), fileIdentity(a), other);
  assert.notEqual(fileIdentity(join(dir, 'b.txt')), fileIdentity(a));
  assert.equal(fileIdentity(join(dir, 'missing.txt')), join(dir, 'missing.txt'));
});

test('inode numbers above 2^53 stay distinct, and an inode of 0 (a file system without them) is no identity: the real path is', () => {
  // Before: numbers from statSync rounded 2^53 + 1 to 2^53 (two files taken for one), and every file of a file
  // system reporting inode 0 was the same "dev:0".
  const dir = tempDir();
  const [a, b] = [join(dir, 'a.txt'), join(dir, 'b.txt')];
  writeFileSync(a, 'a');
  writeFileSync(b, 'b');
  const big = 2n ** 53n;
  assert.notEqual(identityOfStats(a, { dev: 1n, ino: big }), identityOfStats(b, { dev: 1n, ino: big + 1n }));
  assert.equal(identityOfStats(a, { dev: 1n, ino: big + 1n }), `1:${big + 1n}`);
  assert.equal(identityOfStats(a, { dev: 1n, ino: 0n }), a);
  assert.notEqual(identityOfStats(a, { dev: 1n, ino: 0n }), identityOfStats(b, { dev: 1n, ino: 0n }));
  assert.equal(identityOfStats(join(dir, '.', 'a.txt'), { dev: 1n, ino: 0n }), a);
});
