/**
 * The minimal configs README.md shows inline are the files under examples/ (a user copies either), and both run:
 * the real CLI (`metatrain run`, built) on each, in a temporary run directory.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageFile } from '../../src/core/package-root';
import { runCli, tempDir } from '../support/harness';

/** The YAML block of README.md that follows the sentence naming `file`. */
function readmeBlock(file: string): string {
  const readme = readFileSync(packageFile('README.md'), 'utf8');
  const at = readme.indexOf(`(\`${file}\`;`);
  assert.notEqual(at, -1, `README.md names ${file}`);
  const block = /```yaml\n([\s\S]*?)```/.exec(readme.slice(at));
  assert.ok(block, `a YAML block follows ${file} in README.md`);
  return block[1]!;
}

for (const file of ['examples/sinusoid.yaml', 'examples/sotu.yaml']) {
  test(`README.md's minimal config is ${file}, and metatrain run runs it`, async () => {
    assert.equal(readmeBlock(file), readFileSync(packageFile(file), 'utf8'));
    const out = join(tempDir(), 'run');
    const r = await runCli(['run', packageFile(file), '--out', out, '--workers', '1']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /meta-learned/);
  });
}
