import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { NatsConnection } from '@nats-io/nats-core';
import { jetstreamManager } from '@nats-io/jetstream';
import { connectNats } from '../../src/bus/nats-connection';
import { JetStreamJobQueue, JOBS_STREAM } from '../../src/bus/job-queue-jetstream';
import type { CompressionJob, JobAttempt, JobQueueOptions } from '../../src/bus/job-queue';
import { startNatsServer, type TestNatsServer } from './nats-server';
import { captureRunEvents, sleep, testJob, until } from './fixtures';

let server: TestNatsServer;
const connections: NatsConnection[] = [];
const open = async (name: string) => {
  const nc = await connectNats(server.url, { name });
  connections.push(nc);
  return nc;
};

before(async () => {
  server = await startNatsServer();
});
after(async () => {
  await Promise.all(connections.map((nc) => nc.close().catch(() => undefined)));
  await server.stop();
});

test('a job published twice with the same id runs once, and once more after it finished is still a duplicate', async () => {
  const nc = await open('dedup');
  const queue = new JetStreamJobQueue(nc, { ackWaitMs: 5000 });
  const job = testJob('dedup-run', 'job-dedup-1');
  assert.deepEqual(await queue.enqueue(job), { duplicate: false });
  assert.deepEqual(await queue.enqueue(job), { duplicate: true });
  const runs: string[] = [];
  const consumer = queue.consume(async (j) => (runs.push(j.jobId), `${j.outDir}/compression.json`));
  const outcome = await queue.waitForOutcome(job.jobId);
  assert.equal(outcome.status, 'succeeded');
  assert.equal(outcome.attempts, 1);
  assert.deepEqual(await queue.enqueue(job), { duplicate: true });
  await sleep(1500); // a second copy, had one been stored, would be delivered by now
  await consumer.stop();
  assert.deepEqual(runs, ['job-dedup-1']);
});

test('a job that always fails is retried with backoff, then fails for good after maxAttempts with one compression.failed event', async () => {
  const nc = await open('failing');
  const events = captureRunEvents(nc, 'fail-run');
  const queue = new JetStreamJobQueue(nc, { maxAttempts: 3, backoffMs: 200, ackWaitMs: 5000 });
  const job = testJob('fail-run', 'job-always-fails');
  await queue.enqueue(job);
  const attempts: Array<{ attempt: number; at: number }> = [];
  const consumer = queue.consume(async (_j, a: JobAttempt) => {
    attempts.push({ attempt: a.attempt, at: Date.now() });
    throw new Error('checkpoint is corrupt');
  });
  const outcome = await queue.waitForOutcome(job.jobId);
  await sleep(1500); // no fourth delivery may follow
  await consumer.stop();
  assert.equal(outcome.status, 'failed');
  assert.equal(outcome.attempts, 3);
  assert.match(outcome.error!, /checkpoint is corrupt/);
  assert.deepEqual(attempts.map((a) => a.attempt), [1, 2, 3]);
  assert.ok(attempts[1]!.at - attempts[0]!.at >= 180, `first retry after ${attempts[1]!.at - attempts[0]!.at} ms, backoff is 200`);
  assert.ok(attempts[2]!.at - attempts[1]!.at >= 380, `second retry after ${attempts[2]!.at - attempts[1]!.at} ms, backoff is 400`);
  await until(() => events.some((e) => e.event === 'compression.failed'), 'compression.failed');
  const failed = events.filter((e) => e.event === 'compression.failed');
  assert.equal(failed.length, 1);
  assert.deepEqual(failed[0]!.data, { jobId: job.jobId, attempts: 3, error: 'checkpoint is corrupt' });
  assert.equal(events.filter((e) => e.event === 'compression.started').length, 3);
  assert.equal(events.filter((e) => e.event === 'warning').length, 2);
});

