import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryJobQueue } from '../../src/bus/job-queue-memory';
import type { JobLifecycleEvents } from '../../src/bus/job-queue';
import { OtherCompressionError } from '../../src/core/errors';
import { sleep, testJob } from './fixtures';

function recorder() {
  const events: Array<{ run: string; event: keyof JobLifecycleEvents; data: unknown }> = [];
  return { events, sink: (run: string, event: keyof JobLifecycleEvents, data: unknown) => events.push({ run, event, data }) };
}

test('the in-process queue runs a job enqueued twice once and reports started and succeeded', async () => {
  const { events, sink } = recorder();
  const queue = new MemoryJobQueue({}, sink);
  const job = testJob('mem-run', 'mem-dedup');
  assert.deepEqual(await queue.enqueue(job), { duplicate: false });
  assert.deepEqual(await queue.enqueue(job), { duplicate: true });
  const runs: string[] = [];
  const consumer = queue.consume(async (j) => (runs.push(j.jobId), `${j.outDir}/compression.json`));
  const outcome = await queue.waitForOutcome(job.jobId);
  await sleep(50);
  await consumer.stop();
  assert.deepEqual(runs, ['mem-dedup']);
  assert.equal(outcome.status, 'succeeded');
  assert.equal(outcome.report, '/tmp/mem-dedup/compression.json');
  assert.deepEqual(events.map((e) => e.event), ['compression.started', 'compression.succeeded']);
});

test('the in-process queue retries a failing job with doubling backoff and records the failure after maxAttempts', async () => {
  const { events, sink } = recorder();
  const queue = new MemoryJobQueue({ maxAttempts: 3, backoffMs: 100 }, sink);
  const job = testJob('mem-run', 'mem-fails');
  await queue.enqueue(job);
  const at: number[] = [];
  const consumer = queue.consume(async () => {
    at.push(Date.now());
    throw new Error('no such checkpoint');
  });
  const outcome = await queue.waitForOutcome(job.jobId);
  await consumer.stop();
  assert.equal(outcome.status, 'failed');
  assert.equal(outcome.attempts, 3);
  assert.equal(at.length, 3);
  assert.ok(at[1]! - at[0]! >= 95 && at[2]! - at[1]! >= 195, `delays ${at[1]! - at[0]!}, ${at[2]! - at[1]!} ms`);
  assert.deepEqual(events.filter((e) => e.event !== 'compression.started').map((e) => e.event), ['warning', 'warning', 'compression.failed']);
});

test('the in-process queue fails a job at once, without retrying, when its output directory holds another compression', async () => {
  // A retry meets the same compression there: before, it was tried 3 times with backoff.
  const { events, sink } = recorder();
  const queue = new MemoryJobQueue({ maxAttempts: 3, backoffMs: 100 }, sink);
  const job = testJob('mem-run', 'mem-other');
  await queue.enqueue(job);
  let attempts = 0;
  const consumer = queue.consume(async () => {
    attempts++;
    throw new OtherCompressionError(`${job.outDir} already holds the compression of another checkpoint`);
  });
  const outcome = await queue.waitForOutcome(job.jobId);
  await consumer.stop();
  assert.equal(outcome.status, 'failed');
  assert.equal(outcome.attempts, 1);
  assert.equal(attempts, 1);
  assert.match(outcome.error!, /already holds the compression of another checkpoint/);
  assert.deepEqual(events.map((e) => e.event), ['compression.started', 'compression.failed']);
});

test('two in-process consumers share the jobs, and a consumer stopped mid-job hands its job back to the other', async () => {
  const { events, sink } = recorder();
  const queue = new MemoryJobQueue({}, sink);
  for (let i = 0; i < 4; i++) await queue.enqueue(testJob('mem-run', `mem-share-${i}`));
  const by: Record<string, string[]> = { a: [], b: [] };
  const handler = (name: string) => async (j: { jobId: string; outDir: string }) => {
    by[name]!.push(j.jobId);
    await sleep(100);
    return `${j.outDir}/compression.json`;
  };
  const a = queue.consume(handler('a'), { name: 'a' });
  const b = queue.consume(handler('b'), { name: 'b' });
  await Promise.all([0, 1, 2, 3].map((i) => queue.waitForOutcome(`mem-share-${i}`)));
  assert.ok(by.a!.length > 0 && by.b!.length > 0, JSON.stringify(by));
  assert.equal(by.a!.length + by.b!.length, 4);

  await Promise.all([a.stop(), b.stop()]);
  const handback = testJob('mem-run', 'mem-handback');
  await queue.enqueue(handback);
  let started!: () => void;
  const running = new Promise<void>((r) => (started = r));
  const d = queue.consume(async (_j, attempt) => {
    started();
    return new Promise<string>((_, reject) => attempt.signal.addEventListener('abort', () => reject(new Error('aborted'))));
  });
  await running;
  await d.stop(0); // aborts the running job: it goes back to the queue, not counted as a failure
  const attempts: number[] = [];
  const c = queue.consume(async (j, attempt) => (attempts.push(attempt.attempt), `${j.outDir}/compression.json`));
  assert.equal((await queue.waitForOutcome('mem-handback')).status, 'succeeded');
  await c.stop();
  assert.deepEqual(attempts, [1]);
  const starts = events.filter((e) => e.event === 'compression.started' && (e.data as { jobId: string }).jobId === 'mem-handback');
  assert.deepEqual(starts.map((e) => (e.data as { handBacks?: number }).handBacks), [undefined, 1]);
});

test('waitForOutcome rejects with a message naming the job when its signal aborts', async () => {
  const queue = new MemoryJobQueue();
  const ac = new AbortController();
  const waiting = queue.waitForOutcome('never-enqueued', ac.signal);
  ac.abort();
  await assert.rejects(waiting, /never-enqueued/);
});

test("an in-process consumer of one run takes only that run's jobs; another run's waits for its own consumer", async () => {
  const queue = new MemoryJobQueue();
  const ranA: string[] = [];
  const ranB: string[] = [];
  const a = queue.consume(async (j) => (ranA.push(j.jobId), `${j.outDir}/compression.json`), { run: 'mem-a' });
  await queue.enqueue(testJob('mem-b', 'mem-of-b'));
  await queue.enqueue(testJob('mem-a', 'mem-of-a'));
  await queue.waitForOutcome('mem-of-a');
  await sleep(50);
  assert.deepEqual([ranA, ranB], [['mem-of-a'], []]);
  const b = queue.consume(async (j) => (ranB.push(j.jobId), `${j.outDir}/compression.json`), { run: 'mem-b' });
  assert.equal((await queue.waitForOutcome('mem-of-b')).attempts, 1);
  await Promise.all([a.stop(), b.stop()]);
  assert.deepEqual([ranA, ranB], [['mem-of-a'], ['mem-of-b']]);
});
