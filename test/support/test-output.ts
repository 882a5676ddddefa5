/** Where tests leave artifacts for people to look at (screenshots): `$METATRAIN_TEST_OUTPUT` or `.tmp/test-output`. */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { packageFile } from '../../src/core/package-root';

/** A folder `<output root>/<name>` (created), kept after the test. */
export function testOutputDir(name: string): string {
  const dir = join(process.env.METATRAIN_TEST_OUTPUT ?? join(packageFile('package.json'), '..', '.tmp', 'test-output'), name);
  mkdirSync(dir, { recursive: true });
  return dir;
}
