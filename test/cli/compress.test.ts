import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NatsConnection } from '@nats-io/nats-core';
import { stringify } from 'yaml';
import { connectNats } from '../../src/bus/nats-connection';
import type { CompressionReport } from '../../src/compress/compression-report';
import type { RunSummary } from '../../src/summary';
import { captureRunEvents, until } from '../bus/fixtures';
import { startNatsServer, type TestNatsServer } from '../bus/nats-server';
import { sinusoidRun, textRun, writeTeacherCheckpoint } from '../compress/fixtures';
import { runCli, sinusoidConfig, startCli, tempDir, waitExit, waitForOutput, writeConfig } from '../support/harness';

let server: TestNatsServer;
let nc: NatsConnection;
before(async () => {
  server = await startNatsServer();
  nc = await connectNats(server.url, { name: 'compress-cli-test' });
});
after(async () => {
  await nc.close();
  await server.stop();
});

test('metatrain compress runs one job by hand from the config recorded in the checkpoint and prints where the result is', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'metatrain-compress-cli-'));
  const checkpoint = await writeTeacherCheckpoint(sinusoidRun(dir));
  const out = join(dir, 'by-hand');
  const result = await runCli(['compress', '--checkpoint', checkpoint, '--out', out]);
  assert.equal(result.code, 0, result.stderr);
  const report = JSON.parse(readFileSync(join(out, 'compression.json'), 'utf8')) as CompressionReport;
  assert.equal(report.checkpoint, checkpoint);
  assert.equal(report.step, 3);
  assert.ok(existsSync(join(out, 'model.onnx')) && existsSync(join(out, 'model.safetensors')));
  assert.match(result.stdout, new RegExp(`${join(out, 'model.onnx').replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}`));
  assert.match(result.stdout, /teacher .* → compressed /);
  const again = await runCli(['compress', '--checkpoint', checkpoint, '--out', out]);
  assert.equal(again.code, 0);
  assert.match(again.stderr, /already holds this checkpoint's compression/);
  const missing = await runCli(['compress', '--checkpoint', join(dir, 'nope')]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /--checkpoint \S*nope does not exist: give a meta-training checkpoint/);
  // --config of another run names what differs and what the config must be (before: two hashes only), before the
  // result directory's checks (before: `out` "already holds the compression … made with another config; write this
  // one elsewhere with --out", advice that cannot help).
  const otherConfig = join(dir, 'other.yaml');
  writeFileSync(otherConfig, stringify({ ...sinusoidRun(dir), seed: 5 }));
  const other = await runCli(['compress', '--checkpoint', checkpoint, '--out', out, '--config', otherConfig]);
  assert.equal(other.code, 1, other.stdout);
  assert.match(other.stderr, /was written by another config \(hash \w{12}, job config \w{12}; changed: seed: 4 → 5\): the job config must be the run config of that checkpoint/);
});

test('metatrain compress refuses a checkpoint of a bert model before any work, for the reason a run config gives', async () => {
  // Before: it adapted the teacher, then failed with "student init: no slicing rule for teacher tensor embed.norm.bias".
  const dir = tempDir();
  const bert = { kind: 'bert', tokenizer: 'hf', tokenizerPath: join(dir, 'tokenizer.json'), vocabSize: 40 };
  const checkpoint = await writeTeacherCheckpoint(textRun(dir, { enabled: false }, bert));
  const reason = 'compression of a bert model is not supported yet \\(distillation and the ONNX export know the transformer layout only\\)';
  const refused = await runCli(['compress', '--checkpoint', checkpoint, '--backend', 'cpu']);
  assert.equal(refused.code, 1, refused.stdout);
  assert.match(refused.stderr, new RegExp(`^metatrain: --checkpoint ${checkpoint} is of a bert model: ${reason}; nothing was written\\n$`));
  assert.equal(existsSync(join(dir, 'run', 'compressed')), false);
  assert.throws(() => textRun(dir, {}, bert), new RegExp(`compression\\.enabled: ${reason}: set compression\\.enabled: false`));
});

