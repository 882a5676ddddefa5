/**
 * A new run and `pretrain` refuse a run directory holding a symbolic link where they write
 * (src/cli/run-directory-links.ts), and write nothing through it. The real CLI (`metatrain`, built).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, sinusoidConfig, tempDir, writeConfig } from '../support/harness';

test('a new run and pretrain refuse a run directory holding a symbolic link where they write, naming it and its target, and write nothing through it', async () => {
  // Before: the run was accepted and appended the coordinator's log to the file outside --out.
  const dir = tempDir();
  const out = join(dir, 'out');
  const precious = join(dir, 'precious.log');
  writeFileSync(precious, 'mine\n');
  mkdirSync(join(out, 'logs'), { recursive: true });
  symlinkSync('../../precious.log', join(out, 'logs', 'coordinator.log'));
  const config = writeConfig(dir, sinusoidConfig(dir, { compression: { enabled: false }, runtime: { workers: 1 } }));
  const pretraining = writeConfig(dir, { name: 'pt', task: { family: 'sotu' }, model: { kind: 'transformer', layers: 0 }, pretraining: { steps: 1 } }, 'pretrain.yaml');
  for (const args of [['run', config], ['pretrain', pretraining]]) {
    const r = await runCli([...args, '--backend', 'cpu', '--out', out]);
    assert.equal(r.code, 1, `${args[0]}: ${r.stdout}${r.stderr}`);
    assert.equal(r.stderr, `metatrain: --out ${out}: logs/coordinator.log is a symbolic link (to ../../precious.log): a run writes only real files in its directory; remove it or give --out a new directory\n`, args[0]);
    assert.equal(readFileSync(precious, 'utf8'), 'mine\n');
    assert.deepEqual(readdirSync(out).sort(), ['logs']);
  }
  // Several, one inside a linked directory of the run's (checkpoints on another disk, looked into as if here): each
  // named, none followed.
  const elsewhere = join(dir, 'elsewhere');
  mkdirSync(elsewhere);
  symlinkSync(elsewhere, join(out, 'checkpoints'));
  symlinkSync(precious, join(elsewhere, 'best.json'));
  symlinkSync('/nowhere', join(out, 'summary.json'));
  const r = await runCli(['run', config, '--backend', 'cpu', '--out', out]);
  assert.equal(r.code, 1, r.stdout);
  assert.equal(r.stderr, `metatrain: --out ${out}: checkpoints/best.json (to ${precious}), logs/coordinator.log (to ../../precious.log), summary.json (to /nowhere) are symbolic links: a run writes only real files in its directory; remove them or give --out a new directory\n`);
  assert.deepEqual(readdirSync(elsewhere), ['best.json']);
  assert.equal(readFileSync(precious, 'utf8'), 'mine\n');
});

test('the run directory itself a link, or a link to a directory where a run writes its checkpoints, is as before: the run writes through it', async () => {
  const dir = tempDir();
  const real = join(dir, 'real');
  mkdirSync(real);
  const out = join(dir, 'out');
  symlinkSync(real, out);
  const config = writeConfig(dir, sinusoidConfig(dir, { training: { maxSteps: 2, evalEverySteps: 1, checkpointEverySteps: 1 }, evaluation: { testTasks: 2 }, compression: { enabled: false }, runtime: { workers: 1 } }));
  // Its checkpoints kept on another disk: a link to a directory there, which the run writes in.
  const disk = join(dir, 'disk');
  mkdirSync(disk);
  symlinkSync(disk, join(real, 'checkpoints'));
  const r = await runCli(['run', config, '--backend', 'cpu', '--out', out]);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(readdirSync(disk).includes('step-00000002'));
});

test('run --resume refuses a symbolic link planted in the run directory\'s logs, naming it, and appends nothing through it', async () => {
  // Before: only a new run was checked, and the resumed run appended its coordinator's log to the file outside --out.
  const dir = tempDir();
  const out = join(dir, 'out');
  const config = writeConfig(dir, sinusoidConfig(dir, { training: { maxSteps: 2, evalEverySteps: 1, checkpointEverySteps: 1 }, evaluation: { testTasks: 2 }, compression: { enabled: false }, runtime: { workers: 1 } }));
  assert.equal((await runCli(['run', config, '--backend', 'cpu', '--out', out])).code, 0);
  const precious = join(dir, 'precious.log');
  writeFileSync(precious, 'mine\n');
  rmSync(join(out, 'logs', 'coordinator.log'));
  symlinkSync('../../precious.log', join(out, 'logs', 'coordinator.log'));
  const r = await runCli(['run', config, '--backend', 'cpu', '--out', out, '--resume']);
  assert.equal(r.code, 1, r.stdout);
  assert.equal(r.stderr, `metatrain: --out ${out}: logs/coordinator.log is a symbolic link (to ../../precious.log): a run writes only real files in its directory; remove it or give --out a new directory\n`);
  assert.equal(readFileSync(precious, 'utf8'), 'mine\n');
});

test('a run directory whose checkpoints link loops or leads nowhere is refused in those words; a linked logs holding other files is named as such, not searched', async () => {
  // Before: `ELOOP: too many symbolic links encountered`; `… a run writes only real files` for a link to nowhere;
  // all of /usr walked for seconds.
  const dir = tempDir();
  const out = join(dir, 'out');
  mkdirSync(out);
  const config = writeConfig(dir, sinusoidConfig(dir, { compression: { enabled: false }, runtime: { workers: 1 } }));
  const tail = 'a run writes only real files in its directory, or in a directory linked there that exists; remove it or give --out a new directory';
  symlinkSync('checkpoints', join(out, 'checkpoints'));
  let r = await runCli(['run', config, '--backend', 'cpu', '--out', out]);
  assert.equal(r.stderr, `metatrain: --out ${out}: checkpoints is a symbolic link that loops (to checkpoints): ${tail}\n`);
  rmSync(join(out, 'checkpoints'));
  symlinkSync('../nowhere', join(out, 'checkpoints'));
  r = await runCli(['run', config, '--backend', 'cpu', '--out', out]);
  assert.equal(r.stderr, `metatrain: --out ${out}: checkpoints is a symbolic link (to ../nowhere), which does not exist: ${tail}\n`);
  rmSync(join(out, 'checkpoints'));
  symlinkSync('/usr', join(out, 'logs'));
  r = await runCli(['run', config, '--backend', 'cpu', '--out', out]);
  assert.equal(r.code, 1, r.stdout);
  assert.match(r.stderr, new RegExp(`^metatrain: --out ${out} holds files that are not a run's \\(logs/bin, `));
  assert.deepEqual(readdirSync(out), ['logs']);
});
