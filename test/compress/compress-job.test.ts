import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { initBackend } from '../../src/model/backend';
import { architectureOf } from '../../src/model/architecture';
import { compressJob } from '../../src/compress/compress-job';
import { foundByJob } from '../../src/compress/other-compression';
import { dequantizedParams, loadCompressedModel } from '../../src/compress/compressed-model';
import type { CompressionReport } from '../../src/compress/compression-report';
import { loadOnnx } from '../../src/compress/onnx-run';
import { ONNX_EXACT_TOLERANCE, randomInputs, typescriptOutputs } from '../../src/compress/onnx-check';
import { CheckpointError, DamagedCompressionError, DirectoryError, OtherCompressionError, ProtocolError } from '../../src/core/errors';
import { failsForGood } from '../../src/bus/job-attempt';
import { textRun, writeTeacherCheckpoint } from './fixtures';
import { compressionJobId } from '../../src/bus/job-queue';
import { configHash } from '../../src/core/config';

before(async () => {
  await initBackend('wasm');
});

const fresh = () => mkdtempSync(join(tmpdir(), 'metatrain-compress-'));

/** A text run in a fresh directory, and `job(checkpoint, step)`: the compression job a run gives its checkpoint of `step`, published in `<dir>/run/compressed`. */
function textRunJobs() {
  const dir = fresh();
  const config = textRun(dir);
  const outDir = join(dir, 'run', 'compressed');
  const job = (checkpoint: string, step: number) => ({ jobId: compressionJobId(config.name, step, configHash(config)), run: config.name, checkpoint, config, outDir });
  return { dir, config, outDir, job };
}

/** {@link textRunJobs}' checkpoint of step 3 and its job, run once: its result is committed. */
async function committedJob() {
  const { dir, config, outDir, job } = textRunJobs();
  const checkpoint = await writeTeacherCheckpoint(config);
  const committed = job(checkpoint, 3);
  return { dir, checkpoint, outDir, job: committed, reportPath: await compressJob(committed) };
}

/**
 * {@link textRunJobs}' checkpoints of steps 3 (`earlier`) and 4 (`later`), the one of step 3 compressed: the later
 * one's job replaces that compression; `before` is its compression.json's text.
 */
async function earlierCompression() {
  const { config, outDir, job } = textRunJobs();
  const earlier = await writeTeacherCheckpoint(config, 3);
  const later = await writeTeacherCheckpoint(config, 4);
  const reportPath = await compressJob(job(earlier, 3));
  return { outDir, job, earlier, later, reportPath, before: readFileSync(reportPath, 'utf8') };
}