test('metatrain compress over a result made with other settings names the settings that differ and --out', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'metatrain-compress-cli-'));
  const run = sinusoidRun(dir);
  const checkpoint = await writeTeacherCheckpoint(run);
  const first = await runCli(['compress', '--checkpoint', checkpoint]);
  assert.equal(first.code, 0, first.stderr);
  const outDir = join(dir, 'run', 'compressed');
  const reportFile = join(outDir, 'compression.json');
  const report = JSON.parse(readFileSync(reportFile, 'utf8')) as CompressionReport;
  assert.deepEqual(report.settings, run.compression);
  const other = (compression: Record<string, unknown>, name: string, seed = run.seed) => writeConfig(dir, { ...run, seed, compression: { ...run.compression, ...compression } } as never, name);
  const escaped = outDir.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  const sparser = await runCli(['compress', '--checkpoint', checkpoint, '--config', other({ sparsity: 0.7, temperature: 3 }, 'sparser.yaml')]);
  assert.equal(sparser.code, 1);
  assert.match(
    sparser.stderr,
    new RegExp(`${escaped} already holds the compression of this checkpoint, made with other settings \\(compression\\.sparsity: 0\\.5 → 0\\.7; compression\\.temperature: 2 → 3\\); write this one elsewhere with --out DIR, or remove ${escaped} to replace it`),
  );
  // A report written before the settings were recorded: the settings its numbers show are compared, and a config
  // that differs elsewhere is said to be another one.
  const { settings: _recorded, ...older } = report;
  writeFileSync(reportFile, JSON.stringify(older));
  const longer = await runCli(['compress', '--checkpoint', checkpoint, '--config', other({ distillSteps: 8, temperature: 3 }, 'longer.yaml')]);
  assert.equal(longer.code, 1);
  assert.match(longer.stderr, /made with other settings \(compression\.distillSteps: 6 → 8\); write this one elsewhere with --out DIR/);
  const reseeded = await runCli(['compress', '--checkpoint', checkpoint, '--config', other({}, 'reseeded.yaml', run.seed + 1)]);
  assert.equal(reseeded.code, 1);
  // A config of another run is refused as such first (before: "made with another config … write this one elsewhere
  // with --out DIR", which then failed on the config).
  assert.match(reseeded.stderr, /was written by another config \(hash \w{12}, job config \w{12}; changed: seed: 4 → 5\): the job config must be the run config of that checkpoint/);
});

test('metatrain compress over its own result with a damaged file refuses it, naming the file, what was expected and found and what to do; a file beside an intact result does not matter', async () => {
  // Before: it said "already holds this checkpoint's compression; not running again" and exited 0 over an
  // overwritten model.safetensors.
  const dir = mkdtempSync(join(tmpdir(), 'metatrain-compress-cli-'));
  const checkpoint = await writeTeacherCheckpoint(sinusoidRun(dir));
  const out = join(dir, 'by-hand');
  const first = await runCli(['compress', '--checkpoint', checkpoint, '--out', out]);
  assert.equal(first.code, 0, first.stderr);
  const report = JSON.parse(readFileSync(join(out, 'compression.json'), 'utf8')) as CompressionReport;
  const model = join(out, 'model.safetensors');
  const original = readFileSync(model);
  writeFileSync(model, Buffer.alloc(original.length));
  const zeros = createHash('sha256').update(Buffer.alloc(original.length)).digest('hex');
  const damaged = await runCli(['compress', '--checkpoint', checkpoint, '--out', out]);
  assert.equal(damaged.code, 1, damaged.stderr);
  assert.equal(
    damaged.stderr,
    `metatrain: ${out} holds the compression of ${checkpoint} (step 3), but damaged: model.safetensors fails its sha256 check (file ${zeros}, compression.json ${report.files['model.safetensors']!.sha256}); corrupt; it was left as it is and not reused: remove ${out} to compress again\n`,
  );
  assert.deepEqual(readFileSync(model), Buffer.alloc(original.length), 'left as it is');
  writeFileSync(model, original);
  writeFileSync(join(out, 'notes.txt'), 'keep me\n');
  const again = await runCli(['compress', '--checkpoint', checkpoint, '--out', out]);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stderr, /already holds this checkpoint's compression; not running again/);
  assert.equal(readFileSync(join(out, 'notes.txt'), 'utf8'), 'keep me\n');
});

