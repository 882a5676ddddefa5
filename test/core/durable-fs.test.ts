import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { publishDirectory, replaceFileAtomically } from '../../src/core/durable-fs';
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
