import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, symlinkSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { loadCheckpoint, type Checkpoint, CheckpointStore } from '../../src/checkpoint';
import { MAX_BEST_FILE_BYTES } from '../../src/checkpoint/checkpoint-store';
import { maxManifestBytes } from '../../src/checkpoint/checkpoint-part';
import { CheckpointError, ConfigError, ShapeError, WriteError } from '../../src/core/errors';
import { paramSet, type ParamSet } from '../../src/core/param-set';
import { decodeSafetensors, encodeSafetensors } from '../../src/core/safetensors';
import { mountSmallVolume, smallVolumeUnavailable } from '../support/small-volume';
import { inputFor } from './checkpoint-fixtures';

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'ckpt-'));
}

function bits(p: ParamSet): Record<string, number[]> {
  return Object.fromEntries([...p].map(([n, t]) => [n, [...t.shape, ...new Uint32Array(t.data.buffer, t.data.byteOffset, t.data.length)]]));
}

/** Asserts that `ck` holds exactly what `inputFor(step, rows)` saved. */
function assertIsStep(ck: Checkpoint, step: number, rows = 4): void {
  const want = inputFor(step, rows);
  assert.equal(ck.step, step);
  assert.deepEqual(bits(ck.params), bits(want.params));
  assert.ok(ck.optimizer, 'the optimizer state saved is read back');
  assert.deepEqual(bits(ck.optimizer.m), bits(want.optimizer.m));
  assert.deepEqual(bits(ck.optimizer.v), bits(want.optimizer.v));
  assert.equal(ck.optimizer.step, want.optimizer.step);
}

/** Overwrites one data file of a checkpoint and records its new digest in the manifest, so only content is bad. */
function rewritePart(dir: string, file: string, bytes: Uint8Array): void {
  writeFileSync(join(dir, file), bytes);
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
  manifest.files[file] = { sha256: createHash('sha256').update(bytes).digest('hex'), bytes: bytes.length };
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
}

function editManifest(dir: string, edit: (m: Record<string, unknown>) => void): void {
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
  edit(manifest);
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
}

