import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { NatsConnection } from '@nats-io/nats-core';
import { connectNats } from '../../src/bus/nats-connection';
import { RunEventPublisher } from '../../src/bus/run-event-publisher';
import { runEventSubject, runEventsWildcard } from '../../src/bus/run-subjects';
import { RunEvents } from '../../src/coordinator/run-events';
import { startNatsServer, type TestNatsServer } from './nats-server';
import { captureRunEvents, until } from './fixtures';

let server: TestNatsServer;
let nc: NatsConnection;
before(async () => {
  server = await startNatsServer();
  nc = await connectNats(server.url, { name: 'publisher-test' });
});
after(async () => {
  await nc.close();
  await server.stop();
});

test('run events are published on metatrain.run.<run>.<event> with {run, event, time, data} bodies', async () => {
  const events = new RunEvents();
  const seen = captureRunEvents(nc, 'pub-run');
  const subjects: string[] = [];
  nc.subscribe(runEventsWildcard('pub-run'), { callback: (_e, m) => void subjects.push(m.subject) });
  await nc.flush();
  const publisher = new RunEventPublisher(nc, 'pub-run', events);
  events.emit('phase', 'training', 'meta-training');
  events.emit('workers', 3);
  events.emit('step', { step: 1, maxSteps: 10, metaLoss: 0.5, metaMetric: 0.4, durationSeconds: 0.2, tasksPerSecond: 20, workers: 3 });
  events.emit('warning', 'worker w1 left');
  events.emit('progress', 'meta-test evaluation', 1, 10); // not part of the NATS contract
  events.emit('converged', { step: 40, bestStep: 30 });
  events.emit('compression.queued', { jobId: 'j1', checkpoint: '/c', outDir: '/o', queue: 'memory', duplicate: false });
  events.emit('finished', { phase: 'succeeded', reason: 'converged', steps: 40 });
  await publisher.close();
  await until(() => seen.length === 7, '7 events');
  assert.deepEqual(subjects, ['phase', 'workers', 'step', 'warning', 'converged', 'compression.queued', 'finished'].map((e) => runEventSubject('pub-run', e as never)));
  assert.deepEqual(seen[0]!.data, { phase: 'training', message: 'meta-training' });
  assert.deepEqual(seen[1]!.data, { count: 3 });
  assert.equal((seen[2]!.data as { metaLoss: number }).metaLoss, 0.5);
  assert.deepEqual(seen[3]!.data, { message: 'worker w1 left' });
  assert.deepEqual(seen[6]!, { run: 'pub-run', event: 'finished', time: seen[6]!.time, data: { phase: 'succeeded', reason: 'converged', steps: 40 } });
  assert.ok(Math.abs(Date.parse(seen[6]!.time) - Date.now()) < 60_000);
  events.emit('phase', 'succeeded', 'after close'); // no longer forwarded
  await nc.flush();
  assert.equal(seen.length, 7);
});

test('a run name that is not a DNS label is refused before anything is published', () => {
  assert.throws(() => new RunEventPublisher(nc, 'bad.name', new RunEvents()), /bad\.name.*DNS label/);
});
