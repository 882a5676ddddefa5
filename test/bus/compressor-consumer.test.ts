import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { connectNats } from '../../src/bus/nats-connection';
import { openRunBus } from '../../src/bus/run-bus';
import { JetStreamJobQueue, JOBS_STREAM } from '../../src/bus/job-queue-jetstream';
import { consumerAliveSubject, RUN_CONSUMER_INACTIVE_MS } from '../../src/bus/compressor-consumer';
import { compressionJobId, type CompressionJob, type JobConsumer } from '../../src/bus/job-queue';
import { startNatsServer, type TestNatsServer } from './nats-server';
import { sleep, testJob, until } from './fixtures';

// A private server: these tests create and remove the stream's consumers, which the other queue tests share.
let server: TestNatsServer;
let nc: NatsConnection;
before(async () => {
  server = await startNatsServer();
  nc = await connectNats(server.url, { name: 'compressor-consumer-test' });
});
after(async () => {
  await nc.close();
  await server.stop();
});

const consumerNames = async () => {
  const names: string[] = [];
  for await (const c of await (await jetstreamManager(nc)).consumers.list(JOBS_STREAM)) names.push(c.name);
  return names.sort();
};

/** A compressor of `run` (every run's without) recording the jobs it runs (each ends once `gate` resolves) and the errors its loop survives. */
function compressor(run: string | undefined, name = 'compressor', gate: Promise<void> = Promise.resolve()) {
  const queue = new JetStreamJobQueue(nc, { ackWaitMs: 5000 });
  const ran: CompressionJob[] = [];
  const errors: string[] = [];
  const notices: string[] = [];
  const consumer: JobConsumer = queue.consume(async (j) => (ran.push(j), await gate, `${j.outDir}/compression.json`), { run, name, onError: (e) => errors.push(e.message), onNotice: (m) => notices.push(m) });
  return { queue, ran, errors, notices, consumer };
}

test("a run's compressor takes only its run's jobs: another run's job waits for that run's compressor and runs on its first attempt", async () => {
  const a = compressor('run-a');
  const queue = new JetStreamJobQueue(nc);
  await queue.enqueue(testJob('run-b', 'job-of-b'));
  await queue.enqueue(testJob('run-a', 'job-of-a'));
  await until(() => a.ran.length === 1, "run-a's job");
  await sleep(1500); // the job of run-b, were it handed to run-a's compressor, would have run by now
  assert.deepEqual(a.ran.map((j) => j.jobId), ['job-of-a']);
  const b = compressor('run-b');
  const outcome = await queue.waitForOutcome('job-of-b');
  assert.equal(outcome.attempts, 1);
  assert.deepEqual(b.ran.map((j) => j.jobId), ['job-of-b']);
  assert.deepEqual(await consumerNames(), ['compressors-run-a', 'compressors-run-b']);
  const info = await (await jetstreamManager(nc)).consumers.info(JOBS_STREAM, 'compressors-run-a');
  assert.equal(info.config.filter_subject, 'metatrain.jobs.compress.run-a');
  assert.equal(info.config.inactive_threshold, RUN_CONSUMER_INACTIVE_MS * 1e6, 'the server removes a finished run\'s consumer');
  await Promise.all([a.consumer.stop(), b.consumer.stop()]);
  assert.deepEqual([...a.errors, ...b.errors], []);
});