test('a compression job publishes model.onnx, model.safetensors and compression.json whose numbers match the files', async () => {
  const dir = fresh();
  const config = textRun(dir);
  const checkpoint = await writeTeacherCheckpoint(config);
  const outDir = join(dir, 'run', 'compressed');
  // Beside outDir, a user's entries named like its temporaries stay (before: every `.tmp-compressed-…` was removed,
  // recursively); what a killed compressor left (`.tmp-compressed-<dead pid>-<n>`) goes.
  const users = ['.tmp-compressed-backup', '.tmp-compressed-notes.txt', '.tmp-compressed-2025-01'];
  for (const name of users) mkdirSync(join(dir, 'run', name, 'mine'), { recursive: true });
  mkdirSync(join(dir, 'run', `.tmp-compressed-${spawnSync(process.execPath, ['-e', '0']).pid}-1`, 'half'), { recursive: true });
  const reportPath = await compressJob({ jobId: 'job-text', run: config.name, checkpoint, config, outDir });
  assert.equal(reportPath, join(outDir, 'compression.json'));
  assert.deepEqual(readdirSync(outDir).sort(), ['compression.json', 'model.onnx', 'model.safetensors']);
  assert.deepEqual(readdirSync(join(dir, 'run')).filter((e) => e.startsWith('.tmp-')).sort(), users.sort());
  const report = JSON.parse(readFileSync(reportPath, 'utf8')) as CompressionReport;
  for (const [file, entry] of Object.entries(report.files)) {
    const bytes = readFileSync(join(outDir, file));
    assert.equal(entry.bytes, bytes.length, file);
    assert.equal(entry.sha256, createHash('sha256').update(bytes).digest('hex'), file);
  }
  assert.equal(report.sizes.compressedBytes, report.files['model.safetensors']!.bytes);
  assert.equal(report.sizes.float32Bytes, 4 * report.teacher.params);
  assert.equal(report.student.model.dModel, 8);
  assert.equal(report.student.model.dFf, 16);
  assert.ok(Math.abs(report.sparsity.pruned - 0.5) < 0.02, `pruned sparsity ${report.sparsity.pruned}`);
  assert.ok(report.quantization.float32.includes('head.w') && !report.quantization.int8.includes('head.w'));
  assert.equal(report.accuracy.tasks, 4);
  assert.equal(report.accuracy.teacher.metric.n, 4);
  assert.ok(report.onnx.agreement.exact <= ONNX_EXACT_TOLERANCE);

  // The compressed checkpoint loads as a model config + ParamSet: pruned weights are exact zeros, and the ONNX
  // file on disk computes what the TypeScript model computes with those parameters.
  const compressed = await loadCompressedModel(outDir);
  assert.deepEqual(compressed.model, report.student.model);
  const params = dequantizedParams(compressed);
  assert.deepEqual([...params.keys()].sort(), [...architectureOf(compressed.model, compressed.outputs).spec.keys()].sort());
  const embed = params.get('embed.token')!.data;
  assert.ok(Math.abs(embed.filter((v) => v === 0).length / embed.length - 0.5) < 0.02);
  const onnx = await loadOnnx(readFileSync(join(outDir, 'model.onnx')), compressed.model);
  const input = randomInputs(compressed.model, 12, 99);
  const out = await onnx.run(input, 12);
  await onnx.release();
  const expected = typescriptOutputs(compressed.model, compressed.outputs, params, input, 12);
  const scale = Math.max(1, ...Array.from(expected, Math.abs));
  const diff = Math.max(...Array.from(out, (v, i) => Math.abs(v - expected[i]!))) / scale;
  assert.ok(diff <= ONNX_EXACT_TOLERANCE, `ONNX vs TypeScript: relative difference ${diff}`);
});

test('a compression job on a hashed-words model of 200 buckets (fewer ids than the byte vocabulary) passes its ONNX check on ids of that vocabulary', async () => {
  const dir = fresh();
  const config = textRun(dir, {}, { tokenizer: 'hashed-words', hashBuckets: 200 });
  const checkpoint = await writeTeacherCheckpoint(config);
  const outDir = join(dir, 'run', 'compressed');
  const report = JSON.parse(readFileSync(await compressJob({ jobId: 'job-hashed', run: config.name, checkpoint, config, outDir }), 'utf8')) as CompressionReport;
  assert.ok(report.onnx.agreement.exact <= ONNX_EXACT_TOLERANCE, `ONNX vs TypeScript: relative difference ${report.onnx.agreement.exact}`);
  const ids = randomInputs(config.model, 64, 7);
  assert.ok(ids.every((id) => id >= 0 && id < 200), 'random check inputs lie in [0, hashBuckets)');
  assert.ok(ids.some((id) => id >= 150), 'random check inputs reach the top of the vocabulary');
});

test('a job already committed is not run again: the existing result is returned untouched', async () => {
  const dir = fresh();
  const config = textRun(dir);
  const checkpoint = await writeTeacherCheckpoint(config);
  const job = { jobId: 'job-once', run: config.name, checkpoint, config, outDir: join(dir, 'run', 'compressed') };
  const first = await compressJob(job);
  const before = readFileSync(first, 'utf8');
  const t0 = performance.now();
  assert.equal(await compressJob(job), first);
  assert.ok(performance.now() - t0 < 200);
  assert.equal(readFileSync(first, 'utf8'), before);
});

