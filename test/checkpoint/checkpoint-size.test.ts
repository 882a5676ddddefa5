import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeCheckpoint } from '../../src/checkpoint/checkpoint-encode';
import { checkpointFileBytes } from '../../src/checkpoint/checkpoint-size';
import { specOf } from '../../src/core/param-set';
import { inputFor } from './checkpoint-fixtures';

test('the checkpoint file sizes computed from the parameter shapes are those of the files encodeCheckpoint writes', () => {
  for (const rows of [1, 4, 37]) {
    const input = inputFor(3, rows);
    const written = encodeCheckpoint(input);
    for (const [file, bytes] of checkpointFileBytes(specOf(input.params))) assert.equal(bytes, written.get(file)!.length, `${file} of ${rows} rows`);
  }
});