test('checkpoint round trip restores parameters, moments, rng, metrics and extra bitwise', async () => {
  const dir = tempDir();
  try {
    const store = new CheckpointStore(dir, { keep: 3 });
    const input = inputFor(42);
    const saved = await store.save(input);
    assert.equal(saved.path, join(dir, 'step-00000042'));
    assert.deepEqual(readdirSync(saved.path).sort(), ['manifest.json', 'optimizer.safetensors', 'params.safetensors']);
    const onDisk = readdirSync(saved.path).reduce((n, f) => n + statSync(join(saved.path, f)).size, 0);
    assert.equal(saved.bytesWritten, onDisk);
    assert.ok(saved.encodeSeconds >= 0 && saved.writeSeconds >= 0 && saved.totalSeconds >= saved.encodeSeconds + saved.writeSeconds);

    const ck = await loadCheckpoint(saved.path);
    assertIsStep(ck, 42);
    assert.equal(ck.configHash, 'hash-a');
    assert.deepEqual(ck.rng, input.rng);
    assert.deepEqual(ck.metrics, input.metrics);
    assert.deepEqual(ck.extra, input.extra);
    assert.ok(!Number.isNaN(Date.parse(ck.createdAt)));

    const manifest = JSON.parse(readFileSync(join(saved.path, 'manifest.json'), 'utf8'));
    assert.equal(manifest.format, 'metatrain-checkpoint');
    assert.equal(manifest.formatVersion, 1);
    for (const file of ['params.safetensors', 'optimizer.safetensors']) {
      const bytes = readFileSync(join(saved.path, file));
      assert.deepEqual(manifest.files[file], { sha256: createHash('sha256').update(bytes).digest('hex'), bytes: bytes.length });
    }
    const moments = decodeSafetensors(readFileSync(join(saved.path, 'optimizer.safetensors')), 'optimizer').params;
    assert.deepEqual([...moments.keys()], ['m/enc.b', 'm/enc.w', 'v/enc.b', 'v/enc.w']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a checkpoint saved without optimizer state holds no optimizer file and reads back without one; the manifest must agree', async () => {
  const dir = tempDir();
  try {
    const { optimizer: _, ...input } = inputFor(3);
    const saved = await new CheckpointStore(dir, { keep: 1 }).save(input);
    assert.deepEqual(readdirSync(saved.path).sort(), ['manifest.json', 'params.safetensors']);
    const manifest = JSON.parse(readFileSync(join(saved.path, 'manifest.json'), 'utf8')) as Record<string, unknown>;
    assert.equal('optimizer' in manifest, false);
    // Version 2, so that a metatrain reading version 1 only (which requires optimizer state) refuses it by version.
    assert.equal(manifest['formatVersion'], 2);
    const ck = await loadCheckpoint(saved.path);
    assert.equal(ck.optimizer, undefined);
    assert.deepEqual(bits(ck.params), bits(input.params));
    // Version 1 without optimizer state, as metatrain 0.1.0 wrote for a while, still reads; version 3 does not.
    editManifest(saved.path, (m) => (m.formatVersion = 1));
    assert.equal((await loadCheckpoint(saved.path)).optimizer, undefined);
    editManifest(saved.path, (m) => (m.formatVersion = 3));
    await assert.rejects(loadCheckpoint(saved.path), /formatVersion is 3, expected 1 or 2 \(a newer metatrain wrote it\?\)/);
    editManifest(saved.path, (m) => ((m.formatVersion = 2), (m.optimizer = { step: 3 })));
    await assert.rejects(loadCheckpoint(saved.path), /files is \["params\.safetensors"\], expected a list naming optimizer\.safetensors, as the optimizer field says there is optimizer state/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a fresh checkpoint directory has no latest, no best and an empty list', async () => {
  const store = new CheckpointStore(join(tmpdir(), `ckpt-absent-${process.pid}`), { keep: 1 });
  assert.equal(await store.loadLatest('hash-a'), undefined);
  assert.equal(await store.loadBest(), undefined);
  assert.deepEqual(await store.list(), []);
});

test('a file where the checkpoint directory goes is named, not reported as ENOTDIR', async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'ckpt-file-')), 'checkpoints');
  writeFileSync(file, 'a user file\n');
  const store = new CheckpointStore(file, { keep: 1 });
  for (const call of [() => store.list(), () => store.loadLatest('hash-a'), () => store.otherEntries()]) {
    await assert.rejects(call(), (err: Error) => err instanceof CheckpointError && err.message === `${file} is a file, not a directory of checkpoints: move it elsewhere, or give the run another directory`);
  }
  assert.equal(readFileSync(file, 'utf8'), 'a user file\n');
});