test('a job whose output holds the compression of another checkpoint fails at once, naming it, and leaves it as it is', async () => {
  // Before: the job took any committed compression.json there as its own result and reported success (a
  // `metatrain compress` of step 10 by hand into <run dir>/compressed became the run's compression of step 20).
  // These ids are not of one run and config (compressionJobId), so the later step does not replace the earlier.
  const dir = fresh();
  const config = textRun(dir);
  const earlier = await writeTeacherCheckpoint(config, 3);
  const later = await writeTeacherCheckpoint(config, 4);
  const outDir = join(dir, 'run', 'compressed');
  const first = await compressJob({ jobId: 'job-step-3', run: config.name, checkpoint: earlier, config, outDir });
  const before = readFileSync(first, 'utf8');
  const t0 = performance.now();
  await assert.rejects(
    compressJob({ jobId: 'job-step-4', run: config.name, checkpoint: later, config, outDir }),
    (e: unknown) =>
      e instanceof OtherCompressionError &&
      (e as Error).message ===
        `${outDir} already holds the compression of ${earlier} (step 3), which was left as it is; the compression of ${later} was not written: move ${outDir} elsewhere or remove it, then run metatrain compress --checkpoint ${later}`,
  );
  assert.ok(performance.now() - t0 < 200, 'refused before the pipeline runs');
  assert.equal(readFileSync(first, 'utf8'), before);
  // The same job with other compression settings (which its id leaves out) is another compression too.
  const sparser = { ...config, compression: { ...config.compression, sparsity: 0.7 } };
  await assert.rejects(compressJob({ jobId: 'job-step-3', run: config.name, checkpoint: earlier, config: sparser, outDir }), /already holds the compression of this checkpoint, made with other settings \(compression\.sparsity: 0\.5 → 0\.7\)/);
  assert.equal(readFileSync(first, 'utf8'), before);
});

test('the compression of a later checkpoint of the same run and config replaces the earlier one; an earlier never replaces a later', async () => {
  // A finished run resumed with a larger training.maxSteps compresses its new final checkpoint into the same
  // <run dir>/compressed (before: the job failed there, or earlier still reported the old result as the new one's).
  const { dir, config, job } = textRunJobs();
  const earlier = await writeTeacherCheckpoint(config, 3);
  const later = await writeTeacherCheckpoint(config, 4);
  assert.equal(await foundByJob(job(earlier, 3)), undefined, 'nothing to replace yet');
  await compressJob(job(earlier, 3));
  assert.deepEqual(await foundByJob(job(earlier, 3)), { own: true }, 'its own result is reused, not replaced');
  assert.deepEqual(await foundByJob(job(later, 4)), { replaces: `the compression of ${earlier} (step 3)` });
  const report = await compressJob(job(later, 4));
  const replaced = JSON.parse(readFileSync(report, 'utf8')) as CompressionReport;
  assert.equal(replaced.step, 4);
  assert.equal(replaced.checkpoint, later);
  assert.deepEqual(readdirSync(join(dir, 'run')).filter((e) => e.startsWith('.tmp-')), [], 'the earlier result moved aside is removed');
  await assert.rejects(compressJob(job(earlier, 3)), (e: unknown) => e instanceof OtherCompressionError && /already holds the compression of .*step 4/.test((e as Error).message));
  assert.equal(await foundByJob(job(earlier, 3)), undefined, 'a later compression is neither its own nor one it replaces');
  assert.equal((JSON.parse(readFileSync(report, 'utf8')) as CompressionReport).step, 4);
  // A run directory moved (or copied, or reached through a link) holds its own compression under the old path: it
  // is still the run's, and is replaced (before: refused as another run's).
  const moved = JSON.parse(readFileSync(report, 'utf8')) as CompressionReport;
  writeFileSync(report, JSON.stringify({ ...moved, jobId: job(earlier, 3).jobId, checkpoint: join(dir, 'elsewhere', 'checkpoints', 'step-00000003'), step: 3 }));
  assert.equal((JSON.parse(readFileSync(await compressJob(job(later, 4)), 'utf8')) as CompressionReport).checkpoint, later);
  // The same checkpoint with other compression settings (a run resumed after changing them) replaces it too.
  const sparser = { ...job(later, 4), config: { ...config, compression: { ...config.compression, sparsity: 0.7 } } };
  assert.deepEqual(await foundByJob(sparser), { replaces: 'the compression of this checkpoint, made with other settings (compression.sparsity: 0.5 → 0.7)' });
  assert.equal((JSON.parse(readFileSync(await compressJob(sparser), 'utf8')) as CompressionReport).settings?.sparsity, 0.7);
});

