import { test } from 'node:test';
import assert from 'node:assert/strict';
import { launchRun } from '../../src/k8s/launch';
import { stopRun } from '../../src/k8s/stop';
import { exampleConfig, exampleWith, startHarness } from './stub/harness';

const KINDS: Array<[string, string]> = [
  ['apps/v1', 'Deployment'], ['v1', 'Service'], ['v1', 'ConfigMap'], ['v1', 'Secret'], ['v1', 'ServiceAccount'], ['v1', 'PersistentVolumeClaim'],
  ['rbac.authorization.k8s.io/v1', 'Role'], ['rbac.authorization.k8s.io/v1', 'RoleBinding'], ['networking.k8s.io/v1', 'NetworkPolicy'],
  ['monitoring.coreos.com/v1', 'ServiceMonitor'], ['monitoring.coreos.com/v1', 'PodMonitor'],
];

test('stop deletes every object labelled with the run, Deployments first, keeps the data claim, and leaves other runs alone', async () => {
  const h = await startHarness();
  try {
    await launchRun(h.cluster, exampleConfig());
    await launchRun(h.cluster, exampleWith({ name: 'other' }));
    const from = h.stub.requests.length;
    const result = await stopRun(h.cluster, 'sotu-maml');
    assert.equal(result.deleted.length, 14, 'all 15 objects (the compressor NetworkPolicy included) but the claim');
    assert.deepEqual(result.kept, [{ kind: 'PersistentVolumeClaim', name: 'sotu-maml-data' }]);
    const calls = h.stub.requests.slice(from).filter((r) => r.attributes);
    const lists = calls.filter((r) => r.method === 'GET');
    assert.ok(lists.length === KINDS.length && lists.every((r) => r.query['labelSelector'] === 'metatrain.dev/run=sotu-maml'), 'one list per kind, by run label');
    const deletes = calls.filter((r) => r.method === 'DELETE');
    assert.ok(deletes.every((r) => r.query['propagationPolicy'] === 'Background'));
    assert.deepEqual(deletes.slice(0, 3).map((r) => r.path.split('/').at(-1)), ['sotu-maml-compressor', 'sotu-maml-coordinator', 'sotu-maml-worker'], 'Deployments first');
    for (const [apiVersion, kind] of KINDS) {
      const left = h.stub.list(apiVersion, kind, 'metatrain').map((o) => o['metadata'].name as string);
      assert.deepEqual(left.filter((n) => n.startsWith('sotu-maml')), kind === 'PersistentVolumeClaim' ? ['sotu-maml-data'] : [], kind);
      assert.ok(left.some((n) => n.startsWith('other-')), `other run's ${kind} kept`);
    }
    assert.ok(h.stub.get('v1', 'Namespace', undefined, 'metatrain'), 'namespace kept');
  } finally {
    await h.stop();
  }
});

test('stop --delete-data also deletes the claim; stopping again finds nothing', async () => {
  const h = await startHarness();
  try {
    await launchRun(h.cluster, exampleConfig());
    const result = await stopRun(h.cluster, 'sotu-maml', { deleteData: true });
    assert.ok(result.deleted.some((d) => d.kind === 'PersistentVolumeClaim' && d.name === 'sotu-maml-data'));
    assert.deepEqual(result.kept, []);
    assert.deepEqual(await stopRun(h.cluster, 'sotu-maml', { deleteData: true }), { run: 'sotu-maml', namespace: 'metatrain', deleted: [], kept: [] });
  } finally {
    await h.stop();
  }
});

test('stop skips kinds the cluster does not serve (no Prometheus Operator)', async () => {
  const h = await startHarness({ monitoringCrds: false });
  try {
    await launchRun(h.cluster, exampleWith({ kubernetes: { ...exampleConfig().kubernetes, monitoring: { enabled: false } } }));
    const result = await stopRun(h.cluster, 'sotu-maml');
    assert.equal(result.deleted.length, 12);
    assert.ok(!h.stub.requests.some((r) => r.path.includes('/namespaces/metatrain/servicemonitors')));
  } finally {
    await h.stop();
  }
});