test("a save removes only its own leftovers: a user's .tmp- entries survive it and are named as not the store's", async () => {
  // Before: every `.tmp-` entry was removed (recursively) by the next save, and none was named.
  const dir = tempDir();
  try {
    const store = new CheckpointStore(dir, { keep: 2 });
    mkdirSync(join(dir, '.tmp-step-00000010-999'));
    writeFileSync(join(dir, '.tmp-step-00000010-999', 'mine.txt'), 'mine\n');
    writeFileSync(join(dir, '.tmp-x'), 'mine\n');
    mkdirSync(join(dir, '.tmp-step-00000003-999999-1'));
    assert.deepEqual(await store.otherEntries(), ['.tmp-step-00000010-999', '.tmp-x']);
    await store.save(inputFor(1));
    assert.deepEqual(readdirSync(dir).sort(), ['.tmp-step-00000010-999', '.tmp-x', 'step-00000001']);
    assert.equal(readFileSync(join(dir, '.tmp-step-00000010-999', 'mine.txt'), 'utf8'), 'mine\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the entries of a checkpoint directory that the store does not write are named, its own and its leftovers not', async () => {
  const dir = tempDir();
  try {
    const store = new CheckpointStore(dir, { keep: 2 });
    assert.deepEqual(await new CheckpointStore(join(dir, 'absent'), { keep: 1 }).otherEntries(), []);
    await store.save({ ...inputFor(1), best: true });
    await store.save(inputFor(2));
    // What a save killed midway leaves (a staging directory, a best.json being replaced, a checkpoint moved aside).
    mkdirSync(join(dir, '.tmp-step-00000003-999999-1'));
    writeFileSync(join(dir, '.tmp-best.json-999999-2'), '{}');
    mkdirSync(join(dir, '.tmp-removed-999999-3'));
    assert.deepEqual(await store.otherEntries(), []);
    writeFileSync(join(dir, 'notes.txt'), 'mine\n');
    mkdirSync(join(dir, 'old'));
    writeFileSync(join(dir, 'step-00000009'), 'a file, not a checkpoint\n');
    assert.deepEqual(await store.otherEntries(), ['notes.txt', 'old', 'step-00000009']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("removing an old checkpoint leaves a user's files in its directory, says so once, and the directory is no checkpoint after", async () => {
  // Before: the old checkpoint's directory was removed whole, the user's notes.md with it, without a word.
  const dir = tempDir();
  try {
    const store = new CheckpointStore(dir, { keep: 2 });
    await store.save(inputFor(1));
    await store.save(inputFor(2));
    const oldest = join(dir, 'step-00000001');
    writeFileSync(join(oldest, 'notes.md'), 'mine\n');
    assert.deepEqual(await store.otherEntries(), ['step-00000001/notes.md']);

    const saved = await store.save(inputFor(3));
    assert.deepEqual(readdirSync(oldest), ['notes.md']);
    assert.equal(readFileSync(join(oldest, 'notes.md'), 'utf8'), 'mine\n');
    assert.deepEqual(saved.warnings, [`kept ${oldest}, which holds files that are not a checkpoint's (notes.md): only its checkpoint files were removed; move the rest elsewhere`]);
    // No longer a checkpoint: not listed, not loaded, not warned about (as corrupt, or kept again), still named.
    assert.deepEqual((await store.list()).map((e) => e.step), [2, 3]);
    const latest = await store.loadLatest('hash-a');
    assertIsStep(latest!.checkpoint, 3);
    assert.deepEqual(latest!.warnings, []);
    assert.deepEqual(await store.otherEntries(), ['step-00000001/notes.md']);
    assert.deepEqual((await store.save(inputFor(4))).warnings, []);
    assert.deepEqual(readdirSync(dir).sort(), ['step-00000001', 'step-00000003', 'step-00000004']);
    assert.deepEqual(readdirSync(oldest), ['notes.md']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("saving a step again moves its directory holding a user's files aside, keeping them, and says where", async () => {
  // Before: the save replaced step-00000002 whole, deleting the notes.md kept in it, without a word.
  const dir = tempDir();
  try {
    const store = new CheckpointStore(dir, { keep: 1 });
    await store.save(inputFor(1));
    await store.save(inputFor(2));
    const step2 = join(dir, 'step-00000002');
    writeFileSync(join(step2, 'notes.md'), 'mine\n');
    await store.save(inputFor(3));
    assert.deepEqual(readdirSync(step2), ['notes.md']);
    rmSync(join(dir, 'step-00000003'), { recursive: true });

    const kept = `${step2}.kept-1`;
    const saved = await store.save(inputFor(2));
    assert.deepEqual(saved.warnings, [`moved ${step2} to ${kept} before saving step 2 there: it holds files that are not a checkpoint's (notes.md), which are in ${kept} now; move them elsewhere`]);
    assert.deepEqual(readdirSync(kept), ['notes.md']);
    assert.equal(readFileSync(join(kept, 'notes.md'), 'utf8'), 'mine\n');
    assertIsStep((await store.loadLatest('hash-a'))!.checkpoint, 2);
    assert.deepEqual((await store.list()).map((e) => e.step), [2]);
    assert.deepEqual(await store.otherEntries(), ['step-00000002.kept-1']);

    // A corrupt checkpoint with a user's file: the file is kept (in the next free name), the old checkpoint's files not.
    writeFileSync(join(step2, 'notes.md'), 'again\n');
    truncateSync(join(step2, 'params.safetensors'), 10);
    const again = await store.save(inputFor(2));
    assert.match(again.warnings.join('\n'), /to .*step-00000002\.kept-2 before saving step 2 there/);
    assert.deepEqual(readdirSync(`${step2}.kept-2`), ['notes.md']);
    assert.deepEqual(readdirSync(kept), ['notes.md']);
    assertIsStep((await store.loadLatest('hash-a'))!.checkpoint, 2);

    // A user's file named as a step directory is moved aside too, not deleted.
    const file = join(dir, 'step-00000004');
    writeFileSync(file, 'a file\n');
    assert.deepEqual((await store.save(inputFor(4))).warnings, [`moved ${file}, which is not a checkpoint's directory, to ${file}.kept-1 before saving step 4 there: move it elsewhere`]);
    assert.equal(readFileSync(`${file}.kept-1`, 'utf8'), 'a file\n');
    assertIsStep((await store.loadLatest('hash-a'))!.checkpoint, 4);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('loadLatest warns of a newer step directory that holds files but none of a checkpoint\'s', async () => {
  // Before: skipped without a word (while one missing only its manifest is warned of as corrupt).
  const dir = tempDir();
  try {
    const store = new CheckpointStore(dir, { keep: 3 });
    await store.save(inputFor(1));
    const newest = (await store.save(inputFor(2))).path;
    for (const name of readdirSync(newest)) unlinkSync(join(newest, name));
    writeFileSync(join(newest, '.params.safetensors.a1b2'), 'partial copy');
    const latest = await store.loadLatest('hash-a');
    assertIsStep(latest!.checkpoint, 1);
    assert.deepEqual(latest!.warnings, [
      `skipped ${newest}, which holds none of a checkpoint's files (manifest.json, params.safetensors, optimizer.safetensors), only others (.params.safetensors.a1b2): if its checkpoint was moved elsewhere, move it back to resume from it`,
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("removing an old checkpoint removes a link under a checkpoint file's name, and keeps a directory under one as a user's", async () => {
  // Before: a link stayed, so the directory stayed a checkpoint and was kept again, with a warning, at every save;
  // a directory `params.safetensors` was taken for the checkpoint's file, and removed whole with the user's data in it.
  const dir = tempDir();
  const outside = tempDir();
  try {
    const store = new CheckpointStore(dir, { keep: 1 });
    const oldest = (await store.save(inputFor(1))).path;
    writeFileSync(join(outside, 'params.safetensors'), readFileSync(join(oldest, 'params.safetensors')));
    unlinkSync(join(oldest, 'params.safetensors'));
    symlinkSync(join(outside, 'params.safetensors'), join(oldest, 'params.safetensors'));
    writeFileSync(join(oldest, 'notes.md'), 'mine\n');
    assertIsStep((await store.loadLatest('hash-a'))!.checkpoint, 1);
    assert.deepEqual((await store.save(inputFor(2))).warnings, [`kept ${oldest}, which holds files that are not a checkpoint's (notes.md): only its checkpoint files were removed; move the rest elsewhere`]);
    assert.deepEqual(readdirSync(oldest), ['notes.md']);
    assert.ok(statSync(join(outside, 'params.safetensors')).size > 0, 'what the link pointed to is left');

    const second = join(dir, 'step-00000002');
    rmSync(join(second, 'params.safetensors'));
    mkdirSync(join(second, 'params.safetensors'));
    writeFileSync(join(second, 'params.safetensors', 'mine.bin'), 'data');
    assert.deepEqual((await store.save(inputFor(3))).warnings, [`kept ${second}, which holds files that are not a checkpoint's (params.safetensors): only its checkpoint files were removed; move the rest elsewhere`]);
    assert.equal(readFileSync(join(second, 'params.safetensors', 'mine.bin'), 'utf8'), 'data');
    assert.deepEqual((await store.list()).map((e) => e.step), [3]);
    assert.deepEqual((await store.save(inputFor(4))).warnings, []);
    assert.deepEqual(readdirSync(dir).sort(), ['step-00000001', 'step-00000002', 'step-00000004']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(outside, { recursive: true, force: true });
  }
});

const corruptions: ReadonlyArray<{ what: string; corrupt: (ckDir: string) => void; reason: RegExp }> = [
  { what: 'truncated params', corrupt: (d) => truncateSync(join(d, 'params.safetensors'), 20), reason: /truncated: params\.safetensors holds 20 bytes, manifest\.json says \d+/ },
  {
    what: 'flipped byte',
    corrupt: (d) => {
      const b = readFileSync(join(d, 'optimizer.safetensors'));
      b[b.length - 1] ^= 0x01;
      writeFileSync(join(d, 'optimizer.safetensors'), b);
    },
    reason: /optimizer\.safetensors fails its sha256 check/,
  },
  {
    // Before: read whole however long (and, still JSON, loaded), as was a data file longer than listed.
    what: 'manifest past its limit',
    corrupt: (d) => writeFileSync(join(d, 'manifest.json'), readFileSync(join(d, 'manifest.json'), 'utf8') + ' '.repeat(maxManifestBytes(2))),
    reason: new RegExp(`manifest\\.json: \\d+ bytes, more than the ${maxManifestBytes(2)} bytes allowed for a manifest of step 2`),
  },
  {
    what: 'data file longer than listed',
    corrupt: (d) => writeFileSync(join(d, 'params.safetensors'), Buffer.concat([readFileSync(join(d, 'params.safetensors')), Buffer.alloc(1 << 20)])),
    reason: /params\.safetensors: \d+ bytes, more than the \d+ bytes allowed \(the length manifest\.json lists\)/,
  },
  { what: 'missing manifest', corrupt: (d) => unlinkSync(join(d, 'manifest.json')), reason: /missing manifest\.json/ },
  { what: 'missing data file', corrupt: (d) => unlinkSync(join(d, 'params.safetensors')), reason: /missing params\.safetensors/ },
  { what: 'manifest not JSON', corrupt: (d) => truncateSync(join(d, 'manifest.json'), 30), reason: /manifest\.json is not valid JSON/ },
  { what: 'manifest field', corrupt: (d) => editManifest(d, (m) => (m.step = 'two')), reason: /manifest\.json: step is "two", expected a non-negative integer/ },
  { what: 'manifest step', corrupt: (d) => editManifest(d, (m) => (m.step = 9)), reason: /manifest\.json says step 9 but the directory is named for step 2/ },
  {
    what: 'manifest without optimizer',
    corrupt: (d) => editManifest(d, (m) => delete (m.files as Record<string, unknown>)['optimizer.safetensors']),
    reason: /files is \["params\.safetensors"\], expected a list naming optimizer\.safetensors/,
  },
  {
    what: 'optimizer file without the optimizer field',
    corrupt: (d) => editManifest(d, (m) => delete m.optimizer),
    reason: /files is \["params\.safetensors","optimizer\.safetensors"\], expected no optimizer\.safetensors when there is no optimizer field/,
  },
  {
    what: 'bad safetensors with valid sha',
    corrupt: (d) => rewritePart(d, 'params.safetensors', Buffer.from([1, 2, 3])),
    reason: /params\.safetensors: truncated: 3 bytes/,
  },
  {
    what: 'unprefixed moment',
    corrupt: (d) => rewritePart(d, 'optimizer.safetensors', encodeSafetensors(inputFor(2).params)),
    reason: /optimizer\.safetensors: tensor enc\.b has neither the m\/ nor the v\/ prefix/,
  },
  {
    what: 'moment shape',
    corrupt: (d) => {
      const m = inputFor(2).optimizer.m;
      const wrong = paramSet([...m].map(([n, t]) => [n, n === 'enc.b' ? { shape: [2, 4], data: t.data } : t] as const));
      rewritePart(d, 'optimizer.safetensors', encodeSafetensors(paramSet([...[...wrong].map(([n, t]) => [`m/${n}`, t] as const), ...[...m].map(([n, t]) => [`v/${n}`, t] as const)])));
    },
    reason: /optimizer\.safetensors m\/: tensor enc\.b has shape \[2, 4\], expected \[8\]/,
  },
];

for (const { what, corrupt, reason } of corruptions) {
  test(`a corrupt newest checkpoint (${what}) is refused by load and skipped by loadLatest with a warning naming it`, async () => {
    const dir = tempDir();
    try {
      const store = new CheckpointStore(dir, { keep: 3 });
      await store.save(inputFor(1));
      const newest = (await store.save(inputFor(2))).path;
      corrupt(newest);
      await assert.rejects(store.load(newest), (e: unknown) => e instanceof CheckpointError && e.message.includes(`checkpoint ${newest}: `) && reason.test(e.message));
      const latest = await store.loadLatest('hash-a');
      assert.ok(latest);
      assertIsStep(latest.checkpoint, 1);
      assert.equal(latest.warnings.length, 1);
      assert.ok(latest.warnings[0].includes(newest), latest.warnings[0]);
      assert.match(latest.warnings[0], reason);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test('a best.json past its limit is refused by its size, naming the file and the limit', async () => {
  // Before: read whole however long; padded with spaces, still JSON, it was taken.
  const dir = tempDir();
  try {
    const store = new CheckpointStore(dir, { keep: 3 });
    await store.save({ ...inputFor(1), best: true });
    assert.equal(await store.bestStep(), 1);
    const best = join(dir, 'best.json');
    writeFileSync(best, `{"step": 1, "dir": "step-00000001"}${' '.repeat(MAX_BEST_FILE_BYTES)}`);
    await assert.rejects(store.bestStep(), (e: unknown) => e instanceof CheckpointError && e.message === `${best}: ${MAX_BEST_FILE_BYTES + 35} bytes, more than the 4096 bytes (4 KiB) allowed for best.json, which holds {"step": N, "dir": "step-NNNNNNNN"}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('loadLatest refuses a checkpoint of another config hash, and fails when no checkpoint is valid', async () => {
  const dir = tempDir();
  try {
    const store = new CheckpointStore(dir, { keep: 3 });
    await store.save(inputFor(1));
    await assert.rejects(store.loadLatest('hash-b'), (e: unknown) => e instanceof CheckpointError && /config hash hash-a, but this run's config hash is hash-b; resuming a different run would be wrong/.test(e.message));
    assertIsStep((await store.loadLatest())!.checkpoint, 1);
    truncateSync(join(dir, 'step-00000001', 'params.safetensors'), 0);
    await assert.rejects(store.loadLatest('hash-a'), (e: unknown) => e instanceof CheckpointError && /no valid checkpoint in .*step-00000001: truncated/.test(e.message));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('saving a step again replaces its corrupt checkpoint', async () => {
  const dir = tempDir();
  try {
    const store = new CheckpointStore(dir, { keep: 3 });
    await store.save(inputFor(1));
    const p = (await store.save(inputFor(2))).path;
    truncateSync(join(p, 'params.safetensors'), 10);
    await store.save(inputFor(2));
    const latest = await store.loadLatest('hash-a');
    assertIsStep(latest!.checkpoint, 2);
    assert.deepEqual(latest!.warnings, []);
    assert.deepEqual(readdirSync(dir).sort(), ['step-00000001', 'step-00000002']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the store keeps the last K checkpoints plus the one marked best', async () => {
  const dir = tempDir();
  try {
    const store = new CheckpointStore(dir, { keep: 2 });
    for (let step = 1; step <= 6; step++) await store.save({ ...inputFor(step), best: step === 2 });
    assert.deepEqual((await store.list()).map((e) => e.step), [2, 5, 6]);
    assertIsStep((await store.loadBest())!, 2);
    assert.deepEqual(JSON.parse(readFileSync(join(dir, 'best.json'), 'utf8')), { step: 2, dir: 'step-00000002' });

    await store.save({ ...inputFor(7), best: true });
    assert.deepEqual((await store.list()).map((e) => e.step), [6, 7]);
    await store.save(inputFor(8));
    assert.deepEqual((await store.list()).map((e) => e.step), [7, 8]);
    assertIsStep((await store.loadBest())!, 7);
    assert.deepEqual(readdirSync(dir).sort(), ['best.json', 'step-00000007', 'step-00000008']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('concurrent saves are serialized and all published', async () => {
  const dir = tempDir();
  try {
    const store = new CheckpointStore(dir, { keep: 5 });
    await Promise.all([1, 2, 3, 4].map((s) => store.save(inputFor(s))));
    const all = await store.list();
    assert.deepEqual(all.map((e) => e.step), [1, 2, 3, 4]);
    for (const e of all) assertIsStep(await store.load(e.path), e.step);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('save refuses invalid input before touching the disk', async () => {
  const dir = join(tmpdir(), `ckpt-never-${process.pid}`);
  const store = new CheckpointStore(dir, { keep: 1 });
  await assert.rejects(store.save({ ...inputFor(1), metrics: { loss: NaN } }), (e: unknown) => e instanceof CheckpointError && /loss is NaN, which JSON cannot store/.test(e.message));
  await assert.rejects(store.save({ ...inputFor(1), rng: { state: 5n } }), (e: unknown) => e instanceof CheckpointError && /state is 5, which JSON cannot store/.test(e.message));
  await assert.rejects(store.save({ ...inputFor(1), step: -1 }), (e: unknown) => e instanceof CheckpointError && /step must be a non-negative integer/.test(e.message));
  await assert.rejects(store.save({ ...inputFor(1), configHash: '' }), (e: unknown) => e instanceof CheckpointError && /configHash is empty/.test(e.message));
  const bad = inputFor(1);
  await assert.rejects(store.save({ ...bad, optimizer: { ...bad.optimizer, v: inputFor(1, 3).params } }), (e: unknown) => e instanceof ShapeError && /optimizer v: tensor enc\.w has shape \[3, 8\]/.test(e.message));
  assert.throws(() => new CheckpointStore(dir, { keep: 0 }), ConfigError);
  assert.deepEqual(await store.list(), []);
});

test('a crash between temp write and rename leaves the previous state loadable; leftovers are ignored, then cleaned', async () => {
  const dir = tempDir();
  const scratch = tempDir();
  try {
    const store = new CheckpointStore(dir, { keep: 3 });
    await store.save(inputFor(1));
    await store.save({ ...inputFor(2), best: true });
    // The state a process killed mid-save leaves: step 3 fully or partly written under a temp name, a temp best pointer.
    const written = (await new CheckpointStore(scratch, { keep: 3 }).save(inputFor(3))).path;
    const leftover = join(dir, '.tmp-step-00000003-99999-1');
    renameSync(written, leftover);
    truncateSync(join(leftover, 'params.safetensors'), 17);
    writeFileSync(join(dir, '.tmp-best.json-99999-2'), '{"step": 3, "di');

    assert.deepEqual((await store.list()).map((e) => e.step), [1, 2]);
    const latest = await store.loadLatest('hash-a');
    assertIsStep(latest!.checkpoint, 2);
    assert.deepEqual(latest!.warnings, []);
    assertIsStep((await store.loadBest())!, 2);

    await store.save(inputFor(3));
    assert.deepEqual(readdirSync(dir).sort(), ['best.json', 'step-00000001', 'step-00000002', 'step-00000003']);
    assertIsStep((await store.loadLatest('hash-a'))!.checkpoint, 3);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(scratch, { recursive: true, force: true });
  }
});

/** Runs the crash child on `dir` from step `first`, SIGKILLs it `delayMs` after its first save; returns its last saved step. */
async function killMidSave(dir: string, first: number, rows: number, delayMs: number): Promise<number> {
  const child = join(__dirname, `checkpoint-crash-child${extname(__filename)}`);
  const args = extname(__filename) === '.ts' ? ['--import', 'tsx', child] : [child];
  const proc = spawn(process.execPath, [...args, dir, String(first), String(rows)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  proc.stderr.on('data', (d: Buffer) => (err += d));
  const exited = new Promise<void>((resolve) => proc.on('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    proc.stdout.on('data', (d: Buffer) => {
      out += d;
      if (out.includes('\n')) resolve();
    });
    proc.on('exit', (code) => reject(new Error(`crash child exited early (${code}): ${err}`)));
  });
  await new Promise((r) => setTimeout(r, delayMs));
  proc.kill('SIGKILL');
  await exited;
  const saved = [...out.matchAll(/saved (\d+)/g)].map((m) => Number(m[1]));
  return saved[saved.length - 1];
}

test('a writer SIGKILLed mid-save never leaves a half-written checkpoint visible', async () => {
  const dir = tempDir();
  try {
    const rows = 32768; // 1 MiB of parameters, 2 MiB of moments per checkpoint
    let first = 1;
    for (const delayMs of [3, 17, 41]) {
      const lastSaved = await killMidSave(dir, first, rows, delayMs);
      const latest = await new CheckpointStore(dir, { keep: 2 }).loadLatest('hash-a');
      assert.ok(latest);
      assert.deepEqual(latest.warnings, [], 'no published checkpoint may be damaged by the kill');
      assert.ok(latest.checkpoint.step >= lastSaved, `step ${latest.checkpoint.step} is older than the last reported save ${lastSaved}`);
      assertIsStep(latest.checkpoint, latest.checkpoint.step, rows);
      first = latest.checkpoint.step + 1;
    }
    await new CheckpointStore(dir, { keep: 2 }).save(inputFor(first, rows));
    assert.ok(readdirSync(dir).every((name) => !name.startsWith('.tmp-')), readdirSync(dir).join(', '));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a save on a full volume fails with a WriteError naming the file and ENOSPC; no temporary is left and the earlier checkpoints and best.json stay intact', { skip: smallVolumeUnavailable() }, async (t) => {
  const parent = tempDir();
  const volume = mountSmallVolume(parent, 1024 * 1024);
  t.after(() => {
    volume.unmount();
    rmSync(parent, { recursive: true, force: true });
  });
  const dir = join(volume.path, 'checkpoints');
  const store = new CheckpointStore(dir, { keep: 5 });
  await store.save({ ...inputFor(1, 64), best: true });
  await store.save(inputFor(2, 64));
  volume.fill();
  for (const step of [3, 2]) {
    // A new step, then the same step again (a save that replaces one): neither may touch what is published.
    await assert.rejects(store.save({ ...inputFor(step, 64), best: true }), (e: Error) => e instanceof WriteError && e.code === 'ENOSPC' && e.message.startsWith(`cannot write ${join(dir, `step-0000000${step}`)}/`) && e.message.endsWith('no space left on device (ENOSPC)'));
    assert.deepEqual(readdirSync(dir).sort(), ['best.json', 'step-00000001', 'step-00000002']);
  }
  assertIsStep((await store.loadLatest('hash-a'))!.checkpoint, 2, 64);
  assertIsStep((await store.loadBest())!, 1, 64);
});
