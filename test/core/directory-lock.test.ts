import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readlinkSync, rmdirSync, statSync, symlinkSync, writeFileSync, mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { assertNotLocked, LOCK_FILE, lockDirectory, MAX_LOCK_FILE_BYTES } from '../../src/core/directory-lock';
import { DirectoryBusyError, DirectoryError } from '../../src/core/errors';
import { tempDir } from '../support/harness';

const lockModule = require.resolve('../../src/core/directory-lock');
const tsx = lockModule.endsWith('.ts') ? ['--import', 'tsx'] : [];

/** A child process that takes `dir` and waits (until killed), printing `locked` once it holds it; SIGTERM exits as the CLI's commands do. */
function holder(dir: string) {
  const child = spawn(process.execPath, [...tsx, '-e', `require(${JSON.stringify(lockModule)}).lockDirectory(${JSON.stringify(dir)}, 'run directory'); process.on('SIGTERM', () => process.exit(143)); console.log('locked'); setInterval(() => {}, 1000)`], { stdio: ['ignore', 'pipe', 'inherit'] });
  const locked = new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (b: Buffer) => b.toString().includes('locked') && resolve());
    child.on('exit', (code) => reject(new Error(`holder exited with ${code}`)));
  });
  return { child, locked };
}

test('a directory held by a live process is refused, naming the holder; released when that process exits', async () => {
  const dir = join(tempDir(), 'runs', 'twin');
  const h = holder(dir);
  await h.locked;
  try {
    const held = JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8')) as { pid: number };
    assert.equal(held.pid, h.child.pid);
    assert.throws(() => lockDirectory(dir, 'run directory'), (err: unknown) => err instanceof DirectoryBusyError && new RegExp(`^run directory ${dir} is in use by another metatrain process \\(pid ${h.child.pid}, .*\\): wait for it to end or stop it`).test(err.message));
  } finally {
    h.child.kill('SIGTERM');
    await new Promise((resolve) => h.child.once('exit', resolve));
  }
  // SIGTERM ends the process through process.exit and its exit handlers: the lock is gone, and so is the directory it created.
  assert.equal(existsSync(join(dir, LOCK_FILE)), false);
  const release = lockDirectory(dir, 'run directory');
  release();
  release();
  assert.equal(existsSync(dir), false, 'a directory made only for the lock goes with it');
});

test('the lock of a process killed by SIGKILL is taken over at once (a --resume right after a crash)', async () => {
  const dir = join(tempDir(), 'run');
  const h = holder(dir);
  await h.locked;
  h.child.kill('SIGKILL');
  await new Promise((resolve) => h.child.once('exit', resolve));
  assert.ok(existsSync(join(dir, LOCK_FILE)), 'SIGKILL leaves the lock file behind');
  const release = lockDirectory(dir, 'run directory');
  assert.equal(JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8')).pid, process.pid);
  release();
  assert.equal(existsSync(join(dir, LOCK_FILE)), false);
  assert.ok(existsSync(dir), 'a directory that existed before stays');
});

test('a lock naming this process\'s pid on this host that it did not take is an earlier process\'s, taken over; one it took is refused', () => {
  // Before: refused as held by a live process (this one): a container started again runs its command as pid 1 again,
  // so a coordinator or run killed by SIGKILL there was refused for ever by its own leftover lock.
  const dir = tempDir();
  writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: process.pid, host: hostname(), command: 'metatrain coordinator --config run.yaml', since: '2020-01-01T00:00:00.000Z' }));
  const release = lockDirectory(dir, 'run directory');
  try {
    assert.equal(JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8')).since === '2020-01-01T00:00:00.000Z', false);
    assert.throws(() => lockDirectory(dir, 'run directory'), (err: unknown) => err instanceof DirectoryBusyError && err.message.includes(`(pid ${process.pid}, `));
  } finally {
    release();
  }
  assert.equal(existsSync(join(dir, LOCK_FILE)), false);
});

test('an empty lock file (what a power loss can leave of one) is replaced; one held on another host is refused with its path', () => {
  const dir = tempDir();
  writeFileSync(join(dir, LOCK_FILE), '');
  lockDirectory(dir, 'run directory')();
  const other = join(dir, 'other');
  mkdirSync(other);
  writeFileSync(join(other, LOCK_FILE), JSON.stringify({ pid: 1, host: 'elsewhere.example', command: 'metatrain run x.yaml', since: '2026-12-06T07:00:00.000Z' }));
  assert.throws(() => lockDirectory(other, 'compression output'), (err: unknown) => err instanceof DirectoryBusyError && err.message.includes('(pid 1 on host elsewhere.example, `metatrain run x.yaml`, since 2026-12-06T07:00:00.000Z)') && err.message.includes(`if that process is gone, remove ${join(other, LOCK_FILE)}`));
});

test('a file named .lock that is not a lock (a user\'s) is refused, naming it, and left as it is', () => {
  // Before: not JSON, it was taken for a lock of a gone process, removed and replaced.
  const dir = tempDir();
  const lock = join(dir, LOCK_FILE);
  writeFileSync(lock, 'my lock notes\n');
  assert.throws(
    () => lockDirectory(dir, 'run directory'),
    (err: unknown) => err instanceof DirectoryBusyError && err.message === `run directory ${dir} cannot be taken: ${lock} is not a lock metatrain wrote (one holds a pid, host, command and start time as JSON): move it elsewhere`,
  );
  assert.equal(readFileSync(lock, 'utf8'), 'my lock notes\n');
});

