/** `writeRunReport` refuses a `summary.json` it cannot take, naming it, before it reads it. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatasetError } from '../../src/core/errors';
import { writeRunReport } from '../../src/report/write-report';
import { MAX_SUMMARY_BYTES, SUMMARY_FILE } from '../../src/summary';
import { tempDir } from '../support/harness';

test('a summary.json past its limit, or a device in its place, is refused naming it and the limit, and no report is written', async () => {
  // Before: it was read whole whatever its size (a device such as /dev/zero without end), and a file past the
  // longest string Node holds failed with "Cannot create a string longer than 0x1fffffe8 characters".
  const dir = tempDir();
  const path = join(dir, SUMMARY_FILE);
  // A sparse file: it reports its size without taking the disk.
  writeFileSync(path, '');
  truncateSync(path, MAX_SUMMARY_BYTES + 1);
  const refused = (detail: string) => (err: unknown) => err instanceof DatasetError && err.message === `${path}: cannot read the run summary: ${detail}: not a run summary metatrain wrote`;
  await assert.rejects(writeRunReport(dir), refused(`${MAX_SUMMARY_BYTES + 1} bytes, more than the ${MAX_SUMMARY_BYTES} bytes allowed`));
  rmSync(path);
  symlinkSync('/dev/zero', path);
  await assert.rejects(writeRunReport(dir), refused('not a regular file but a character device'));
  assert.equal(existsSync(join(dir, 'report.html')), false);
});
