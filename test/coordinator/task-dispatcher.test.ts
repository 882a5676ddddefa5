import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NonFiniteResultsError, RunFailedError } from '../../src/core/errors';
import { TaskDispatcher, type WorkerSlot } from '../../src/coordinator/task-dispatcher';
import type { WorkItem, WorkResult } from '../../src/coordinator/work-item';

const metrics = { queryLoss: 0, queryMetric: 0, evalLoss: [], evalMetric: [], durationSeconds: 0 };
const item = (i: number): WorkItem => ({ key: `train/1/${i}`, kind: 'train', step: 1, index: i, paramVersion: 'meta/0' });

function slot(id: string, capacity = 1): WorkerSlot & { got: string[]; cancelled: string[] } {
  const s = { id, name: id, capacity, got: [] as string[], cancelled: [] as string[], assign: (_i: WorkItem, a: string) => s.got.push(a), cancel: (a: string) => s.cancelled.push(a) };
  return s;
}

const ok = (workerId: string): WorkResult => ({ metrics, workerId });

test('results come back in item order whatever order they complete in', async () => {
  const d = new TaskDispatcher({ leaseTimeoutMs: 10_000, maxAttempts: 2 });
  const a = slot('a', 3);
  d.addWorker(a);
  const batch = d.runBatch([item(0), item(1), item(2)]);
  for (const id of [...a.got].reverse()) d.complete('a', id, { ...ok('a'), metrics: { ...metrics, queryLoss: Number(id.split('/')[2]!.split('#')[0]) } });
  assert.deepEqual((await batch).map((r) => r.metrics.queryLoss), [0, 1, 2]);
});

test('a worker leaving re-queues each of its tasks exactly once and late results are ignored', async () => {
  const d = new TaskDispatcher({ leaseTimeoutMs: 10_000, maxAttempts: 3 });
  const a = slot('a');
  const b = slot('b');
  const requeued: string[] = [];
  d.on('redispatched', (i: WorkItem) => requeued.push(i.key));
  d.addWorker(a);
  const batch = d.runBatch([item(0)]);
  d.removeWorker('a', 'killed');
  d.removeWorker('a', 'killed again');
  d.addWorker(b);
  assert.deepEqual(requeued, ['train/1/0']);
  assert.deepEqual(b.got, ['train/1/0#2']);
  assert.equal(d.complete('a', 'train/1/0#1', ok('a')), false, 'late result of the lost attempt accepted');
  assert.equal(d.complete('b', 'train/1/0#2', ok('b')), true);
  assert.equal(d.complete('b', 'train/1/0#2', ok('b')), false, 'duplicate accepted');
  assert.equal((await batch)[0]!.workerId, 'b');
});

test('a retry avoids the worker that failed it while another worker is joined', async () => {
  const d = new TaskDispatcher({ leaseTimeoutMs: 10_000, maxAttempts: 3 });
  const bad = slot('bad');
  const good = slot('good');
  d.addWorker(good);
  d.addWorker(bad);
  const batch = d.runBatch([item(0), item(1)]);
  const badId = bad.got[0]!;
  d.fail('bad', badId, 'NaN');
  assert.equal(bad.got.length, 1, 'the failed task went back to the worker that failed it');
  d.complete('good', good.got[0]!, ok('good'));
  assert.equal(good.got.length, 2);
  d.complete('good', good.got[1]!, ok('good'));
  assert.equal((await batch).length, 2);
});

