/** What `run --resume` says of files in its checkpoint directories that are not a run's (src/cli/run-directory-files.ts). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseRunConfig } from '../../src/core/config';
import { assertOnlyRunFiles, isRunEntry, keptOtherFiles } from '../../src/cli/run-directory-files';
import { ForeignFilesError } from '../../src/core/errors';
import { sinusoidConfig, tempDir } from '../support/harness';

test('a resumed run names the files in checkpoints/ and pretrained/ that are not a run\'s, which it keeps, in the words a new run refuses them in', async () => {
  // Before: run --resume kept a user's checkpoints/.tmp-x and said nothing about it.
  const dir = tempDir();
  const config = parseRunConfig(sinusoidConfig(dir));
  const checkpoints = join(dir, 'run', 'checkpoints');
  mkdirSync(join(checkpoints, 'step-00000004'), { recursive: true });
  // A save's own temporary (what a killed save left, which the next save removes) is a run's.
  mkdirSync(join(checkpoints, '.tmp-step-00000008-999-1'));
  assert.equal(await keptOtherFiles(config), undefined);
  assert.equal(await keptOtherFiles(config, join(dir, 'run')), undefined);

  writeFileSync(join(checkpoints, '.tmp-x'), 'mine\n');
  // A best.json of the user's is not kept (a save replaces it), so it is not said to be.
  writeFileSync(join(checkpoints, 'best.json'), '{"mine": true}\n');
  const kept = ": --resume leaves them as they are and ignores them";
  assert.equal(await keptOtherFiles(config, join(dir, 'run')), `--out ${join(dir, 'run')} holds files that are not a run's (checkpoints/.tmp-x)${kept}`);
  mkdirSync(join(dir, 'run', 'pretrained'));
  for (const name of ['notes.txt', 'old']) writeFileSync(join(checkpoints, name), 'mine\n');
  writeFileSync(join(dir, 'run', 'pretrained', 'a.txt'), 'mine\n');
  assert.equal(await keptOtherFiles(config), `runtime.outDir ${join(dir, 'run')} holds files that are not a run's (checkpoints/.tmp-x, checkpoints/notes.txt, checkpoints/old, …)${kept}`);
});

test("a resumed run names a user's files in a checkpoint's directory, which removing that checkpoint leaves", async () => {
  // Before: a step-* directory's files were not looked at (and removing the old checkpoint removed them with it).
  const dir = tempDir();
  const config = parseRunConfig(sinusoidConfig(dir));
  const step = join(dir, 'run', 'checkpoints', 'step-00000250');
  mkdirSync(step, { recursive: true });
  writeFileSync(join(step, 'manifest.json'), '{}');
  assert.equal(await keptOtherFiles(config), undefined);
  writeFileSync(join(step, 'notes.md'), 'mine\n');
  assert.equal(await keptOtherFiles(config, join(dir, 'run')), `--out ${join(dir, 'run')} holds files that are not a run's (checkpoints/step-00000250/notes.md): --resume leaves them as they are and ignores them`);
});

test("a new run refuses a directory holding a user's .tmp-compressed-backup; a killed run's .tmp-summary.json-PID-N is a run's", async () => {
  // Before: any `.tmp-<run entry>-…` was taken for the run's, so the run went on, and its compression then removed it.
  const dir = tempDir();
  const config = parseRunConfig(sinusoidConfig(dir));
  const run = join(dir, 'run');
  mkdirSync(run);
  writeFileSync(join(run, '.tmp-summary.json-4711-2'), '{"half');
  await assertOnlyRunFiles(config, 'run');
  mkdirSync(join(run, '.tmp-compressed-backup'));
  await assert.rejects(assertOnlyRunFiles(config, 'run'), (e: Error) => e instanceof ForeignFilesError && e.message.includes("holds files that are not a run's (.tmp-compressed-backup)"));
  const entries = ['compressed', 'summary.json'];
  assert.deepEqual(
    ['.tmp-compressed-backup', '.tmp-compressed-2025-01', '.tmp-summary.json-notes', '.tmp-compressed-12-3', '.tmp-summary.json-4711-2'].map((name) => isRunEntry(name, entries)),
    [false, false, false, true, true],
  );
});
