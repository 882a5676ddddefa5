import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NatsConnection } from '@nats-io/nats-core';
import { compressionJobId } from '../../src/bus/job-queue';
import { jetstreamManager } from '@nats-io/jetstream';
import { JetStreamJobQueue, JOBS_STREAM } from '../../src/bus/job-queue-jetstream';
import { connectNats } from '../../src/bus/nats-connection';
import { configHash } from '../../src/core/config';
import { captureRunEvents, until } from '../bus/fixtures';
import { startNatsServer, type TestNatsServer } from '../bus/nats-server';
import { sinusoidRun, writeTeacherCheckpoint } from '../compress/fixtures';
import { freePort, startCli, waitExit } from '../support/harness';

let server: TestNatsServer;
let nc: NatsConnection;
before(async () => {
  server = await startNatsServer();
  nc = await connectNats(server.url, { name: 'compressor-test' });
});
after(async () => {
  await nc.close();
  await server.stop();
});

/** A job whose distillation takes several seconds (a few ms per step), so that it can be interrupted. */
async function slowJob(dir: string, run: string, compression: Record<string, unknown> = {}) {
  const config = { ...sinusoidRun(dir, { distillSteps: 3000, pruneSteps: 0, recoverySteps: 0, ...compression }), name: run };
  const checkpoint = await writeTeacherCheckpoint(config);
  return { jobId: compressionJobId(run, 3, configHash(config)), run, checkpoint, config, outDir: join(dir, 'run', 'compressed') };
}

/** The directory the compressors serve (--out-root): the jobs' directories are made in it. */
const outRoot = tmpdir();
const compressor = (name: string, ...extra: string[]) => startCli(['compressor', '--nats', server.url, '--name', name, '--ack-wait-ms', '2000', '--out-root', outRoot, ...extra]);
const leftovers = (dir: string) => readdirSync(join(dir, 'run')).filter((e) => e.startsWith('.tmp-'));

test('a compressor killed mid-job: the job is redelivered to another compressor, which completes it once', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'metatrain-compressor-'));
  const job = await slowJob(dir, 'killed-run');
  const events = captureRunEvents(nc, job.run);
  const queue = new JetStreamJobQueue(nc);
  await queue.enqueue(job);
  const first = compressor('c1');
  await until(() => events.some((e) => e.event === 'compression.started'), 'the first compressor to start the job', 30_000);
  await new Promise((r) => setTimeout(r, 500));
  first.kill('SIGKILL');
  await waitExit(first);
  assert.equal(existsSync(job.outDir), false, 'no result before the job is done');
  const second = compressor('c2');
  const outcome = await queue.waitForOutcome(job.jobId);
  second.kill('SIGTERM');
  assert.equal((await waitExit(second)).code, 143);
  assert.equal(outcome.status, 'succeeded');
  assert.equal(outcome.attempts, 2);
  assert.deepEqual(
    events.filter((e) => e.event === 'compression.started').map((e) => [e.data.consumer, e.data.attempt]),
    [['c1', 1], ['c2', 2]],
  );
  await until(() => events.some((e) => e.event === 'compression.succeeded'), 'compression.succeeded');
  assert.equal(events.filter((e) => e.event === 'compression.succeeded').length, 1);
  assert.deepEqual(readdirSync(job.outDir).sort(), ['compression.json', 'model.onnx', 'model.safetensors']);
  assert.deepEqual(leftovers(dir), []);
});

