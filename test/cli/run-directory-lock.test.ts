/** `lockRunDirectoryAfter` (src/cli/run-directory-lock.ts): the run directory's checks run again once it is locked only when it changed while they ran. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CheckpointStore } from '../../src/checkpoint';
import { parseRunConfig } from '../../src/core/config';
import { DirectoryBusyError } from '../../src/core/errors';
import { lockRunDirectoryAfter } from '../../src/cli/run-directory-lock';
import { tempDir } from '../support/harness';

/** A config whose run directory is `dir`, holding `checkpoints/`. */
function configIn(dir: string) {
  mkdirSync(join(dir, 'checkpoints'), { recursive: true });
  return parseRunConfig({ name: 'demo', task: { family: 'sinusoid' }, model: { kind: 'sinusoid-mlp' }, runtime: { outDir: dir } });
}

test('the checks run once when nothing changed in the run directory while they ran, again when a file appeared in checkpoints/', async () => {
  // Before: they always ran twice, so a --resume read and hashed the newest checkpoint (and compressed/) twice.
  const unchanged = configIn(join(tempDir(), 'run'));
  let runs = 0;
  await lockRunDirectoryAfter(unchanged, () => {
    runs += 1;
  });
  assert.equal(runs, 1);
  // A missing run directory, which taking the lock creates (empty but for .lock), is unchanged too.
  runs = 0;
  await lockRunDirectoryAfter(parseRunConfig({ name: 'demo', task: { family: 'sinusoid' }, model: { kind: 'sinusoid-mlp' }, runtime: { outDir: join(tempDir(), 'new', 'run') } }), () => {
    runs += 1;
  });
  assert.equal(runs, 1);

  const dir = join(tempDir(), 'run');
  const changed = configIn(dir);
  runs = 0;
  await lockRunDirectoryAfter(changed, () => {
    // Another process ending its run while the first checks ran: it left a checkpoint the second checks must see.
    if (++runs === 1) writeFileSync(join(dir, 'checkpoints', 'best.json'), '{}');
  });
  assert.equal(runs, 2);
});

test('the checks run again when a file appeared in checkpoints/, a link to a directory elsewhere', async () => {
  // Before: checkpoints/ as a link (the README allows it) was fingerprinted as the link alone, never listed, so a
  // checkpoint another run published through it while the checks ran was missed: they ran once.
  const dir = join(tempDir(), 'run');
  const elsewhere = join(tempDir(), 'checkpoints-elsewhere');
  mkdirSync(dir, { recursive: true });
  mkdirSync(elsewhere);
  symlinkSync(elsewhere, join(dir, 'checkpoints'));
  const config = parseRunConfig({ name: 'demo', task: { family: 'sinusoid' }, model: { kind: 'sinusoid-mlp' }, runtime: { outDir: dir } });
  let runs = 0;
  await lockRunDirectoryAfter(config, () => {
    if (++runs === 1) writeFileSync(join(elsewhere, 'best.json'), '{}');
  });
  assert.equal(runs, 2);
});

test('of two runs whose checkpoints link to one directory, the second is refused, naming that directory and the first', async () => {
  // Before: each locked its run directory only, and each save's cleanup removed the other's checkpoints there.
  const shared = join(tempDir(), 'big-disk', 'checkpoints');
  mkdirSync(shared, { recursive: true });
  const configs = ['a', 'b'].map((name) => {
    const dir = join(tempDir(), name);
    mkdirSync(dir);
    symlinkSync(shared, join(dir, 'checkpoints'));
    return parseRunConfig({ name, task: { family: 'sinusoid' }, model: { kind: 'sinusoid-mlp' }, runtime: { outDir: dir } });
  });
  let runs = 0;
  await lockRunDirectoryAfter(configs[0]!, () => {
    runs += 1;
  });
  assert.equal(runs, 1, 'the lock taken in the linked directory is no change to check again');
  assert.deepEqual(await new CheckpointStore(shared, { keep: 2 }).otherEntries(), [], 'the lock there is no file of a user');
  await assert.rejects(
    lockRunDirectoryAfter(configs[1]!, () => {
      runs += 1;
    }),
    (err: unknown) =>
      err instanceof DirectoryBusyError &&
      err.message.startsWith(`linked directory ${join(configs[1]!.runtime.outDir!, 'checkpoints')} → ${realpathSync(shared)} is in use by another metatrain process (pid ${process.pid}, `),
  );
  assert.equal(runs, 1, 'refused before its checks');
});

test('a run whose checkpoints link into another run\'s checkpoint directory is refused, before and after that run first saved', async () => {
  // Before: only a linked checkpoint directory was locked, so a --resume linked into a running run's own
  // checkpoints/ trained beside it, each pruning the other's checkpoints and replacing its best.json.
  const first = join(tempDir(), 'f');
  const linkedTo = (target: string) => {
    const dir = join(tempDir(), 'g');
    mkdirSync(dir);
    symlinkSync(target, join(dir, 'checkpoints'));
    return parseRunConfig({ name: 'g', task: { family: 'sinusoid' }, model: { kind: 'sinusoid-mlp' }, runtime: { outDir: dir } });
  };
  const fresh = parseRunConfig({ name: 'f', task: { family: 'sinusoid' }, model: { kind: 'sinusoid-mlp' }, runtime: { outDir: first } });
  await lockRunDirectoryAfter(fresh, () => {});
  mkdirSync(join(first, 'checkpoints')); // its first save
  await assert.rejects(lockRunDirectoryAfter(linkedTo(join(first, 'checkpoints')), () => {}), (err: unknown) => err instanceof DirectoryBusyError && err.message.includes(`, in run directory ${realpathSync(first)} is in use by another metatrain process (pid ${process.pid}, `));
  // A run whose checkpoint directory existed when it started locked it: a run linked there is refused by that lock.
  const resumed = configIn(join(tempDir(), 'r'));
  await lockRunDirectoryAfter(resumed, () => {});
  await assert.rejects(lockRunDirectoryAfter(linkedTo(join(resumed.runtime.outDir!, 'checkpoints')), () => {}), (err: unknown) => err instanceof DirectoryBusyError && err.message.includes(`→ ${realpathSync(join(resumed.runtime.outDir!, 'checkpoints'))} is in use by another metatrain process (pid ${process.pid}, `));
});

test('two runs whose pretrained links to one directory both take their run directories: neither writes it here', async () => {
  // Before: the directory a linked pretrained leads to was locked with the run directory, so a second run sharing one
  // finished pretraining was refused as "in use", and a read-only one failed the run (cannot create .lock there).
  const shared = join(tempDir(), 'big-disk', 'pretrained');
  mkdirSync(shared, { recursive: true });
  for (const name of ['a', 'b']) {
    const dir = join(tempDir(), name);
    mkdirSync(dir);
    symlinkSync(shared, join(dir, 'pretrained'));
    await lockRunDirectoryAfter(configIn(dir), () => {});
  }
  assert.deepEqual(readdirSync(shared), [], 'no lock there: pretraining takes one only when it writes there (src/pretrain/pretrain.ts)');
});
