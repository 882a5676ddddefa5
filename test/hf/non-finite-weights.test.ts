/**
 * Weights that are not finite (NaN, ±Infinity) are refused where they enter: by `import-hf`, naming the file, the
 * tensor and the index, and by a run's check of `model.init` before anything starts, naming the parameter. Before,
 * both were accepted and the run failed only once its workers had started.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { CheckpointError } from '../../src/core/errors';
import { parseRunConfig } from '../../src/core/config';
import { paramSet } from '../../src/core/param-set';
import { CheckpointStore, loadCheckpoint } from '../../src/checkpoint';
import { HfImportError, importHfBert } from '../../src/hf';
import { loadModelInitBeforeStart } from '../../src/pretrain/pretrained-body';
import { runCli, tempDir } from '../support/harness';
import { writeTinyHfBert, type RawTensor } from './fixtures';

/** An F32 tensor of `shape` holding 0.5 everywhere but `bad` at flat index `at`. */
function f32With(shape: number[], at: number, bad: number): RawTensor {
  const data = new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(0.5);
  data[at] = bad;
  return { dtype: 'F32', shape, bytes: new Uint8Array(data.buffer) };
}

test('import-hf refuses a NaN or an infinite weight, naming the file, the tensor and the index, and writes nothing', async () => {
  const dir = tempDir();
  const query = 'bert.encoder.layer.0.attention.self.query.weight';
  const nan = writeTinyHfBert(join(dir, 'nan'), { tensors: (t) => t.set(query, f32With([16, 16], 19, NaN)) });
  await assert.rejects(
    importHfBert(nan, join(dir, 'out')),
    (e: Error) => e instanceof HfImportError && /nan\/model\.safetensors: tensor bert\.encoder\.layer\.0\.attention\.self\.query\.weight holds NaN at index 19 \(\[1, 3\]\); a model with weights that are not finite/.test(e.message),
  );
  assert.equal(existsSync(join(dir, 'out')), false);
  const bias = 'bert.encoder.layer.1.output.LayerNorm.bias';
  const inf = writeTinyHfBert(join(dir, 'inf'), { tensors: (t) => t.set(bias, f32With([16], 7, -Infinity)) });
  const cli = await runCli(['import-hf', inf, '--out', join(dir, 'out')]);
  assert.equal(cli.code, 1);
  assert.match(cli.stderr, /inf\/model\.safetensors: tensor bert\.encoder\.layer\.1\.output\.LayerNorm\.bias holds -Infinity at index 7 \(\[7\]\)/);
  assert.equal(existsSync(join(dir, 'out')), false);
});

test('a run refuses a model.init checkpoint holding a NaN before it starts, naming the parameter and the index', async () => {
  const dir = tempDir();
  const imported = await importHfBert(writeTinyHfBert(join(dir, 'hf')), join(dir, 'bert'));
  const config = (init: string) => parseRunConfig({ name: 'hf', task: { family: 'jsonl', path: 'x.jsonl', ways: 3 }, model: { ...imported.model, init }, compression: { enabled: false } });
  assert.ok(await loadModelInitBeforeStart(config(imported.dir)), 'the import itself is accepted');
  // A checkpoint that diverged: the same checkpoint, saved with a NaN in one body parameter.
  const good = await loadCheckpoint(join(imported.dir, 'step-00000000'));
  const params = paramSet([...good.params].map(([name, t]) => {
    const data = Float32Array.from(t.data);
    if (name === 'layer0.attn.wq') data[5] = NaN;
    return [name, { shape: [...t.shape], data }] as const;
  }));
  const diverged = join(dir, 'diverged');
  await new CheckpointStore(diverged, { keep: 1 }).save({ ...good, params, best: true });
  await assert.rejects(
    loadModelInitBeforeStart(config(diverged)),
    (e: Error) => e instanceof CheckpointError && /^model\.init .*diverged\/step-00000000: tensor layer0\.attn\.wq holds NaN at index 5; training cannot start from values that are not finite/.test(e.message),
  );
});
