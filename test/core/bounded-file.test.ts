import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bytesInWords, readBoundedFile } from '../../src/core/bounded-file';
import { ConfigError, FileReadError, type FileReadReason } from '../../src/core/errors';
import { tempDir } from '../support/harness';

/** Asserts that reading `path` within `maxBytes` throws a FileReadError of `reason` whose message matches `message`. */
function refused(path: string, maxBytes: number, reason: FileReadReason, message: RegExp): FileReadError {
  let caught: unknown;
  assert.throws(
    () => readBoundedFile(path, maxBytes),
    (err: unknown) => {
      caught = err;
      return err instanceof FileReadError && err.path === path && err.reason === reason && message.test(err.message) && err.message === `${path}: ${err.detail}`;
    },
  );
  return caught as FileReadError;
}

test('readBoundedFile reads a regular file whole, up to and including the limit', () => {
  const dir = tempDir();
  const file = join(dir, 'ten.txt');
  writeFileSync(file, '0123456789');
  assert.equal(readBoundedFile(file, 10).toString(), '0123456789');
  assert.equal(readBoundedFile(file, 1 << 20).toString(), '0123456789');
  const empty = join(dir, 'empty.txt');
  writeFileSync(empty, '');
  assert.equal(readBoundedFile(empty, 0).length, 0);
  // Larger than the first buffer for a file reporting no size, so the growing path is read too.
  const big = join(dir, 'big.bin');
  const bytes = Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 7) % 256));
  writeFileSync(big, bytes);
  assert.ok(readBoundedFile(big, bytes.length).equals(bytes));
});

test('readBoundedFile refuses a file over the limit by its size, naming the size and the limit', () => {
  const dir = tempDir();
  const file = join(dir, 'eleven.txt');
  writeFileSync(file, '0123456789A');
  const err = refused(file, 10, 'too-large', /eleven\.txt: 11 bytes, more than the 10 bytes allowed$/);
  assert.equal(err.size, 11);
  // A limit in whole MiB is said in MiB too.
  const sparse = join(dir, 'sparse.txt');
  writeFileSync(sparse, '');
  truncateSync(sparse, (1 << 20) + 1);
  refused(sparse, 1 << 20, 'too-large', /: 1048577 bytes, more than the 1048576 bytes \(1 MiB\) allowed$/);
});

test('readBoundedFile refuses a file that holds more than it reports, after reading only the limit + 1 bytes', { skip: !existsSync('/proc/self/status') }, () => {
  // /proc files report a size of 0: only reading them shows how long they are.
  assert.equal(statSync('/proc/self/status').size, 0);
  const err = refused('/proc/self/status', 16, 'too-large', /^\/proc\/self\/status: more than the 16 bytes allowed \(it reported 0 bytes when opened: it grew, or reports no size\)$/);
  assert.equal(err.size, undefined);
  // Within the limit, such a file is read whole.
  assert.match(readBoundedFile('/proc/self/status', 1 << 20).toString(), /^Name:/);
});

test('readBoundedFile refuses a device and a directory at once, saying what each is', { skip: process.platform === 'win32' }, () => {
  const dir = tempDir();
  const started = performance.now();
  refused('/dev/zero', 1 << 30, 'not-a-file', /^\/dev\/zero: not a regular file but a character device$/);
  refused(dir, 1 << 30, 'not-a-file', /: not a regular file but a directory$/);
  assert.ok(performance.now() - started < 2000, 'refused without reading');
});

test('readBoundedFile and readBoundedFileAsync read a pipe until its writer closes it, within the limit, and a pipe with no writer as empty', { skip: process.platform === 'win32' }, () => {
  const dir = tempDir();
  const fifo = join(dir, 'fifo');
  execFileSync('mkfifo', [fifo]);
  const reader = require.resolve('../../src/core/bounded-file');
  for (const read of ['readBoundedFile', 'readBoundedFileAsync']) {
    // In a child process, so that a read that blocks for good fails this test by the timeout instead of hanging it.
    const run = (maxBytes: number, writer?: string) =>
      spawnSync(
        'bash',
        ['-c', `${writer ? `(${writer}) > "$1" & ` : ''}"$2" ${reader.endsWith('.ts') ? '--import tsx' : ''} -e "$3"; wait`, 'read', fifo, process.execPath,
          `Promise.resolve().then(() => require(${JSON.stringify(reader)}).${read}(${JSON.stringify(fifo)}, ${maxBytes})).then((b) => process.stdout.write(JSON.stringify(b.toString())), (e) => process.stdout.write(e.message))`],
        { encoding: 'utf8', timeout: 20_000 },
      );
    // A writer that pauses between lines (the reader waits for data as it comes, `run <(envsubst < run.yaml)`).
    const slow = run(1024, 'echo "a: 1"; sleep 0.3; echo "b: 2"');
    assert.equal(slow.signal, null, `${read}: ${slow.stderr}`);
    assert.equal(slow.stdout, JSON.stringify('a: 1\nb: 2\n'), `${read}: ${slow.stderr}`);
    const long = run(16, 'head -c 100000 /dev/zero');
    assert.equal(long.stdout, `${fifo}: more than the 16 bytes allowed (it reported 0 bytes when opened: it grew, or reports no size)`, `${read}: ${long.stderr}`);
    const none = run(16);
    assert.equal(none.signal, null, `${read}: the open of a pipe with no writer did not block`);
    assert.equal(none.stdout, '""', `${read}: ${none.stderr}`);
  }
});

