import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NatsConnection } from '@nats-io/nats-core';
import { connectNats } from '../../src/bus/nats-connection';
import type { RunSummary } from '../../src/summary';
import { captureRunEvents, until } from '../bus/fixtures';
import { startNatsServer, type TestNatsServer } from '../bus/nats-server';
import { sinusoidConfig, startCli, tempDir, waitExit, waitForOutput, writeConfig } from '../support/harness';

let server: TestNatsServer;
let nc: NatsConnection;
before(async () => {
  server = await startNatsServer();
  nc = await connectNats(server.url, { name: 'coordinator-compression-test' });
});
after(async () => {
  await nc.close();
  await server.stop();
});

test('metatrain coordinator with nats.url enqueues the compression job on JetStream; a metatrain compressor process runs it', async () => {
  const dir = tempDir();
  const env = { METATRAIN_TOKEN: 'compression-test-token' };
  const file = writeConfig(
    dir,
    sinusoidConfig(dir, {
      name: 'jetstream-run',
      runtime: { workers: 1, outDir: join(dir, 'run') },
      compression: { distillSteps: 10, pruneSteps: 10, recoverySteps: 5, evalTasks: 5 },
      // With credentials (this server has no authentication, and takes them): they must not be recorded.
      nats: { url: server.url.replace('nats://', 'nats://jet:s3cret-pw@') },
    }),
  );
  const events = captureRunEvents(nc, 'jetstream-run');
  const jobs = captureJobMessages(nc);
  await nc.flush();
  const compressor = startCli(['compressor', '--nats', server.url, '--name', 'k8s-compressor', '--out-root', dir], env);
  const coordinator = startCli(['coordinator', '--config', file, '--listen', '127.0.0.1:0', '--linger-seconds', '0'], env);
  await waitForOutput(coordinator, (text) => text.includes('"event":"listening"'));
  const port = (JSON.parse(coordinator.output.stdout.split('\n').find((l) => l.includes('"listening"'))!) as { port: number }).port;
  const worker = startCli(['worker', '--coordinator', `127.0.0.1:${port}`, '--name', 'w0'], env);
  const exit = await waitExit(coordinator, 120_000);
  worker.kill('SIGTERM');
  compressor.kill('SIGTERM');
  const [, compressorExit] = await Promise.all([waitExit(worker), waitExit(compressor)]);
  assert.equal(exit.code, 0, exit.stderr);
  assert.equal(compressorExit.code, 143, compressorExit.stderr);

  const summary = JSON.parse(readFileSync(join(dir, 'run', 'summary.json'), 'utf8')) as RunSummary;
  assert.equal(summary.compression?.status, 'succeeded');
  assert.equal(summary.compression?.attempts, 1);
  assert.ok(existsSync(join(summary.compression!.outDir, 'model.onnx')));
  await until(() => events.some((e) => e.event === 'finished'), 'the finished event');
  const queued = events.find((e) => e.event === 'compression.queued')!;
  assert.equal(queued.data.queue, 'jetstream');
  assert.equal(queued.data.jobId, summary.compression!.jobId);
  assert.equal(events.find((e) => e.event === 'compression.started')!.data.consumer, 'k8s-compressor');
  assert.equal(events.filter((e) => e.event === 'compression.succeeded').length, 1);
  assert.deepEqual(events.filter((e) => e.event === 'phase').map((e) => e.data.phase), ['training', 'evaluating', 'compressing', 'succeeded']);
  // Before, the password was stored in every checkpoint's manifest.json and in the job on the stream (a trial).
  const manifests = readdirSync(join(dir, 'run', 'checkpoints')).filter((c) => c.startsWith('step-')).map((c) => readFileSync(join(dir, 'run', 'checkpoints', c, 'manifest.json'), 'utf8'));
  assert.ok(manifests.length > 0);
  for (const text of [...manifests, ...jobs]) assert.doesNotMatch(text, /s3cret-pw/);
  assert.equal(jobs.length, 1);
  assert.ok(jobs[0]!.includes('nats://jet:…@127.0.0.1:'), jobs[0]);
});

/** The bodies of the compression jobs published from now on (core NATS sees JetStream's published messages too). */
function captureJobMessages(conn: NatsConnection): string[] {
  const seen: string[] = [];
  conn.subscribe('metatrain.jobs.compress.>', { callback: (_err, msg) => void seen.push(msg.string()) });
  return seen;
}
