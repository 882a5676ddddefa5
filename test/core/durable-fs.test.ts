import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { publishDirectory, removeDeadTemporaries, replaceFileAtomically, temporaryOf } from '../../src/core/durable-fs';
import { WriteError } from '../../src/core/errors';
import { mountSmallVolume, smallVolumeUnavailable } from '../support/small-volume';

const bytes = (text: string) => Buffer.from(text);

test('publishDirectory publishes the files in one rename, refuses an existing directory unless replace, and leaves no temporary', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'metatrain-durable-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const out = join(dir, 'parent', 'out');
  assert.equal(await publishDirectory(out, [['a.bin', bytes('12345')], ['manifest.json', bytes('{}')]]), 7);
  assert.deepEqual(readdirSync(out).sort(), ['a.bin', 'manifest.json']);

  await assert.rejects(publishDirectory(out, [['b.bin', bytes('x')]]), (e: Error) => e instanceof WriteError && (e.code === 'ENOTEMPTY' || e.code === 'EEXIST') && e.message.startsWith(`cannot write ${out}: `));
  assert.deepEqual(readdirSync(out).sort(), ['a.bin', 'manifest.json'], 'the published directory is untouched');

  await publishDirectory(out, [['b.bin', bytes('x')]], { replace: true });
  assert.deepEqual(readdirSync(out), ['b.bin']);
  assert.deepEqual(readdirSync(join(dir, 'parent')), ['out'], 'no staging or moved-aside directory is left');
});

test('on a full volume, replaceFileAtomically and publishDirectory fail with a WriteError naming the file and ENOSPC, keep what was published and leave no temporary', { skip: smallVolumeUnavailable() }, async (t) => {
  const parent = mkdtempSync(join(tmpdir(), 'metatrain-durable-'));
  const volume = mountSmallVolume(parent, 256 * 1024);
  t.after(() => {
    volume.unmount();
    rmSync(parent, { recursive: true, force: true });
  });
  const file = join(volume.path, 'summary.json');
  await replaceFileAtomically(file, bytes('{"v": 1}'));
  volume.fill();
  const enospc = (path: string) => (e: Error) => e instanceof WriteError && e.code === 'ENOSPC' && e.message === `cannot write ${path}: no space left on device (ENOSPC)`;
  await assert.rejects(replaceFileAtomically(file, bytes('{"v": 2}')), enospc(file));
  assert.equal(readFileSync(file, 'utf8'), '{"v": 1}');
  await assert.rejects(publishDirectory(join(volume.path, 'model'), [['model.onnx', bytes('onnx')]]), enospc(join(volume.path, 'model', 'model.onnx')));
  assert.deepEqual(readdirSync(volume.path).sort(), ['filler', 'summary.json']);
});

/** The pid of a process that has exited (its number is not reused within the test). */
function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '0']).pid!;
}

test("removeDeadTemporaries removes only .tmp-<name>-<dead pid>-<n> beside the path, never a user's entry named like one", (t) => {
  // Before: every entry starting with `.tmp-out-` whose name ended in -<digits>-<digits> was taken for a dead
  // process's (`.tmp-out-backup-2025-12` read as pid 2025), and removed recursively.
  const dir = mkdtempSync(join(tmpdir(), 'metatrain-durable-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const dead = deadPid();
  const users = ['.tmp-out-notes.txt', '.tmp-out-backup', `.tmp-out-backup-${dead}-1`, '.tmp-out-2025-01', `.tmp-out-${process.ppid}-2`, `.tmp-other-${dead}-3`];
  for (const name of users) mkdirSync(join(dir, name, 'mine'), { recursive: true });
  mkdirSync(join(dir, `.tmp-out-${dead}-4`, 'staged'), { recursive: true });
  removeDeadTemporaries(join(dir, 'out'));
  assert.deepEqual(readdirSync(dir).sort(), [...users].sort(), "only the dead process's temporary of out is removed");
  assert.deepEqual(temporaryOf(`.tmp-out-backup-${dead}-1`), { finalName: 'out-backup', pid: dead });
  assert.equal(temporaryOf('.tmp-out-2025-01'), undefined);
});

test('replaceFileAtomically removes what a killed writer of the same file left beside it, and nothing else', async (t) => {
  // Before: a run killed while writing summary.json left .tmp-summary.json-PID-N in the run directory for good.
  const dir = mkdtempSync(join(tmpdir(), 'metatrain-durable-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const dead = deadPid();
  writeFileSync(join(dir, `.tmp-summary.json-${dead}-1`), '{"half');
  writeFileSync(join(dir, '.tmp-summary.json-old'), 'mine\n');
  await replaceFileAtomically(join(dir, 'summary.json'), bytes('{}'));
  assert.deepEqual(readdirSync(dir).sort(), ['.tmp-summary.json-old', 'summary.json']);
});

test("replaceFileAtomically leaves a directory named like a dead writer's temporary of the file, and succeeds", async (t) => {
  // Before: it was removed recursively with what it held (a file's temporary is never a directory: a user's), and a
  // failure to remove one (EACCES, EBUSY …) threw from a replace that had succeeded.
  const dir = mkdtempSync(join(tmpdir(), 'metatrain-durable-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const dead = deadPid();
  mkdirSync(join(dir, `.tmp-best.json-${dead}-1`));
  writeFileSync(join(dir, `.tmp-best.json-${dead}-1`, 'notes.txt'), 'mine\n');
  writeFileSync(join(dir, `.tmp-best.json-${dead}-2`), '{"half');
  await replaceFileAtomically(join(dir, 'best.json'), bytes('{}'));
  assert.deepEqual(readdirSync(dir).sort(), [`.tmp-best.json-${dead}-1`, 'best.json']);
  assert.equal(readFileSync(join(dir, `.tmp-best.json-${dead}-1`, 'notes.txt'), 'utf8'), 'mine\n');
});