test('readBoundedFileAsync lets the event loop run while a producer holds the pipe open, and the process exits once it is read', { skip: process.platform === 'win32' }, () => {
  // Before (the synchronous reader for a run config or a token): the event loop, hence Ctrl-C, waited for the producer.
  const dir = tempDir();
  const fifo = join(dir, 'fifo');
  execFileSync('mkfifo', [fifo]);
  const reader = require.resolve('../../src/core/bounded-file');
  // The child is its own producer: it holds the pipe open (read-write), writes a line, starts the read, and writes
  // the rest and closes the pipe from a timer, which fires only if the read leaves the event loop free.
  const script = `const fs = require('node:fs');
    const producer = fs.openSync(${JSON.stringify(fifo)}, fs.constants.O_RDWR);
    fs.writeSync(producer, 'a: 1\\n');
    const reading = require(${JSON.stringify(reader)}).readBoundedFileAsync(${JSON.stringify(fifo)}, 1024);
    setTimeout(() => { fs.writeSync(producer, 'b: 2\\n'); fs.closeSync(producer); }, 100);
    reading.then((b) => process.stdout.write(JSON.stringify(b.toString())), (e) => process.stdout.write(e.message));`;
  const child = spawnSync(process.execPath, [...(reader.endsWith('.ts') ? ['--import', 'tsx'] : []), '-e', script], { encoding: 'utf8', timeout: 20_000 });
  assert.deepEqual({ status: child.status, signal: child.signal }, { status: 0, signal: null }, `exited by itself, not killed by the timeout: ${child.stderr}`);
  assert.equal(child.stdout, JSON.stringify('a: 1\nb: 2\n'), child.stderr);
});

test('readBoundedFile says why a file cannot be read, with the error code', () => {
  const dir = tempDir();
  const missing = join(dir, 'missing.txt');
  assert.equal(refused(missing, 10, 'unreadable', /missing\.txt: cannot read it: no such file$/).code, 'ENOENT');
  if (process.getuid?.() !== 0) {
    const locked = join(dir, 'locked.txt');
    writeFileSync(locked, 'secret');
    chmodSync(locked, 0);
    assert.equal(refused(locked, 10, 'unreadable', /locked\.txt: cannot read it: permission denied$/).code, 'EACCES');
  }
  mkdirSync(join(dir, 'sub'));
  refused(join(dir, 'sub', 'missing', 'x.txt'), 10, 'unreadable', /cannot read it: no such file$/);
});

test("readBoundedFile throws the caller's error for a refused file, with the FileReadError as its cause", () => {
  const dir = tempDir();
  assert.throws(
    () => readBoundedFile(dir, 10, (err) => new ConfigError('task.path', err.message, { cause: err })),
    (err: unknown) => err instanceof ConfigError && err.path === 'task.path' && err.cause instanceof FileReadError && err.message === `invalid config at task.path: ${dir}: not a regular file but a directory`,
  );
  assert.throws(() => readBoundedFile(dir, -1), RangeError);
  assert.throws(() => readBoundedFile(dir, 1.5), RangeError);
});

test('readBoundedFile closes the file it opened, whether it reads it or refuses it', { skip: !existsSync('/proc/self/fd') }, () => {
  const dir = tempDir();
  const file = join(dir, 'small.txt');
  writeFileSync(file, 'abc');
  const open = () => readdirSync('/proc/self/fd').length;
  const before = open();
  for (let i = 0; i < 50; i++) {
    readBoundedFile(file, 10);
    assert.throws(() => readBoundedFile(file, 2));
    assert.throws(() => readBoundedFile('/dev/zero', 10));
    assert.throws(() => readBoundedFile('/proc/self/status', 4));
  }
  assert.equal(open(), before, 'no descriptor left open');
  assert.equal(readFileSync(file, 'utf8'), 'abc');
});

test('readBoundedStdin reads standard input (a pipe, a socket, a redirected file) within the limit, naming it stdin', { skip: process.platform === 'win32' }, () => {
  const reader = require.resolve('../../src/core/bounded-file');
  const script = `require(${JSON.stringify(reader)}).readBoundedStdin(16).then((b) => process.stdout.write(JSON.stringify(b.toString())), (e) => process.stdout.write(e.message))`;
  const node = `"${process.execPath}" ${reader.endsWith('.ts') ? '--import tsx' : ''}`;
  const dir = tempDir();
  const file = join(dir, 'in.txt');
  writeFileSync(file, 'from a file\n');
  const viaShell = (shell: string) => spawnSync('bash', ['-c', shell.replace('NODE', node), 'read', script], { encoding: 'utf8', timeout: 20_000 });
  assert.equal(viaShell('printf "a\\nb\\n" | NODE -e "$1"').stdout, JSON.stringify('a\nb\n'));
  assert.equal(viaShell(`NODE -e "$1" < "${file}"`).stdout, JSON.stringify('from a file\n'));
  assert.equal(viaShell('head -c 1000 /dev/zero | NODE -e "$1"').stdout, 'stdin: more than the 16 bytes allowed (it reported 0 bytes when opened: it grew, or reports no size)');
  assert.equal(viaShell('NODE -e "$1" < /dev/zero').stdout, 'stdin: not a regular file but a character device');
  // Node's spawn gives a child a socket, not a pipe, as its standard input.
  const socket = spawnSync(process.execPath, [...(reader.endsWith('.ts') ? ['--import', 'tsx'] : []), '-e', script], { input: 'over a socket', encoding: 'utf8', timeout: 20_000 });
  assert.equal(socket.stdout, JSON.stringify('over a socket'));
});

test('a limit is said in the largest binary unit that divides it', () => {
  assert.equal(bytesInWords(65536), '65536 bytes (64 KiB)');
  assert.equal(bytesInWords(1 << 20), '1048576 bytes (1 MiB)');
  assert.equal(bytesInWords(2 ** 31), '2147483648 bytes (2 GiB)');
  assert.equal(bytesInWords(1000), '1000 bytes');
});
