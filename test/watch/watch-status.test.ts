import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { NotCoordinatorError } from '../../src/core/errors';
import type { StatusSnapshot } from '../../src/watch/status-client';
import { endOf } from '../../src/watch/watch-event';
import { formatWatchEvent } from '../../src/watch/watch-format';
import { statusClient } from '../../src/watch/status-client';
import { statusChanges, watchStatus } from '../../src/watch/watch-status';

const base: StatusSnapshot = { run: 'r', phase: 'training', step: 3, maxSteps: 10, metaLoss: 0.5, metaValLoss: NaN, metaValMetric: NaN, workers: 2, lastCheckpoint: '', tasksPerSecond: 40, message: 'meta-training', phases: [{ phase: 'training', message: 'meta-training' }], recentSteps: [] };
const T = '2026-01-01T12:00:00.000Z';

test('status changes become the run events they stand for', () => {
  assert.deepEqual(statusChanges(undefined, base, T).map((e) => e.event), ['workers', 'phase', 'step']);
  assert.deepEqual(statusChanges(base, base, T), []);
  const next = { ...base, step: 4, metaValLoss: 0.4, metaValMetric: 0.3, lastCheckpoint: '/c/step-4', workers: 3 };
  const events = statusChanges(base, next, T);
  assert.deepEqual(events.map((e) => e.event), ['workers', 'step', 'validation', 'checkpoint']);
  assert.deepEqual(events[2]!.data, { loss: 0.4, metric: 0.3 });
  // A terminal phase comes after the step it ended at, so the watch shows that step before it ends.
  const end = statusChanges(next, { ...next, step: 5, phase: 'succeeded', message: 'run complete' }, T);
  assert.deepEqual(end.map((e) => [e.event, endOf(e)]), [['step', undefined], ['phase', { phase: 'succeeded', reason: 'run complete' }]]);
  assert.deepEqual(statusChanges(next, { ...next, phase: 'evaluating' }, T).map((e) => e.event), ['phase']);
});