test('two compressors with jobs longer than the ack wait: each job runs once, on its first delivery, and both compressors work', async () => {
  const ackWaitMs = 1000;
  const jobMs = 2500;
  const queues = [new JetStreamJobQueue(await open('c1'), { ackWaitMs, heartbeatMs: 250 }), new JetStreamJobQueue(await open('c2'), { ackWaitMs, heartbeatMs: 250 })];
  const jobs = Array.from({ length: 4 }, (_, i) => testJob('two-run', `job-long-${i}`));
  for (const job of jobs) await queues[0]!.enqueue(job);
  const runs: Array<{ jobId: string; attempt: number; consumer: string }> = [];
  const consumers = queues.map((q, i) =>
    q.consume(
      async (job, a) => {
        runs.push({ jobId: job.jobId, attempt: a.attempt, consumer: `c${i + 1}` });
        await sleep(jobMs);
        return `${job.outDir}/compression.json`;
      },
      { name: `c${i + 1}` },
    ),
  );
  const outcomes = await Promise.all(jobs.map((j) => queues[0]!.waitForOutcome(j.jobId)));
  await sleep(ackWaitMs * 2); // an expired lease would show up as a redelivery now
  await Promise.all(consumers.map((c) => c.stop()));
  assert.deepEqual(outcomes.map((o) => [o.status, o.attempts]), jobs.map(() => ['succeeded', 1]));
  assert.deepEqual(runs.map((r) => r.jobId).sort(), jobs.map((j) => j.jobId).sort(), 'each job ran exactly once');
  assert.ok(runs.every((r) => r.attempt === 1), `a job was redelivered: ${JSON.stringify(runs)}`);
  assert.deepEqual([...new Set(runs.map((r) => r.consumer))].sort(), ['c1', 'c2'], `one compressor starved: ${JSON.stringify(runs)}`);
  assert.deepEqual(consumers.map((c) => c.finished.length), [2, 2]);
});

/** Enqueues `job` on a connection named `name` and closes it while a compressor on it runs the job: no ack, no more heartbeats, as after SIGKILL. */
async function dieMidJob(name: string, job: CompressionJob, options: JobQueueOptions): Promise<void> {
  const doomed = await open(name);
  const first = new JetStreamJobQueue(doomed, options);
  await first.enqueue(job);
  let started!: () => void;
  const startedOnce = new Promise<void>((r) => (started = r));
  const doomedConsumer = first.consume(async (_j, attempt) => {
    started();
    // Runs until aborted: the queue aborts it when its connection is gone.
    return new Promise<string>((_, reject) => attempt.signal.addEventListener('abort', () => reject(new Error('connection lost'))));
  });
  await startedOnce;
  await doomed.close();
  await doomedConsumer.stopped; // the abandoned consumer ends instead of pulling on a closed connection
}

test('a compressor that dies mid-job (connection gone, no ack) loses the job to another after the ack wait, which completes it', async () => {
  const ackWaitMs = 1000;
  const job = testJob('crash-run', 'job-crash-1');
  await dieMidJob('doomed', job, { ackWaitMs, heartbeatMs: 250 });
  const second = new JetStreamJobQueue(await open('survivor'), { ackWaitMs, heartbeatMs: 250 });
  const attempts: number[] = [];
  const consumer = second.consume(async (j, a) => (attempts.push(a.attempt), `${j.outDir}/compression.json`));
  const outcome = await second.waitForOutcome(job.jobId);
  await consumer.stop();
  assert.equal(outcome.status, 'succeeded');
  assert.deepEqual(attempts, [2]);
});

test('a delivery past its attempts (its compressor died) is recorded as failed without running, and the compressor says so', async () => {
  const options = { ackWaitMs: 1000, heartbeatMs: 250, maxAttempts: 1 };
  const job = testJob('crash-last-run', 'job-crash-last');
  await dieMidJob('doomed-last', job, options); // attempt 1 of 1 used up
  const second = new JetStreamJobQueue(await open('survivor-last'), options);
  const ran: string[] = [];
  const notices: string[] = [];
  const errors: string[] = [];
  const onNotice = (m: string) => {
    notices.push(m);
    throw new Error('a listener that fails'); // must not fail the job's handling
  };
  const consumer = second.consume(async (j) => (ran.push(j.jobId), `${j.outDir}/compression.json`), { onNotice, onError: (e) => errors.push(e.message) });
  const outcome = await second.waitForOutcome(job.jobId);
  await until(() => consumer.finished.length === 1, 'the job to be finished');
  await consumer.stop();
  assert.equal(outcome.status, 'failed');
  assert.deepEqual(ran, []);
  assert.deepEqual(consumer.finished, [job.jobId]);
  assert.deepEqual(errors, []);
  // Before, the compressor that recorded the failure said nothing of it (only the coordinator and events did).
  assert.deepEqual(notices, ['job job-crash-last failed without running here: attempt 1 of 1 never finished (its compressor died or lost its lease); recorded as failed']);
});