test('an expired lease re-dispatches the task and cancels it on the slow worker', async () => {
  const d = new TaskDispatcher({ leaseTimeoutMs: 30, maxAttempts: 3 });
  const slow = slot('slow');
  const fast = slot('fast');
  d.addWorker(slow);
  const batch = d.runBatch([item(0)]);
  d.addWorker(fast);
  // Lease timers are unref'd (a coordinator's gRPC server keeps the process alive); here a timer of our own does.
  const keepAlive = setInterval(() => undefined, 1000);
  const reason = await new Promise<string>((resolve) => d.once('redispatched', (_i: WorkItem, r: string) => resolve(r)));
  clearInterval(keepAlive);
  assert.match(reason, /lease of train\/1\/0#1 on worker slow expired after 30 ms/);
  assert.deepEqual(slow.cancelled, ['train/1/0#1']);
  assert.deepEqual(fast.got, ['train/1/0#2']);
  d.complete('fast', 'train/1/0#2', ok('fast'));
  await batch;
});

test('after max attempts the batch fails with the task, the worker and the reason', async () => {
  const d = new TaskDispatcher({ leaseTimeoutMs: 10_000, maxAttempts: 2 });
  const a = slot('a');
  d.addWorker(a);
  const batch = d.runBatch([item(0), item(1)]);
  d.fail('a', a.got[0]!, 'shape [7]');
  d.fail('a', a.got[1]!, 'NaN at index 3');
  await assert.rejects(batch, (e: unknown) => e instanceof RunFailedError && /task train\/1\/0 failed 2 times \(max attempts 2\); last: worker a: NaN at index 3/.test(e.message));
  assert.equal(d.inFlight, 0);
  assert.equal(d.queued, 0);
});

test('a task whose every attempt gave a non-finite result fails with NonFiniteResultsError; one other failure among them, with RunFailedError', async () => {
  const run = async (nonFinite: [boolean, boolean]) => {
    const d = new TaskDispatcher({ leaseTimeoutMs: 10_000, maxAttempts: 2 });
    const a = slot('a');
    d.addWorker(a);
    const batch = d.runBatch([item(0)]);
    d.fail('a', a.got[0]!, 'NaN at index 0', nonFinite[0]);
    d.fail('a', a.got[1]!, 'NaN at index 0', nonFinite[1]);
    return batch.catch((e: unknown) => e);
  };
  const both = await run([true, true]);
  assert.ok(both instanceof NonFiniteResultsError && /task train\/1\/0 failed 2 times/.test(both.message));
  for (const mixed of [await run([false, true]), await run([true, false])]) assert.ok(mixed instanceof RunFailedError && !(mixed instanceof NonFiniteResultsError));
});

test('speculation: past the threshold an outstanding task gets one backup elsewhere; the first result wins and the other is cancelled', async () => {
  const d = new TaskDispatcher({ leaseTimeoutMs: 10_000, maxAttempts: 2, speculateAfter: 0.5 });
  const a = slot('a');
  const b = slot('b');
  const c = slot('c');
  const speculated: string[] = [];
  d.on('speculated', (i: WorkItem, w: string) => speculated.push(`${i.key}@${w}`));
  for (const w of [a, b, c]) d.addWorker(w);
  const batch = d.runBatch([item(0), item(1), item(2)]);
  assert.deepEqual([a.got, b.got, c.got], [['train/1/0#1'], ['train/1/1#1'], ['train/1/2#1']]);
  d.complete('a', 'train/1/0#1', ok('a')); // 1/3 done: below the threshold, no backup
  assert.deepEqual(speculated, []);
  d.complete('b', 'train/1/1#1', ok('b')); // 2/3 done: item 2 (on c) gets a backup on a free worker
  assert.deepEqual(speculated, ['train/1/2@a']);
  assert.deepEqual(a.got, ['train/1/0#1', 'train/1/2#1b']);
  // The original attempt fails while the backup runs: no retry, the backup still counts.
  assert.equal(d.fail('c', 'train/1/2#1', 'worker error'), true);
  assert.equal(d.queued, 0);
  assert.equal(d.complete('a', 'train/1/2#1b', ok('a')), true);
  assert.deepEqual((await batch).map((r) => r.workerId), ['a', 'b', 'a']);
  assert.equal(d.inFlight, 0);
});

test('speculation: the winner cancels the backup; without speculateAfter no backup is ever made', async () => {
  const d = new TaskDispatcher({ leaseTimeoutMs: 10_000, maxAttempts: 2, speculateAfter: 0.5 });
  const a = slot('a');
  const b = slot('b');
  d.addWorker(a);
  d.addWorker(b);
  const batch = d.runBatch([item(0), item(1)]);
  d.complete('a', a.got[0]!, ok('a'));
  assert.deepEqual(a.got, ['train/1/0#1', 'train/1/1#1b']);
  assert.equal(d.complete('b', 'train/1/1#1', ok('b')), true);
  assert.deepEqual(a.cancelled, ['train/1/1#1b']);
  assert.equal(d.complete('a', 'train/1/1#1b', ok('a')), false, 'the cancelled backup result was accepted');
  assert.deepEqual((await batch).map((r) => r.workerId), ['a', 'b']);

  const plain = new TaskDispatcher({ leaseTimeoutMs: 10_000, maxAttempts: 2 });
  const x = slot('x');
  const y = slot('y');
  plain.addWorker(x);
  plain.addWorker(y);
  const other = plain.runBatch([item(0), item(1)]);
  plain.complete('x', x.got[0]!, ok('x'));
  assert.deepEqual(x.got, ['train/1/0#1']);
  plain.complete('y', y.got[0]!, ok('y'));
  await other;
});