test('every step done between two reads that the status lists is shown, in order, with its own loss', () => {
  const done = (step: number) => ({ step, metaLoss: 1 / step, tasksPerSecond: 10 * step, workers: 2 });
  const next = { ...base, step: 6, metaLoss: 1 / 6, tasksPerSecond: 60, recentSteps: [1, 2, 3, 4, 5, 6].map(done) };
  const steps = statusChanges(base, next, T).filter((e) => e.event === 'step');
  assert.deepEqual(
    steps.map((e) => e.data),
    [4, 5, 6].map((s) => ({ step: s, maxSteps: 10, metaLoss: 1 / s, tasksPerSecond: 10 * s, workers: 2 })),
  );
  // A first read shows the last step only (as a NATS watch that starts late); a coordinator that lists no steps
  // (an earlier version) shows the step of each read.
  assert.deepEqual(statusChanges(undefined, next, T).filter((e) => e.event === 'step').map((e) => e.data['step']), [6]);
  assert.deepEqual(statusChanges(base, { ...next, recentSteps: [] }, T).filter((e) => e.event === 'step').map((e) => e.data['step']), [6]);
  // Steps older than the list holds are not invented, and said to be missing before the steps listed.
  const gap = statusChanges(base, { ...next, recentSteps: [5, 6].map(done) }, T);
  assert.deepEqual(gap.map((e) => (e.event === 'step' ? e.data['step'] : e.event)), ['warning', 5, 6]);
  assert.match(String(gap[0]!.data['message']), /^step 4 was done between two reads and no longer listed by the status \(it keeps the last 100\): read more often \(--interval-ms\) or follow the run's events with --nats URL$/);
  const far = statusChanges(base, { ...next, step: 250, recentSteps: Array.from({ length: 100 }, (_, i) => done(151 + i)) }, T);
  assert.match(String(far[0]!.data['message']), /^steps 4–150 were done between two reads/);
  assert.equal(far.filter((e) => e.event === 'step').length, 100);
});

test('a coordinator restarted from an earlier checkpoint (its step went down) shows the steps it did since; a status without a step shows none', () => {
  const done = (step: number) => ({ step, metaLoss: 1 / step, tasksPerSecond: 10, workers: 1 });
  const before = { ...base, step: 45 };
  const steps = (next: StatusSnapshot, prev: StatusSnapshot = before) => statusChanges(prev, next, T).map((e) => (e.event === 'step' ? e.data['step'] : e.event));
  assert.deepEqual(steps({ ...base, step: 42, recentSteps: [41, 42].map(done) }), [41, 42]);
  // The last step is the one listed, with the workers of that step.
  assert.equal(statusChanges(before, { ...base, step: 46, workers: 7, recentSteps: [46].map(done) }, T).find((e) => e.event === 'step')!.data['workers'], 1);
  assert.deepEqual(steps({ ...base, step: NaN }, undefined).filter((e) => typeof e === 'number'), []);
  assert.deepEqual(steps({ ...base, step: NaN }, { ...base, step: NaN }), []);
});

test('a read that finds the run past training shows its last step, then each phase it passed, in the run\'s order', () => {
  // Before: a poll from mid-training straight to compressing showed [compressing] before step 12 and never
  // [evaluating]; watch --nats shows the steps, then [evaluating], then [compressing].
  const evaluating = { phase: 'evaluating', message: 'meta-training max-steps at step 12; evaluating' };
  const compressing = { phase: 'compressing', message: 'compressing checkpoint /c/step-12 (job j1, memory queue)' };
  const training = { ...base, maxSteps: 12, phases: [{ phase: 'training', message: 'meta-training' }] };
  const reads: StatusSnapshot[] = [
    { ...base, phase: 'pending', step: 0, maxSteps: 12, workers: 0, message: 'waiting for workers', phases: [] },
    { ...training, step: 6 },
    { ...training, step: 12, metaLoss: 0.25, metaValLoss: 0.4, metaValMetric: 0.3, lastCheckpoint: '/c/step-12', message: compressing.message, phase: 'compressing', phases: [...training.phases, evaluating, compressing] },
  ];
  const lines = (from: StatusSnapshot | undefined, to: StatusSnapshot) => statusChanges(from, to, T).map((e) => formatWatchEvent(e).slice(10));
  const shown = reads.flatMap((read, i) => lines(reads[i - 1], read));
  assert.deepEqual(shown, [
    'workers: 0',
    '[pending] waiting for workers',
    'workers: 2',
    '[training] meta-training',
    'step 6/12  meta-loss 0.5000  40.0 tasks/s  2 workers',
    'step 12/12  meta-loss 0.2500  40.0 tasks/s  2 workers',
    'validation: loss 0.4000  metric 0.3000',
    'checkpoint: /c/step-12',
    `[evaluating] ${evaluating.message}`,
    `[compressing] ${compressing.message}`,
  ]);
  // A first read of a run already compressing shows what it passed the same way; a run ending during compression
  // ends the watch after its [compressing] line.
  assert.deepEqual(lines(undefined, reads[2]!).filter((l) => l.startsWith('[') || l.startsWith('step')), ['[training] meta-training', 'step 12/12  meta-loss 0.2500  40.0 tasks/s  2 workers', `[evaluating] ${evaluating.message}`, `[compressing] ${compressing.message}`]);
  const ended = statusChanges(reads[1], { ...reads[2]!, phase: 'succeeded', message: 'run complete', phases: [...reads[2]!.phases, { phase: 'succeeded', message: 'run complete' }] }, T);
  assert.deepEqual(ended.filter((e) => e.event === 'phase').map((e) => [e.data.phase, endOf(e)?.phase]), [['evaluating', undefined], ['compressing', undefined], ['succeeded', 'succeeded']]);
});

test('each event is one readable line', () => {
  const line = (event: string, data: Record<string, unknown>) => formatWatchEvent({ event: event as never, time: T, data }).slice(10);
  assert.equal(line('step', { step: 4, maxSteps: 10, metaLoss: 0.123456, metaMetric: 0.5, tasksPerSecond: 41.25, workers: 2 }), 'step 4/10  meta-loss 0.1235  metric 0.5000  41.3 tasks/s  2 workers');
  assert.equal(line('step', { step: 4, maxSteps: 10, metaLoss: 0.123456, tasksPerSecond: 41.25, workers: 1 }), 'step 4/10  meta-loss 0.1235  41.3 tasks/s  1 worker');
  assert.equal(line('phase', { phase: 'failed', message: 'task x failed 3 times' }), '[failed] task x failed 3 times');
  assert.equal(line('validation', { step: 8, loss: 0.25, metric: 0.5, improved: true }), 'validation at step 8: loss 0.2500  metric 0.5000  (best)');
  assert.equal(line('validation', { loss: 0.25, metric: 0.5 }), 'validation: loss 0.2500  metric 0.5000');
  assert.equal(line('checkpoint', { step: 8, path: '/c/8', bytes: 2048, durationSeconds: 0.01, best: false }), 'checkpoint at step 8: /c/8  2.0 KiB in 0.010 s');
  assert.equal(line('finished', { phase: 'succeeded', reason: 'converged', steps: 40 }), 'finished: succeeded after 40 steps (converged)');
  assert.equal(line('compression.succeeded', { jobId: 'j1', ratio: 0.25 }), 'compression.succeeded: jobId=j1 ratio=0.25');
  assert.deepEqual(endOf({ event: 'finished', time: T, data: { phase: 'failed', reason: 'boom', steps: 3 } }), { phase: 'failed', reason: 'boom' });
  assert.equal(endOf({ event: 'phase', time: T, data: { phase: 'evaluating', message: '' } }), undefined);
  // A graceful stop ends the run in its own phase, not as a failure.
  assert.deepEqual(endOf({ event: 'phase', time: T, data: { phase: 'stopped', message: 'resume with --resume' } }), { phase: 'stopped', reason: 'resume with --resume' });
  assert.deepEqual(endOf({ event: 'finished', time: T, data: { phase: 'stopped', reason: 'stopped', steps: 3 } }), { phase: 'stopped', reason: 'stopped' });
});

test('a coordinator that answered once and then went away is reported with what to do if its run ended', async () => {
  // A real HTTP /status endpoint that serves one snapshot and shuts down, as a coordinator without a linger does.
  const server = createServer((_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(base), () => {
      server.close();
      server.closeAllConnections();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const client = await statusClient(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, async () => '');
  const shown: string[] = [];
  await assert.rejects(
    watchStatus(client, 'r', (e) => shown.push(e.event), { intervalMs: 50, giveUpMs: 300 }),
    /unreachable for 300 ms .*; last phase training at step 3\. If the run ended, its coordinator has exited: start it with --linger-seconds S .* --nats URL/,
  );
  assert.deepEqual(shown, ['workers', 'phase', 'step']);
});

test('watch --coordinator http:// refuses a /status answer that metatrain status refuses, with the same words', async () => {
  // Before: watch checked only that "run" and "phase" were strings, and showed step "three" as NaN; metatrain status
  // refused it ('"step": Invalid input: expected number, received string').
  const bodies = [
    [{ ...base, step: 'three' }, '"step": Invalid input: expected number, received string'],
    [{ phase: 'training' }, 'missing "run"'],
  ] as const;
  for (const [body, problem] of bodies) {
    const server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body)));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const client = await statusClient(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, async () => '');
      await assert.rejects(client.read(), (e: unknown) => (e as Error).message.includes(`(HTTP 200 with JSON that is not a run status (${problem}))`) || assert.fail(String(e)));
    } finally {
      server.close();
      server.closeAllConnections();
    }
  }
});

test('watch --coordinator at a NATS port without a run token says it is a NATS server, not that the token is missing', async () => {
  // Before: `no run token: set METATRAIN_TOKEN or pass --token-file FILE`, and the NATS port was said only once a token was given.
  const greets = (greeting: string) => createNetServer((socket) => socket.end(greeting));
  const noToken = new Error('no run token: set METATRAIN_TOKEN or pass --token-file FILE');
  for (const [server, isNats] of [[greets('INFO {"server_id":"x"}\r\n'), true], [greets('SSH-2.0-x\r\n'), false]] as const) {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = `127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      await assert.rejects(statusClient(address, () => Promise.reject(noToken)), (err: Error) => {
        if (!isNats) return err === noToken;
        assert.ok(err instanceof NotCoordinatorError, err.message);
        assert.ok(err.message.startsWith(`${address} does not answer as a metatrain coordinator status endpoint (it greets with the INFO line of a NATS server); it is a NATS server: to follow the run's events from it, use --nats nats://${address}. `), err.message);
        return err.cause === noToken;
      });
    } finally {
      server.close();
    }
  }
});
