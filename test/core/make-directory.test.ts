import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DirectoryError } from '../../src/core/errors';
import { makeDirectory, makeDirectorySync } from '../../src/core/make-directory';
import { checkCanCreateDirectory, makeStagingDirectory } from '../../src/core/durable-fs';

const noProc = !existsSync('/proc/self') && 'needs Linux /proc';

/** Fails the test instead of hanging it when `p` never settles (Node's recursive mkdir under /proc). */
function within<T>(p: Promise<T>, ms = 5000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`did not settle within ${ms} ms`)), ms)));
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

test('makeDirectory and makeDirectorySync create missing parents and leave existing directories alone', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'metatrain-mkdir-'));
  try {
    await makeDirectory(join(dir, 'a', 'b', 'c'));
    makeDirectorySync(join(dir, 'x', 'y'));
    assert.ok(statSync(join(dir, 'a', 'b', 'c')).isDirectory() && statSync(join(dir, 'x', 'y')).isDirectory());
    writeFileSync(join(dir, 'a', 'b', 'c', 'keep'), 'data');
    await makeDirectory(join(dir, 'a', 'b', 'c'));
    makeDirectorySync(join(dir, 'a', 'b', 'c'));
    assert.deepEqual(readdirSync(join(dir, 'a', 'b', 'c')), ['keep']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a file in the way is a DirectoryError naming the directory asked for and the file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'metatrain-mkdir-'));
  try {
    const file = join(dir, 'file');
    writeFileSync(file, 'x');
    const target = join(file, 'sub');
    const expected = (e: unknown) =>
      e instanceof DirectoryError && e.path === target && e.code === 'EEXIST' && e.message === `cannot create directory ${target}: ${file} exists and is not a directory`;
    await assert.rejects(makeDirectory(target), expected);
    assert.throws(() => makeDirectorySync(target), expected);
    assert.throws(() => makeDirectorySync(file), (e: unknown) => e instanceof DirectoryError && e.message === `cannot create directory ${file}: ${file} exists and is not a directory`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('under /proc, creating a directory fails at once with a DirectoryError instead of hanging', { skip: noProc }, async () => {
  const expected = (target: string, level: string) => (e: unknown) =>
    e instanceof DirectoryError &&
    e.path === target &&
    e.code === 'ENOENT' &&
    e.message === `cannot create directory ${target}: /proc does not accept new entries (mkdir ${level} failed with ENOENT although /proc exists)`;
  await within(assert.rejects(makeDirectory('/proc/metatrain-x'), expected('/proc/metatrain-x', '/proc/metatrain-x')));
  await within(assert.rejects(makeDirectory('/proc/metatrain-x/y/z'), expected('/proc/metatrain-x/y/z', '/proc/metatrain-x')));
  assert.throws(() => makeDirectorySync('/proc/metatrain-x/y'), expected('/proc/metatrain-x/y', '/proc/metatrain-x'));
  // A staging directory beside an output directory is reported as the output directory, not its temporary name.
  await within(assert.rejects(makeStagingDirectory('/proc/metatrain-out'), expected('/proc/metatrain-out', '/proc/metatrain-out')));
  await within(assert.rejects(checkCanCreateDirectory('/proc/metatrain-out/sub'), expected('/proc/metatrain-out/sub', '/proc/metatrain-out')));
});

test('checkCanCreateDirectory creates the parents but leaves neither the directory nor a staging directory behind', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'metatrain-mkdir-'));
  try {
    await checkCanCreateDirectory(join(dir, 'parent', 'out'));
    assert.deepEqual(readdirSync(join(dir, 'parent')), []);
    const staging = await makeStagingDirectory(join(dir, 'parent', 'out'));
    assert.match(staging, /[/\\]parent[/\\]\.tmp-out-\d+-\d+$/);
    assert.ok(statSync(staging).isDirectory());
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
