import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Lifecycle } from '../../src/core/lifecycle';
import { LOCAL_CLUSTER_TRANSITIONS } from '../../src/local/local-cluster-state';
import { WORKER_TRANSITIONS } from '../../src/worker/worker-state';
import { Worker } from '../../src/worker/worker';
import { createLogger } from '../../src/core/logger';

test('a lifecycle moves only along its table and names the illegal transition', () => {
  const worker = new Lifecycle('worker', WORKER_TRANSITIONS, 'idle');
  worker.to('joining');
  worker.to('joined');
  assert.equal(worker.can('joining'), false);
  assert.throws(() => worker.to('joining'), { name: 'MetatrainError', message: 'illegal worker transition joined → joining' });
  worker.to('stopped');
  assert.equal(worker.state, 'stopped');
  for (const to of Object.keys(WORKER_TRANSITIONS) as Array<keyof typeof WORKER_TRANSITIONS>) assert.equal(worker.can(to), false, `stopped → ${to}`);
});

test('a local cluster closes only once started or stopped, and cannot start again once closing', () => {
  const cluster = new Lifecycle('local cluster', LOCAL_CLUSTER_TRANSITIONS, 'created');
  cluster.to('stopping');
  assert.throws(() => cluster.to('starting'), /illegal local cluster transition stopping → starting/);
  cluster.to('closing');
  cluster.to('closed');
  assert.deepEqual(LOCAL_CLUSTER_TRANSITIONS.closed, []);
});

test('a worker stopped before it joins never dials and ends stopped', async () => {
  const log = createLogger('test');
  log.level = 'silent';
  const worker = new Worker({ address: '127.0.0.1:1', token: 't', backend: 'none', log, createEngine: () => Promise.reject(new Error('not called')) });
  assert.equal(worker.state, 'idle');
  worker.stop();
  await worker.run();
  assert.equal(worker.state, 'stopped');
  assert.equal(worker.joins, 0);
});