test('stop() during a job hands it back at once, counting no attempt: three hand-backs in a row, and another compressor runs it as attempt 1 of 1', async () => {
  const job = testJob('handback-run', 'job-handback-1');
  const options = { ackWaitMs: 30_000, maxAttempts: 1 };
  const ncA = await open('a');
  const events = captureRunEvents(ncA, 'handback-run'); // on the publishing connection: no event can pass the subscription
  const a = new JetStreamJobQueue(ncA, options);
  await a.enqueue(job);
  const t0 = Date.now();
  for (let i = 0; i < 3; i++) {
    // A Kubernetes rollout during the job, three times: each compressor is stopped while the job runs.
    let started!: () => void;
    const startedOnce = new Promise<void>((r) => (started = r));
    const ca = a.consume(async (_j, attempt) => {
      assert.equal(attempt.attempt, 1);
      started();
      await new Promise((_, reject) => attempt.signal.addEventListener('abort', () => reject(new Error('aborted'))));
      return 'never';
    });
    await startedOnce;
    await ca.stop(100);
  }
  const b = new JetStreamJobQueue(await open('b'), options);
  const attempts: number[] = [];
  let handBacks = -1;
  const cb = b.consume(async (j, attempt) => (attempts.push(attempt.attempt), (handBacks = attempt.handBacks), `${j.outDir}/compression.json`));
  const outcome = await b.waitForOutcome(job.jobId);
  await cb.stop();
  assert.equal(outcome.status, 'succeeded');
  assert.equal(handBacks, 3, 'the handler is told too (the compressor logs it)');
  assert.ok(Date.now() - t0 < 15_000, `hand-backs took ${Date.now() - t0} ms`);
  // Before: the hand-back was a plain nak, a delivery JetStream counts: the next compressor ran attempt 2, and with
  // maxAttempts 1 the job failed for good, "never finished (its compressor died)".
  assert.deepEqual(attempts, [1]);
  assert.equal(outcome.attempts, 1);
  // Each start says how often the job was handed back (watch shows it): the same attempt 1 is not a mystery.
  await until(() => events.filter((e) => e.event === 'compression.started').length === 4, 'four starts');
  assert.deepEqual(events.filter((e) => e.event === 'compression.started').map((e) => [e.data.attempt, e.data.handBacks]), [[1, undefined], [1, 1], [1, 2], [1, 3]]);
  const jsm = await jetstreamManager(connections[0]!);
  assert.equal((await jsm.streams.info(JOBS_STREAM, { subjects_filter: 'metatrain.jobs.compress.handback-run' })).state.subjects?.['metatrain.jobs.compress.handback-run'] ?? 0, 0, 'nothing left in the stream');
});

test('after nats-server restarts, a newly published job is picked up within seconds by the running compressor', async () => {
  const nc = await open('restart');
  const queue = new JetStreamJobQueue(nc, { ackWaitMs: 5000 });
  const seen: Array<{ jobId: string; at: number }> = [];
  const consumer = queue.consume(async (j) => (seen.push({ jobId: j.jobId, at: Date.now() }), `${j.outDir}/compression.json`));
  await queue.enqueue(testJob('restart-run', 'job-before-restart'));
  await until(() => seen.length === 1, 'the job before the restart');
  await server.restart();
  const publisher = await open('restart-publisher');
  const published = Date.now();
  await new JetStreamJobQueue(publisher).enqueue(testJob('restart-run', 'job-after-restart'));
  await until(() => seen.length === 2, 'the job after the restart', 30_000);
  await consumer.stop();
  assert.equal(seen[1]!.jobId, 'job-after-restart');
  const latency = seen[1]!.at - published;
  assert.ok(latency < 10_000, `picked up ${latency} ms after publication`);
});