test('a job that always fails ends after the configured attempts: one compression.failed event, nothing half-written (a compressor of its run, --run)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'metatrain-compressor-'));
  const job = await slowJob(dir, 'failing-run', { distillSteps: 10 });
  truncateSync(join(job.checkpoint, 'params.safetensors'), 64);
  const events = captureRunEvents(nc, job.run);
  const queue = new JetStreamJobQueue(nc);
  await queue.enqueue(job);
  const c = compressor('c3', '--max-attempts', '2', '--backoff-ms', '100', '--run', job.run);
  const outcome = await queue.waitForOutcome(job.jobId);
  const consumer = await (await jetstreamManager(nc)).consumers.info(JOBS_STREAM, `compressors-${job.run}`);
  assert.equal(consumer.config.filter_subject, `metatrain.jobs.compress.${job.run}`, 'the run\'s own consumer');
  await new Promise((r) => setTimeout(r, 1000)); // no further attempt may follow
  c.kill('SIGTERM');
  const exit = await waitExit(c);
  assert.equal(exit.code, 143);
  assert.ok(exit.stderr.includes(`compressor consuming run ${job.run}'s compression jobs from ${server.url}\n`), exit.stderr);
  assert.equal(outcome.status, 'failed');
  assert.equal(outcome.attempts, 2);
  assert.match(outcome.error!, /params\.safetensors/);
  // The error text is in the compressor's own log, with the job and the attempt: a warning, then an error.
  const logged = exit.stderr.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { level: number; jobId?: string; attempt?: number; err?: string; msg: string });
  const attempts = logged.filter((l) => l.jobId === job.jobId && l.err !== undefined);
  assert.deepEqual(attempts.map((l) => [l.level, l.attempt]), [[40, 1], [50, 2]], exit.stderr);
  for (const l of attempts) assert.equal(l.err, outcome.error);
  assert.match(attempts[1]!.msg, /failed for good after 2 attempts: .*params\.safetensors/);
  assert.equal(events.filter((e) => e.event === 'compression.started').length, 2);
  assert.equal(events.filter((e) => e.event === 'warning').length, 1);
  const failed = events.filter((e) => e.event === 'compression.failed');
  assert.equal(failed.length, 1);
  assert.equal(failed[0]!.data.attempts, 2);
  assert.equal(existsSync(job.outDir), false);
  assert.deepEqual(leftovers(dir), []);
});

test('SIGTERM during a job: the compressor hands the job back and exits 143; the next compressor completes it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'metatrain-compressor-'));
  const job = await slowJob(dir, 'sigterm-run');
  const events = captureRunEvents(nc, job.run);
  const queue = new JetStreamJobQueue(nc);
  await queue.enqueue(job);
  const first = compressor('c4', '--grace-ms', '200');
  await until(() => events.some((e) => e.event === 'compression.started'), 'the job to start', 30_000);
  const t0 = Date.now();
  first.kill('SIGTERM');
  const exit = await waitExit(first);
  assert.equal(exit.code, 143, exit.stderr);
  assert.ok(Date.now() - t0 < 5000, `exit took ${Date.now() - t0} ms`);
  assert.equal(existsSync(job.outDir), false);
  const second = compressor('c5');
  const outcome = await queue.waitForOutcome(job.jobId);
  second.kill('SIGTERM');
  await waitExit(second);
  assert.equal(outcome.status, 'succeeded');
  // The hand-back is no attempt: c5 runs attempt 1 again (before: 2, as if c4 had died).
  assert.deepEqual(events.filter((e) => e.event === 'compression.started').map((e) => [e.data.consumer, e.data.attempt]), [['c4', 1], ['c5', 1]]);
  assert.equal(outcome.attempts, 1);
});

test('the compressor is ready on /readyz only while its JetStream consumer is up: 503 while NATS is down, 200 again after; SIGTERM during an outage exits 143', async () => {
  const own = await startNatsServer();
  const port = await freePort();
  const c = startCli(['compressor', '--nats', own.url, '--name', 'c6', '--metrics-port', String(port)]);
  const readyz = () => fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.status, () => 0);
  const expectStatus = async (status: number, what: string) => {
    const end = Date.now() + 15_000;
    let last = 0;
    while ((last = await readyz()) !== status) {
      assert.ok(Date.now() < end, `${what}: /readyz answered ${last}, expected ${status}\n${c.output.stderr}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  try {
    await expectStatus(200, 'consuming');
    await own.stop();
    await expectStatus(503, 'NATS stopped');
    assert.equal((await fetch(`http://127.0.0.1:${port}/healthz`)).status, 200, 'still alive');
    await own.restart();
    await expectStatus(200, 'NATS back');
    // Before: draining the connection during an outage rejected, unhandled: exit 1 (7 under the wasm backend).
    await own.stop();
    await expectStatus(503, 'NATS stopped again');
    c.kill('SIGTERM');
    assert.equal((await waitExit(c, 30_000)).code, 143, c.output.stderr);
  } finally {
    c.kill('SIGKILL');
    await waitExit(c);
    await own.stop();
  }
});