test('a compression.json that is no compression report fails the job at once, naming the file, and is left as it is', async () => {
  // Before: `null` there counted as no result, and the job failed after the whole compression (ENOTEMPTY); invalid
  // JSON failed with the bare parser message; a report without its fields was named "the compression of undefined".
  const dir = fresh();
  const config = textRun(dir);
  const checkpoint = await writeTeacherCheckpoint(config);
  const outDir = join(dir, 'run', 'compressed');
  mkdirSync(outDir, { recursive: true });
  for (const [text, why] of [['null', 'Invalid input: expected object, received null'], ['{garbage', 'not JSON: '], ['{"format":"metatrain-compression-report"}', 'jobId: Invalid input: expected string, received undefined']] as const) {
    writeFileSync(join(outDir, 'compression.json'), text);
    await assert.rejects(compressJob({ jobId: compressionJobId(config.name, 3, configHash(config)), run: config.name, checkpoint, config, outDir }), (e: unknown) => e instanceof OtherCompressionError && (e as Error).message.startsWith(`${join(outDir, 'compression.json')} is not a compression report (${why}`));
    assert.equal(readFileSync(join(outDir, 'compression.json'), 'utf8'), text);
    assert.deepEqual(readdirSync(join(dir, 'run')).filter((e) => e.startsWith('.tmp-')), []);
  }
});

test('a compression.json that is a symbolic link (to nothing or to a report) or a directory fails the job at once, naming it, and is left as it is', async () => {
  // Before: a link to nothing counted as no result, and the job failed only after the whole compression, at its
  // final rename (ENOTEMPTY); a link to a report was taken as the committed result.
  const { dir, outDir, job, reportPath: report } = await committedJob();
  const real = join(dir, 'report.json');
  writeFileSync(real, readFileSync(report));
  rmSync(report);
  for (const [target, why] of [[join(dir, 'gone.json'), `a symbolic link to ${join(dir, 'gone.json')}, which does not exist; a compression writes its report as a regular file`], [real, `a symbolic link to ${real}; a compression writes its report as a regular file`]] as const) {
    symlinkSync(target, report);
    const t0 = performance.now();
    await assert.rejects(compressJob(job), (e: unknown) => e instanceof OtherCompressionError && (e as Error).message === `${report} is not a compression report (${why}): move ${outDir} elsewhere or remove it`);
    assert.ok(performance.now() - t0 < 200, 'refused before the pipeline runs');
    rmSync(report);
  }
  mkdirSync(report);
  await assert.rejects(compressJob(job), (e: unknown) => e instanceof OtherCompressionError && (e as Error).message === `${report} is not a compression report (a directory, not a regular file): move ${outDir} elsewhere or remove it`);
  assert.deepEqual(readdirSync(outDir).sort(), ['compression.json', 'model.onnx', 'model.safetensors']);
  assert.deepEqual(readdirSync(join(dir, 'run')).filter((e) => e.startsWith('.tmp-')), []);
});