test("a compressor of every run's jobs waits while a run's consumer is in use, naming it, and replaces it once unused; and the other way round", async () => {
  const own = compressor('run-c', 'own-c');
  const ownToo = compressor('run-c', 'own-c2');
  await until(() => own.consumer.ready && ownToo.consumer.ready, "run-c's compressors pulling");
  let release!: () => void;
  const shared = compressor(undefined, 'shared', new Promise<void>((r) => (release = r)));
  await until(() => shared.errors.length > 0, 'the refusal');
  assert.equal(
    shared.errors[0],
    `pulling from ${JOBS_STREAM}/compressors: cannot create consumer 'compressors' on ${JOBS_STREAM}: a work-queue stream's consumers may not overlap, and 'compressors-run-c' (run run-c's jobs: compressors started with --run run-c; compressors 'own-c', 'own-c2' consume from it) is in use; stop them, or start this compressor with --run RUN`,
  );
  assert.equal(shared.consumer.ready, false);
  await Promise.all([own.consumer.stop(), ownToo.consumer.stop()]);
  // run-c's consumer is unused now: the shared one replaces it and takes any run's job.
  const queue = new JetStreamJobQueue(nc);
  await queue.enqueue(testJob('run-d', 'job-of-d'));
  await until(() => shared.ran.length === 1, 'the shared compressor to start the job of run-d');
  assert.ok(!(await consumerNames()).includes('compressors-run-c'));
  // (The first test's consumers, unused, are removed too.)
  assert.ok(
    shared.notices.includes(`removed the unused consumer 'compressors-run-c' of ${JOBS_STREAM} (run run-c's jobs: compressors started with --run run-c), which overlapped 'compressors'; the jobs it had not delivered go to 'compressors'`),
    shared.notices.join('\n'),
  );
  assert.equal(shared.notices.at(-1), `pulling from ${JOBS_STREAM}/compressors again`);

  // The other way round: a run's compressor waits while the shared consumer is in use, also while its compressor
  // runs a job (no pull waiting on it then).
  const early = compressor('run-e');
  await until(() => early.errors.length > 0, 'the refusal while the shared compressor runs a job');
  assert.match(early.errors[0]!, /'compressors' \(every run's jobs: compressors started without --run; compressor 'shared' consumes from it\) is in use; stop them, or start them with --run RUN for the runs they serve$/);
  release();
  assert.equal((await queue.waitForOutcome('job-of-d')).attempts, 1);
  await early.consumer.stop();
  await shared.consumer.stop();

  // A compressor of an earlier version does not answer, but its pull waiting on the consumer shows it is in use.
  const legacy = (await jetstream(nc).consumers.get(JOBS_STREAM, 'compressors')).next({ expires: 2500 });
  const refused = compressor('run-e');
  await until(() => refused.errors.length > 0, "the refusal while an earlier version's compressor pulls");
  assert.match(refused.errors[0]!, /'compressors' \(every run's jobs: compressors started without --run; 1 pull waiting on it\) is in use/);
  await refused.consumer.stop();
  assert.equal(await legacy, null);
  // A compressor subscribed but not answering (its event loop busy in a job) counts as using it too.
  const silent = nc.subscribe(consumerAliveSubject('compressors'));
  const blocked = compressor('run-e');
  await until(() => blocked.errors.length > 0, 'the refusal while a compressor does not answer');
  assert.match(blocked.errors[0]!, /'compressors' \(every run's jobs: compressors started without --run; a compressor consuming from it did not answer within 1000 ms \(busy\)\) is in use/);
  await blocked.consumer.stop();
  silent.unsubscribe();
  // A job left undelivered on the unused shared consumer (as an earlier version's compressors leave it) goes to the
  // run's consumer that replaces it, on its first attempt.
  await queue.enqueue(testJob('run-e', 'job-of-e'));
  const own2 = compressor('run-e');
  assert.equal((await queue.waitForOutcome('job-of-e')).attempts, 1);
  assert.deepEqual(own2.ran.map((j) => j.jobId), ['job-of-e']);
  assert.deepEqual(own2.errors, []);
  await own2.consumer.stop();
  assert.deepEqual(await consumerNames(), ['compressors-run-e']);
});

test('a compressor whose consumer is removed during a job reports that it could not acknowledge it, and goes on', async () => {
  // Removed by a compressor that could not see it in use (an earlier version's, or one reconnecting): the outcome is
  // recorded first, so nothing is lost; before, the failed acknowledgement ended the compressor's loop.
  let release!: () => void;
  const busy = compressor('run-g', 'busy', new Promise<void>((r) => (release = r)));
  const queue = new JetStreamJobQueue(nc);
  await queue.enqueue(testJob('run-g', 'job-of-g'));
  await until(() => busy.ran.length === 1, 'the job to start');
  await (await jetstreamManager(nc)).consumers.delete(JOBS_STREAM, 'compressors-run-g');
  release();
  assert.equal((await queue.waitForOutcome('job-of-g')).status, 'succeeded');
  await until(() => busy.errors.length > 0, 'the report');
  assert.match(busy.errors[0]!, /^job job-of-g succeeded and its outcome is recorded, but its delivery could not be acknowledged: /);
  await queue.enqueue(testJob('run-g', 'job-of-g2'));
  assert.equal((await queue.waitForOutcome('job-of-g2')).attempts, 1, 'the compressor goes on, on its consumer made again');
  assert.deepEqual(busy.ran.map((j) => j.jobId), ['job-of-g', 'job-of-g2']);
  await busy.consumer.stop();
});

test("a coordinator waiting for a job that no compressor takes is told so, and what to start; not while one takes it", async (t) => {
  // Before: a run whose compressor was missing (another run's only, or its Deployment not running) waited in
  // 'compressing' without a word.
  let release!: () => void;
  const other = compressor('run-h', 'other', new Promise<void>((r) => (release = r))); // its job runs past the first check
  const bus = await openRunBus(server.url, 'run-i', 'test', { untakenCheckMs: 300 });
  const waits = new AbortController();
  t.after(async () => {
    // Also when an assertion fails: a wait, a held job or an open connection would keep the file running.
    waits.abort();
    release();
    await bus.close();
  });
  const queue = bus.queue;
  const jobId = compressionJobId('run-i', 7, 'c0ffee'.repeat(10)); // a job id names its run
  await queue.enqueue(testJob('run-i', jobId));
  const told: string[] = [];
  const outcome = queue.waitForOutcome(jobId, waits.signal, (m) => told.push(m));
  await until(() => told.length > 0, 'the warning');
  assert.equal(told[0], `compression job ${jobId} waits in ${JOBS_STREAM}, and no compressor takes run run-i's jobs`); // what to start: the coordinator's (compressor-advice.test.ts)
  const own = compressor('run-i');
  assert.equal((await outcome).attempts, 1);
  assert.equal(told.length, 1, 'checked again only after 10 × untakenCheckMs');
  const taken = compressionJobId('run-h', 7, 'c0ffee'.repeat(10));
  await queue.enqueue(testJob('run-h', taken));
  const quiet: string[] = [];
  const done = queue.waitForOutcome(taken, waits.signal, (m) => quiet.push(m));
  await until(() => other.ran.length === 1, "run-h's job to start");
  await sleep(1000); // past the first check (300 ms), while the job runs
  release();
  await done;
  assert.ok(other.ran.length === 1);
  await Promise.all([other.consumer.stop(), own.consumer.stop()]);
  assert.deepEqual(quiet, []);
});