test('a lock file past its limit is refused by its size, naming it and the limit, and left as it is', () => {
  // Before: read whole however long, then, not JSON, removed and taken over.
  const dir = tempDir();
  const lock = join(dir, LOCK_FILE);
  writeFileSync(lock, Buffer.alloc(MAX_LOCK_FILE_BYTES + 1, 'x'));
  assert.throws(
    () => lockDirectory(dir, 'run directory'),
    (err: unknown) => err instanceof DirectoryBusyError && err.message === `run directory ${dir} cannot be taken: ${lock}: 65537 bytes, more than the 65536 bytes (64 KiB) allowed for a lock file; remove it if no metatrain process uses ${dir}`,
  );
  assert.equal(statSync(lock).size, MAX_LOCK_FILE_BYTES + 1);
});

test('a symbolic link to nothing where the lock goes is refused at once, naming it, and left as it is; a directory there likewise', { timeout: 10_000 }, () => {
  // Before: the link read as no lock (reading follows it: ENOENT) while linking over it failed (EEXIST), so the lock
  // was tried again for ever, at full CPU, deaf to SIGTERM (\`compress --out DIR/out\` with DIR/.out.lock such a link).
  // Tried in a child, which is killed when it does not end: a loop in this process would stop the test's timeout too.
  const dir = tempDir();
  const out = join(dir, 'out');
  const lock = join(dir, '.out.lock');
  symlinkSync('/nowhere', lock);
  const script = `try { require(${JSON.stringify(lockModule)}).lockDirectory(${JSON.stringify(out)}, 'compression output', ${JSON.stringify(lock)}) } catch (e) { process.stdout.write(e.constructor.name + ': ' + e.message) }`;
  const r = spawnSync(process.execPath, [...tsx, '-e', script], { encoding: 'utf8', timeout: 8_000, killSignal: 'SIGKILL' });
  const refusal = `compression output ${out} cannot be taken: ${lock} is a symbolic link (to /nowhere, which does not exist), not a lock: metatrain writes its lock there as a regular file; remove it (the link only)`;
  assert.equal(r.stdout, `DirectoryBusyError: ${refusal}`, r.signal ? `killed by ${r.signal} after 8 s: the lock was tried for ever` : r.stderr);
  // assertNotLocked (a run's check before its checks) took it for no lock.
  assert.throws(() => assertNotLocked(out, 'compression output', lock), (err: unknown) => err instanceof DirectoryBusyError && err.message === refusal);
  assert.equal(readlinkSync(lock), '/nowhere');
  const taken = join(dir, 'taken');
  mkdirSync(join(taken, LOCK_FILE), { recursive: true });
  assert.throws(
    () => lockDirectory(taken, 'run directory'),
    (err: unknown) => err instanceof DirectoryBusyError && err.message === `run directory ${taken} cannot be taken: ${join(taken, LOCK_FILE)} is a directory, not a lock: metatrain writes its lock there as a regular file; move it elsewhere`,
  );
});

test('a lock file that cannot be written is said as such ("cannot lock run directory DIR"), not as a directory that cannot be created', { skip: !existsSync('/proc/self') && 'needs Linux /proc' }, () => {
  // Before: `cannot create directory DIR: …` of a DIR that exists (a full disk, no permission to write in it: a trial).
  assert.throws(() => lockDirectory('/proc/self', 'run directory'), (e: unknown) => e instanceof DirectoryError && /^cannot lock run directory \/proc\/self: \/proc\/self does not accept new entries \(write \/proc\/self\/\.lock\.\d+ failed/.test((e as Error).message));
  // What is at the name of the lock being written (a directory, a symbolic link, a file) is not removed with the attempt.
  const dir = tempDir();
  const staged = join(dir, `${LOCK_FILE}.${process.pid}`);
  const refusal = `cannot lock run directory ${dir}: ${staged} is in the way (a lock an earlier process of this pid was writing, or not metatrain's): remove it`;
  mkdirSync(staged);
  assert.throws(() => lockDirectory(dir, 'run directory'), (e: unknown) => e instanceof DirectoryError && (e as Error).message === refusal);
  assert.ok(statSync(staged).isDirectory());
  rmdirSync(staged);
  symlinkSync('/nonexistent/x', staged);
  assert.throws(() => lockDirectory(dir, 'run directory'), (e: unknown) => e instanceof DirectoryError && (e as Error).message === refusal);
  assert.equal(readlinkSync(staged), '/nonexistent/x');
});

test('a lock records at most 4096 characters of its command, so that every lock metatrain writes stays within the limit it reads', () => {
  const dir = join(tempDir(), 'long');
  const script = `require(${JSON.stringify(lockModule)}).lockDirectory(${JSON.stringify(dir)}, 'run directory'); process.stdout.write(require('node:fs').readFileSync(${JSON.stringify(join(dir, LOCK_FILE))}))`;
  // \`node -e SCRIPT A B\`: process.argv is [node, A, B], and the lock records argv from B on.
  const r = spawnSync(process.execPath, [...tsx, '-e', script, 'ignored', 'x'.repeat(100_000)], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.equal((JSON.parse(r.stdout) as { command: string }).command, `metatrain ${'x'.repeat(4096 - 'metatrain '.length)}…`);
});

test('of two processes racing for one directory, exactly one holds it', () => {
  const dir = join(tempDir(), 'race');
  const script = `try { require(${JSON.stringify(lockModule)}).lockDirectory(${JSON.stringify(dir)}, 'run directory'); setTimeout(() => console.log('held'), 1500) } catch (e) { console.log(e.constructor.name) }`;
  const r = spawnSync('bash', ['-c', `for i in 1 2 3 4; do "$0" ${tsx.join(' ')} -e "$1" & done; wait`, process.execPath, script], { encoding: 'utf8', timeout: 60_000 });
  const lines = r.stdout.trim().split('\n').sort();
  assert.deepEqual(lines, ['DirectoryBusyError', 'DirectoryBusyError', 'DirectoryBusyError', 'held'], r.stderr);
});