test('a job\'s own committed result that is damaged (a listed file missing, truncated, longer or overwritten) fails the job at once, naming the file, what was expected and found, and is left as it is', async () => {
  // Before: the job found its own compression.json and reported success, whatever had become of the files it lists.
  const { dir, checkpoint, outDir, job, reportPath } = await committedJob();
  const report = JSON.parse(readFileSync(reportPath, 'utf8')) as CompressionReport;
  const onnx = join(outDir, 'model.onnx');
  const model = join(outDir, 'model.safetensors');
  const original = { onnx: readFileSync(onnx), model: readFileSync(model) };
  const listed = report.files['model.onnx']!;
  const overwritten = Buffer.from(original.model);
  overwritten[overwritten.length - 1]! ^= 0xff;
  const sha = createHash('sha256').update(overwritten).digest('hex');
  const damages: Array<[string, () => void, string]> = [
    ['missing', () => rmSync(onnx), 'model.onnx is missing'],
    ['truncated', () => truncateSync(onnx, 100), `truncated: model.onnx holds 100 bytes, compression.json says ${listed.bytes}`],
    ['longer', () => appendFileSync(onnx, 'extra'), `model.onnx: ${listed.bytes + 5} bytes, more than the ${listed.bytes} bytes allowed (the size compression.json lists)`],
    ['overwritten', () => writeFileSync(model, overwritten), `model.safetensors fails its sha256 check (file ${sha}, compression.json ${report.files['model.safetensors']!.sha256}); corrupt`],
  ];
  for (const [what, damage, problem] of damages) {
    damage();
    const left = readdirSync(outDir).sort();
    const t0 = performance.now();
    await assert.rejects(
      compressJob(job),
      (e: unknown) =>
        e instanceof DamagedCompressionError &&
        (e as Error).message === `${outDir} holds the compression of ${checkpoint} (step 3), but damaged: ${problem}; it was left as it is and not reused: remove ${outDir} to compress again`,
      what,
    );
    assert.ok(performance.now() - t0 < 200, `${what}: refused before the pipeline runs`);
    assert.deepEqual(readdirSync(outDir).sort(), left, `${what}: nothing removed`);
    assert.deepEqual(readdirSync(join(dir, 'run')).filter((e) => e.startsWith('.tmp-')), []);
    writeFileSync(onnx, original.onnx);
    writeFileSync(model, original.model);
  }
  // Two files damaged: both named.
  rmSync(onnx);
  writeFileSync(model, overwritten);
  await assert.rejects(compressJob(job), /damaged: model\.safetensors fails its sha256 check .*; model\.onnx is missing; it was left/);
  writeFileSync(onnx, original.onnx);
  writeFileSync(model, original.model);
  // A report whose listing is not one a compression writes is no proof of anything.
  writeFileSync(reportPath, JSON.stringify({ ...report, files: { 'model.safetensors': report.files['model.safetensors'] } }));
  await assert.rejects(compressJob(job), (e: unknown) => e instanceof DamagedCompressionError && (e as Error).message.includes('damaged: compression.json files: does not list both model.safetensors and model.onnx, which every compression writes;'));
  writeFileSync(reportPath, JSON.stringify({ ...report, files: { ...report.files, '../outside': listed } }));
  await assert.rejects(compressJob(job), (e: unknown) => e instanceof DamagedCompressionError && (e as Error).message.includes('damaged: compression.json files: ../outside: not a plain file name of the directory;'));
  // Intact, with a file put beside it by hand: reused as it is (nothing is written or removed there).
  writeFileSync(reportPath, `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(join(outDir, 'notes.txt'), 'keep me\n');
  assert.equal(await compressJob(job), reportPath);
  assert.equal(readFileSync(join(outDir, 'notes.txt'), 'utf8'), 'keep me\n');
});

test('replacing the run\'s earlier compression is refused, before the pipeline runs, when files its compression.json does not list are beside it; nothing is removed', async () => {
  // Before: the replacement removed the whole directory, and with it the files put there by hand.
  const { outDir, job, earlier, later, reportPath, before } = await earlierCompression();
  writeFileSync(join(outDir, 'notes.txt'), 'keep me\n');
  mkdirSync(join(outDir, 'plots'));
  const t0 = performance.now();
  await assert.rejects(
    compressJob(job(later, 4)),
    (e: unknown) =>
      e instanceof OtherCompressionError &&
      (e as Error).message === `${outDir} holds, besides the compression of ${earlier} (step 3), files its compression.json does not list (notes.txt, plots), which replacing that compression would remove; it was left as it is: move them elsewhere`,
  );
  assert.ok(performance.now() - t0 < 200, 'refused before the pipeline runs');
  assert.equal(readFileSync(reportPath, 'utf8'), before);
  assert.deepEqual(readdirSync(outDir).sort(), ['compression.json', 'model.onnx', 'model.safetensors', 'notes.txt', 'plots']);
  rmSync(join(outDir, 'notes.txt'));
  rmSync(join(outDir, 'plots'), { recursive: true });
  assert.equal((JSON.parse(readFileSync(await compressJob(job(later, 4)), 'utf8')) as CompressionReport).step, 4);
});

test('a file written into the earlier compression\'s directory while the pipeline runs is not removed with it: the job is refused naming it, the earlier compression left as it is', async () => {
  // Before: checked before the pipeline only, the directory was then removed whole by the replacement, notes.txt with it.
  const { outDir, job, earlier, later, reportPath, before } = await earlierCompression();
  let planted = false;
  const onProgress = () => {
    if (planted) return;
    writeFileSync(join(outDir, 'notes.txt'), 'keep me\n');
    planted = true;
  };
  await assert.rejects(
    compressJob(job(later, 4), { onProgress }),
    (e: unknown) =>
      e instanceof OtherCompressionError &&
      (e as Error).message === `${outDir} holds, besides the compression of ${earlier} (step 3), files its compression.json does not list (notes.txt), which replacing that compression would remove; it was left as it is: move them elsewhere`,
  );
  assert.ok(planted, 'planted while the pipeline ran');
  assert.equal(readFileSync(join(outDir, 'notes.txt'), 'utf8'), 'keep me\n');
  assert.equal(readFileSync(reportPath, 'utf8'), before);
  assert.deepEqual(readdirSync(dirname(outDir)).filter((e) => e.startsWith('.tmp-')), [], 'nothing left aside');
});

test('a job whose outDir is outside the compressor\'s --out-root fails for good before anything is read or written, naming both', async () => {
  // Before: the compressor wrote wherever the job on the NATS subject said.
  const { dir, config, outDir, job } = textRunJobs();
  const checkpoint = await writeTeacherCheckpoint(config);
  const outRoot = join(dir, 'elsewhere');
  let refused: unknown;
  await assert.rejects(
    compressJob(job(checkpoint, 3), { outRoot }).catch((e: unknown) => {
      refused = e;
      throw e;
    }),
    (e: unknown) =>
      e instanceof ProtocolError &&
      (e as Error).message ===
        `compression job ${job(checkpoint, 3).jobId}: outDir ${JSON.stringify(outDir)} is not inside --out-root ${outRoot}; nothing was written: give the run a runtime.outDir inside ${outRoot}, or start the compressor with --out-root a directory holding it`,
  );
  assert.equal(failsForGood(refused, 1, 3), true, 'not retried');
  assert.equal(existsSync(outDir), false);
  assert.equal((JSON.parse(readFileSync(await compressJob(job(checkpoint, 3), { outRoot: dir }), 'utf8')) as CompressionReport).step, 3);
});

test('a job on a corrupt checkpoint fails with a CheckpointError and leaves no result and no temporary directory', async () => {
  const dir = fresh();
  const config = textRun(dir);
  const checkpoint = await writeTeacherCheckpoint(config);
  truncateSync(join(checkpoint, 'params.safetensors'), 100);
  const outDir = join(dir, 'run', 'compressed');
  await assert.rejects(compressJob({ jobId: 'job-corrupt', run: config.name, checkpoint, config, outDir }), (e: Error) => e instanceof CheckpointError && /params\.safetensors/.test(e.message));
  assert.equal(existsSync(outDir), false);
  assert.deepEqual(readdirSync(join(dir, 'run')).filter((e) => e.startsWith('.tmp-')), []);
});

test('a job of another config than the checkpoint\'s is refused, naming both hashes', async () => {
  const dir = fresh();
  const config = textRun(dir);
  const checkpoint = await writeTeacherCheckpoint(config);
  const other = { ...config, seed: config.seed + 1 };
  await assert.rejects(compressJob({ jobId: 'job-other', run: config.name, checkpoint, config: other, outDir: join(dir, 'out') }), /another config/);
  assert.equal(existsSync(join(dir, 'out')), false);
});

test('two runs of the same job finishing together commit one result: the second rename finds it and discards its copy', async () => {
  const dir = fresh();
  const config = textRun(dir);
  const checkpoint = await writeTeacherCheckpoint(config);
  const job = { jobId: 'job-twice', run: config.name, checkpoint, config, outDir: join(dir, 'run', 'compressed') };
  const [a, b] = await Promise.all([compressJob(job), compressJob(job)]);
  assert.equal(a, b);
  assert.deepEqual(readdirSync(job.outDir).sort(), ['compression.json', 'model.onnx', 'model.safetensors']);
  assert.deepEqual(readdirSync(join(dir, 'run')).filter((e) => e.startsWith('.tmp-')), []);
  const report = JSON.parse(readFileSync(a, 'utf8')) as CompressionReport;
  assert.equal(report.files['model.onnx']!.sha256, createHash('sha256').update(readFileSync(join(job.outDir, 'model.onnx'))).digest('hex'));
});

test('an output directory that cannot be created fails the job before the pipeline runs', { skip: !existsSync('/proc/self') && 'needs Linux /proc' }, async () => {
  const dir = fresh();
  const config = textRun(dir);
  // The checkpoint does not exist: a job that ran the pipeline first would fail with a CheckpointError instead.
  const job = { jobId: 'job-proc', run: config.name, checkpoint: join(dir, 'missing'), config, outDir: '/proc/metatrain-compressed' };
  await assert.rejects(compressJob(job), (e: unknown) => e instanceof DirectoryError && /^cannot create directory \/proc\/metatrain-compressed: \/proc does not accept new entries/.test((e as Error).message));
});