test('metatrain compress stopped by SIGINT exits 130 and writes nothing', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'metatrain-compress-cli-'));
  const checkpoint = await writeTeacherCheckpoint(sinusoidRun(dir, { distillSteps: 1_000_000 }));
  const out = join(dir, 'stopped');
  const child = startCli(['compress', '--checkpoint', checkpoint, '--out', out]);
  try {
    await waitForOutput(child, (text) => /step 25\//.test(text));
    child.kill('SIGINT');
    const result = await waitExit(child);
    assert.equal(result.code, 130, result.stderr);
    assert.match(result.stderr, new RegExp(`compression stopped \\(SIGINT\\); nothing was written to ${out.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}\n$`));
    assert.ok(!existsSync(out), 'no result directory');
  } finally {
    child.kill('SIGKILL');
  }
});

test('metatrain run converges, compresses in-process, records the job in the summary and publishes the run events on NATS', async () => {
  const dir = tempDir();
  const raw = sinusoidConfig(dir, {
    name: 'events-run',
    training: { maxSteps: 40, evalEverySteps: 4, evalTasks: 4, checkpointEverySteps: 4, patience: 1, minDelta: 1000 },
    compression: { distillSteps: 10, pruneSteps: 10, recoverySteps: 5, evalTasks: 5 },
    nats: { url: server.url },
  });
  const events = captureRunEvents(nc, 'events-run');
  await nc.flush();
  const result = await runCli(['run', writeConfig(dir, raw)]);
  assert.equal(result.code, 0, result.stderr);
  const summary = JSON.parse(readFileSync(join(dir, 'run', 'summary.json'), 'utf8')) as RunSummary;
  assert.equal(summary.reason, 'converged');
  assert.equal(summary.compression?.status, 'succeeded');
  assert.equal(summary.compression?.attempts, 1);
  assert.equal(summary.compression?.report, join(summary.compression!.outDir, 'compression.json'));
  const report = JSON.parse(readFileSync(summary.compression!.report!, 'utf8')) as CompressionReport;
  assert.equal(report.checkpoint, summary.checkpoint);
  assert.match(result.stdout, /compression\.json/);
  assert.match(result.stdout, /model\.onnx/);

  await until(() => events.some((e) => e.event === 'finished'), 'the finished event');
  const names = events.map((e) => e.event);
  for (const name of ['phase', 'step', 'validation', 'checkpoint', 'workers', 'converged', 'compression.queued', 'compression.started', 'compression.succeeded', 'finished']) {
    assert.ok(names.includes(name as never), `no ${name} event among ${[...new Set(names)].join(', ')}`);
  }
  assert.deepEqual(events.filter((e) => e.event === 'phase').map((e) => e.data.phase), ['training', 'evaluating', 'compressing', 'succeeded']);
  assert.deepEqual(events.find((e) => e.event === 'converged')!.data, { step: summary.steps, bestStep: summary.bestStep });
  assert.deepEqual(events.find((e) => e.event === 'finished')!.data, { phase: 'succeeded', reason: 'converged', steps: summary.steps, summaryFile: join(dir, 'run', 'summary.json') });
  assert.equal(events.find((e) => e.event === 'compression.queued')!.data.jobId, summary.compression!.jobId);
  assert.ok(names.indexOf('compression.queued') < names.indexOf('compression.succeeded'));
  assert.ok(events.every((e) => e.run === 'events-run' && !Number.isNaN(Date.parse(e.time))));
});
