import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { outDirOutsideRoot } from '../../src/compress/job-out-root';
import { tempDir } from '../support/harness';

test('a job\'s outDir is taken only when it is a normalized path inside --out-root (relative: from the working directory) that no symbolic link leads out of', () => {
  // Before: the compressor wrote wherever a job on the NATS subject said.
  const root = join(tempDir(), 'data');
  mkdirSync(join(root, 'run'), { recursive: true });
  const elsewhere = tempDir();
  symlinkSync(elsewhere, join(root, 'linked'));
  symlinkSync(join(elsewhere, 'not-yet'), join(root, 'dangling')); // before: skipped as not existing, so allowed
  symlinkSync(join(root, 'loop'), join(root, 'loop'));
  symlinkSync(join(root, 'run'), join(root, 'inside'));
  assert.equal(outDirOutsideRoot(join(root, 'run', 'compressed'), root), undefined);
  assert.equal(outDirOutsideRoot(join(root, 'new-run', 'compressed'), root), undefined, 'a run directory not made yet');
  assert.equal(outDirOutsideRoot(`${join(root, 'run', 'compressed')}/`, root), undefined);
  assert.equal(outDirOutsideRoot('run/compressed', root, root), undefined, 'relative to the working directory, as the checkpoint path');
  assert.equal(outDirOutsideRoot(join(root, 'inside', 'compressed'), root), undefined, 'a link that stays inside');
  for (const link of ['dangling', 'loop']) {
    const outDir = join(root, link, 'compressed');
    assert.match(outDirOutsideRoot(outDir, root) ?? '', new RegExp(`^outDir "${outDir}" leads through the symbolic link ${join(root, link)}, which cannot be resolved \\(.*\\), so it may lead out of --out-root ${root}: remove or fix the link$`), link);
  }
  const cases: Array<[string, string]> = [
    ['/etc/metatrain', `outDir "/etc/metatrain" is not inside --out-root ${root}`],
    [root, `outDir "${root}" is not inside --out-root ${root}`],
    [`${root}-x/compressed`, `outDir "${root}-x/compressed" is not inside --out-root ${root}`],
    ['runs/x/compressed', `outDir "runs/x/compressed" (from ${process.cwd()}, so ${join(process.cwd(), 'runs/x/compressed')}) is not inside --out-root ${root}`],
    [`${root}/run/../../x`, `outDir "${root}/run/../../x" is not normalized (it holds "." or ".." or repeated "/")`],
    [`${root}/run/./compressed`, `outDir "${root}/run/./compressed" is not normalized (it holds "." or ".." or repeated "/")`],
    [`${root}//run`, `outDir "${root}//run" is not normalized (it holds "." or ".." or repeated "/")`],
    [join(root, 'linked', 'compressed'), `outDir "${join(root, 'linked', 'compressed')}" leads out of --out-root ${root} through a symbolic link (to ${elsewhere})`],
    [join(root, 'linked', 'x', 'compressed'), `outDir "${join(root, 'linked', 'x', 'compressed')}" leads out of --out-root ${root} through a symbolic link (to ${join(elsewhere, 'x')})`],
  ];
  for (const [outDir, why] of cases) assert.equal(outDirOutsideRoot(outDir, root), why, outDir);
});
