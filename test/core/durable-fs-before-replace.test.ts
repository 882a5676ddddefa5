import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { publishDirectory } from '../../src/core/durable-fs';
import { WriteError } from '../../src/core/errors';

const bytes = (text: string) => Buffer.from(text);

test('publishDirectory with beforeReplace moves the existing directory aside only once the new one is staged, and a throwing hook leaves the existing one in place and no temporary', async (t) => {
  // Before: a replace moved the earlier compressed/ aside before staging the new one (a process killed meanwhile left
  // no compressed/, only a .tmp-removed-* nothing restores), and a failed move back was swallowed.
  const dir = mkdtempSync(join(tmpdir(), 'metatrain-durable-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const out = join(dir, 'out');
  await publishDirectory(out, [['old.bin', bytes('old')]]);

  const seen: string[][] = [];
  const refused = new Error('the earlier directory holds notes.txt');
  await assert.rejects(
    publishDirectory(out, [['new.bin', bytes('new')]], {
      replace: true,
      beforeReplace: async (aside) => {
        assert.deepEqual(readdirSync(aside), ['old.bin'], 'the hook is given the existing directory, moved aside');
        seen.push(readdirSync(dir).filter((name) => name.startsWith('.tmp-out-')).map((name) => readdirSync(join(dir, name)).join()));
        throw refused;
      },
    }),
    (e) => e === refused,
  );
  assert.deepEqual(seen, [['new.bin']], 'the new directory was staged in full before the existing one was moved aside');
  assert.deepEqual(readdirSync(dir), ['out'], 'the existing directory is back, no staging or .tmp-removed-* left');
  assert.equal(readFileSync(join(out, 'old.bin'), 'utf8'), 'old');

  await publishDirectory(out, [['new.bin', bytes('new')]], { replace: true, beforeReplace: async () => undefined });
  assert.deepEqual(readdirSync(out), ['new.bin']);
  assert.deepEqual(readdirSync(dir), ['out']);
});

test('when the existing directory cannot be moved back (something was put at its path meanwhile), it is kept at <path>.kept-N and the WriteError names that', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'metatrain-durable-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const out = join(dir, 'out');
  await publishDirectory(out, [['old.bin', bytes('old')]]);
  const intruder = async (): Promise<void> => {
    mkdirSync(out);
    writeFileSync(join(out, 'notes.txt'), 'mine');
    throw new Error('refused');
  };
  await assert.rejects(
    publishDirectory(out, [['new.bin', bytes('new')]], { replace: true, beforeReplace: intruder }),
    (e: Error) => e instanceof WriteError && e.message.startsWith(`cannot write ${out}: cannot put its earlier content back (`) && e.message.endsWith(`): it is in ${out}.kept-1 now, not removed; move it elsewhere or back to ${out}`),
  );
  assert.deepEqual(readdirSync(dir).sort(), ['out', 'out.kept-1']);
  assert.deepEqual(readdirSync(join(dir, 'out.kept-1')), ['old.bin']);
  assert.deepEqual(readdirSync(out), ['notes.txt']);
});
