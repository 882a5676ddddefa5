/**
 * `import-hf` reads model.safetensors as strictly as the format's spec says (README of
 * https://github.com/huggingface/safetensors): a header key written twice, overlapping offsets, unindexed bytes (a
 * hole or trailing bytes) and a header that is not UTF-8 are refused, and a bad shape or offset is named with the
 * field, the element and why, echoed as written. Before, each was accepted or reported as a missing field.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HfImportError, importHfBert } from '../../src/hf';
import { tempDir } from '../support/harness';
import { writeTinyHfBert } from './fixtures';

const scratch = tempDir();
let cases = 0;

/**
 * The error of importing the tiny BERT after its model.safetensors is rewritten: `header` edits the header's JSON
 * text, `data` the data section.
 */
async function importError(header: (json: string) => string, data: (bytes: Buffer) => Buffer = (b) => b): Promise<string> {
  const dir = join(scratch, `case-${++cases}`);
  const hf = writeTinyHfBert(join(dir, 'hf'));
  const file = join(hf, 'model.safetensors');
  const bytes = readFileSync(file);
  const n = Number(bytes.readBigUInt64LE(0));
  const json = Buffer.from(header(bytes.toString('utf8', 8, 8 + n)));
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(json.length));
  writeFileSync(file, Buffer.concat([length, json, data(bytes.subarray(8 + n))]));
  return importHfBert(hf, join(dir, 'out')).then(
    () => assert.fail('import should fail'),
    (err: Error) => {
      assert.ok(err instanceof HfImportError, String(err));
      return err.message;
    },
  );
}

/** The header's JSON text with tensor `name`'s data_offsets replaced by `offsets` (written as given). */
function withOffsets(name: string, offsets: string): (json: string) => string {
  return (json) => json.replace(new RegExp(`("${name.replace(/\./g, '\\.')}":\\{[^}]*"data_offsets":)\\[[^\\]]*\\]`), `$1${offsets}`);
}

const POSITION_IDS = 'bert.embeddings.position_ids';

test('import-hf refuses a model.safetensors whose header holds a tensor key twice', async () => {
  const message = await importError((json) => json.replace(/\}\s*$/, `,"bert.pooler.dense.bias":${/"bert\.pooler\.dense\.bias":(\{[^}]*\})/.exec(json)![1]}}`));
  assert.match(message, /hf\/model\.safetensors: header holds the key "bert\.pooler\.dense\.bias" twice; the spec allows each key once/);
});

test('import-hf refuses overlapping data_offsets, naming both tensors', async () => {
  // bert.pooler.dense.weight [16, 16] moved to start 32 bytes into bert.pooler.dense.bias [16], which precedes it.
  const header = (json: string) => {
    const begin = Number(/"bert\.pooler\.dense\.bias":\{[^}]*"data_offsets":\[(\d+),/.exec(json)![1]);
    return withOffsets('bert.pooler.dense.weight', `[${begin + 32},${begin + 32 + 4 * 256}]`)(json);
  };
  assert.match(await importError(header), /tensor bert\.pooler\.dense\.weight: data_offsets \[(\d+), \d+\] overlap those of tensor bert\.pooler\.dense\.bias, \[\d+, \d+\]; each byte belongs to one tensor/);
});

test('import-hf refuses unindexed bytes: trailing bytes after the last tensor, or a hole between tensors', async () => {
  assert.match(await importError((j) => j, (d) => Buffer.concat([d, Buffer.alloc(4)])), /4 trailing bytes after the last tensor .*the data may not hold unindexed bytes/);
  const hole = (json: string) => {
    const [, begin, end] = new RegExp(`"${POSITION_IDS}":\\{[^}]*"data_offsets":\\[(\\d+),(\\d+)\\]`).exec(json)!;
    return withOffsets(POSITION_IDS, `[${Number(begin) + 8},${Number(end) + 8}]`)(json);
  };
  assert.match(await importError(hole, (d) => Buffer.concat([d, Buffer.alloc(8)])), /tensor bert\.embeddings\.position_ids: data_offsets \[\d+, \d+\] leave a hole of 8 bytes/);
});

test('import-hf refuses a header that is not UTF-8', async () => {
  const dir = join(scratch, 'latin1');
  const hf = writeTinyHfBert(join(dir, 'hf'));
  const file = join(hf, 'model.safetensors');
  const bytes = readFileSync(file);
  const at = bytes.indexOf('"pt"') + 1;
  bytes[at] = 0xe9; // é in Latin-1
  writeFileSync(file, bytes);
  await assert.rejects(importHfBert(hf, join(dir, 'out')), (e: Error) => e instanceof HfImportError && /model\.safetensors: header is not valid UTF-8 \(the spec requires UTF-8 JSON; first byte above 0x7F at header offset \d+\)/.test(e.message));
});

test('import-hf names the bad element of a shape or data_offsets and why, echoing it as written', async () => {
  assert.match(
    await importError((json) => json.replace(/("bert\.pooler\.dense\.bias":\{[^}]*"shape":)\[16\]/, '$1[-16]')),
    /tensor bert\.pooler\.dense\.bias: shape\[0\] of \[-16\] is -16: a dimension cannot be negative/,
  );
  assert.match(await importError(withOffsets(POSITION_IDS, '[-8,184]')), /tensor bert\.embeddings\.position_ids: data_offsets\[0\] of \[-8,184\] is -8: an offset cannot be negative/);
  assert.match(
    await importError(withOffsets(POSITION_IDS, '[0,18446744073709551616]')),
    /tensor bert\.embeddings\.position_ids: data_offsets\[1\] of \[0,18446744073709551616\] is 18446744073709551616, beyond 2\^53 - 1/,
  );
});
