/**
 * What `import-hf` writes: the parameters only, without an optimizer.safetensors. Before, it wrote Adam moments of
 * all zeros, twice the parameters' size (a 75 MB model came with 148 MB of zeros); a checkpoint without optimizer
 * state now means the same, a fresh optimizer (src/checkpoint/checkpoint-manifest.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { loadCheckpoint } from '../../src/checkpoint';
import { importHfBert } from '../../src/hf';
import { tempDir } from '../support/harness';
import { writeTinyHfBert } from './fixtures';

test('import-hf writes the parameters without an optimizer file of zeros, and the checkpoint loads with no optimizer state', async () => {
  const dir = tempDir();
  const imported = await importHfBert(writeTinyHfBert(join(dir, 'hf')), join(dir, 'bert'));
  const step = join(imported.dir, 'step-00000000');
  assert.deepEqual(readdirSync(step).sort(), ['manifest.json', 'params.safetensors']);
  const checkpoint = await loadCheckpoint(step);
  assert.equal(checkpoint.optimizer, undefined);
  let values = 0;
  for (const t of checkpoint.params.values()) values += t.data.length;
  assert.equal(values, imported.params);
  const bytes = readdirSync(step).reduce((n, f) => n + statSync(join(step, f)).size, 0);
  assert.ok(bytes < 4 * values + 16_384, `the checkpoint holds ${bytes} bytes for ${values} F32 values: no more than the parameters and their headers`);
});
