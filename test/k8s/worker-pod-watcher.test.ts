import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { KubernetesError } from '../../src/core/errors';
import { waitingForWorkersMessage, type WorkerPodCounts } from '../../src/k8s/pod-counts';
import { WorkerPodWatcher } from '../../src/k8s/worker-pod-watcher';
import { pod } from './pods';
import { startHarness, type Harness } from './stub/harness';

async function until(what: string, check: () => boolean, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

function watcherOn(h: Harness, changes: WorkerPodCounts[], errors: KubernetesError[] = []): WorkerPodWatcher {
  return new WorkerPodWatcher({
    kubeConfig: h.cluster.kubeConfig,
    namespace: 'metatrain',
    run: 'sotu-maml',
    onChange: (c) => changes.push(c),
    onError: (e) => errors.push(e),
    retryDelayMs: 20,
  });
}

test('the watcher counts pending and running worker pods of its run from a list and a watch over HTTP', async () => {
  const h = await startHarness();
  const changes: WorkerPodCounts[] = [];
  const watcher = watcherOn(h, changes);
  try {
    h.stub.put(pod('sotu-maml', 'worker', 'w-0', 'running'));
    h.stub.put(pod('sotu-maml', 'worker', 'w-1', 'unschedulable'));
    h.stub.put(pod('sotu-maml', 'coordinator', 'c-0', 'running'));
    h.stub.put(pod('other-run', 'worker', 'o-0', 'running'));
    await watcher.start();
    assert.deepEqual(watcher.counts(), { pending: 1, running: 1 });
    assert.equal(watcher.waitingReason(), '1 pod unschedulable: 0/3 nodes are available: 3 Insufficient nvidia.com/gpu.');
    assert.equal(
      waitingForWorkersMessage(watcher.counts(), 4, watcher.waitingReason()),
      'waiting for workers: 1 of 4 running, 1 pending (1 pod unschedulable: 0/3 nodes are available: 3 Insufficient nvidia.com/gpu.)',
    );

    const [list, watch] = h.stub.requests.filter((r) => r.path === '/api/v1/namespaces/metatrain/pods');
    assert.equal(list!.query['labelSelector'], 'metatrain.dev/run=sotu-maml,app.kubernetes.io/component=worker');
    assert.equal(list!.query['watch'], undefined);
    assert.equal(watch!.query['watch'], 'true');
    assert.equal(watch!.query['labelSelector'], list!.query['labelSelector']);
    assert.ok(Number(watch!.query['resourceVersion']) > 0, 'watch starts at the list resourceVersion');

    h.stub.put(pod('sotu-maml', 'worker', 'w-1', 'running'));
    await until('w-1 running', () => watcher.counts().running === 2);
    assert.deepEqual(watcher.counts(), { pending: 0, running: 2 });
    assert.equal(watcher.waitingReason(), undefined);
    h.stub.put(pod('sotu-maml', 'worker', 'w-2', 'pending'));
    await until('w-2 pending', () => watcher.counts().pending === 1);
    h.stub.remove('v1', 'Pod', 'metatrain', 'w-0');
    await until('w-0 gone', () => watcher.counts().running === 1);
    h.stub.put(pod('other-run', 'worker', 'o-1', 'pending'));
    h.stub.put(pod('sotu-maml', 'coordinator', 'c-1', 'pending'));
    await sleep(50);
    assert.deepEqual(watcher.counts(), { pending: 1, running: 1 }, 'other runs and components do not count');
    assert.deepEqual(changes, [
      { pending: 1, running: 1 },
      { pending: 0, running: 2 },
      { pending: 1, running: 2 },
      { pending: 1, running: 1 },
    ]);
  } finally {
    watcher.stop();
    await h.stop();
  }
});

test('the watcher resumes after the server ends the watch, and retries after a failed reconnect', async () => {
  const h = await startHarness();
  const errors: KubernetesError[] = [];
  const watcher = watcherOn(h, [], errors);
  try {
    h.stub.put(pod('sotu-maml', 'worker', 'w-0', 'pending'));
    await watcher.start();
    const watches = () => h.stub.requests.filter((r) => r.query['watch'] === 'true').length;
    h.stub.closeWatches();
    await until('a new watch', () => watches() === 2);
    h.stub.put(pod('sotu-maml', 'worker', 'w-0', 'running'));
    await until('w-0 running', () => watcher.counts().running === 1);

    h.stub.inject({ method: 'GET', pathIncludes: '/pods', code: 500, reason: 'InternalError', message: 'etcd is down' });
    h.stub.closeWatches();
    await until('the error to be reported', () => errors.length === 1);
    assert.equal(errors[0]!.statusCode, 500);
    await until('a watch after the retry', () => h.stub.requests.filter((r) => r.query['watch'] === 'true' && r.status === 200).length === 3);
    h.stub.put(pod('sotu-maml', 'worker', 'w-1', 'pending'));
    await until('w-1 counted', () => watcher.counts().pending === 1);
  } finally {
    watcher.stop();
    await h.stop();
  }
});

test('start fails with a 403 KubernetesError when the coordinator may not list pods', async () => {
  const h = await startHarness({ authorize: (a) => a.resource !== 'pods' });
  const watcher = watcherOn(h, []);
  try {
    await assert.rejects(watcher.start(), (e: unknown) =>
      e instanceof KubernetesError && e.statusCode === 403 && /^forbidden: you may not list Pods in namespace "metatrain"/.test(e.message));
  } finally {
    watcher.stop();
    await h.stop();
  }
});
