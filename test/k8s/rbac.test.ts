import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { coordinatorApiCalls } from '../../src/k8s/coordinator-api-calls';
import { renderRole, renderRoleBinding, renderServiceAccount } from '../../src/k8s/render-rbac';
import { scaleWorkers } from '../../src/k8s/scale';
import { compileDeploySettings } from '../../src/k8s/settings';
import { WorkerPodWatcher } from '../../src/k8s/worker-pod-watcher';
import { renderWorkerDeployment } from '../../src/k8s/render-workers';
import { pod } from './pods';
import { grantKey, grants, rulesAllow, type Rule } from './stub/rbac';
import { exampleConfig, startHarness } from './stub/harness';

const settings = compileDeploySettings(exampleConfig());
const role = renderRole(settings);
const rules = role.rules as Rule[];

test('the coordinator Role grants exactly the calls listed in coordinator-api-calls.ts, no wildcard', () => {
  const listed = new Set(coordinatorApiCalls('sotu-maml').map((c) => grantKey({ verb: c.verb, apiGroup: c.apiGroup, resource: c.resource, ...(c.resourceName ? { name: c.resourceName } : {}) })));
  assert.deepEqual(grants(rules), listed);
  assert.deepEqual([...listed].sort(), [
    'get apps/deployments/scale/sotu-maml-worker',
    'list core/pods',
    'patch apps/deployments/scale/sotu-maml-worker',
    'watch core/pods',
  ]);
});

test('the code the coordinator runs makes exactly the listed calls, and all of them pass an API server enforcing the Role', async () => {
  const h = await startHarness({ authorize: (a) => rulesAllow(rules, a) });
  try {
    // Objects a controller or `launch` would have created (the stub's put bypasses authorization).
    h.stub.put(renderWorkerDeployment(settings));
    h.stub.put(pod('sotu-maml', 'worker', 'w-0', 'running'));
    const watcher = new WorkerPodWatcher({ kubeConfig: h.cluster.kubeConfig, namespace: 'metatrain', run: 'sotu-maml' });
    await watcher.start();
    h.stub.put(pod('sotu-maml', 'worker', 'w-1', 'pending'));
    for (let i = 0; i < 200 && watcher.counts().pending === 0; i++) await sleep(10);
    assert.deepEqual(watcher.counts(), { pending: 1, running: 1 });
    await scaleWorkers(h.connect({ namespace: 'metatrain' }), 'sotu-maml', 6);
    watcher.stop();

    const resourceCalls = h.stub.requests.filter((r) => r.attributes);
    assert.deepEqual(resourceCalls.filter((r) => r.status === 403).map((r) => r.path), [], 'nothing forbidden');
    const made = new Set(resourceCalls.map((r) => grantKey(r.attributes!)));
    assert.deepEqual(made, grants(rules), 'the calls made are the calls granted');
  } finally {
    await h.stop();
  }
});

test('the Role refuses what the coordinator does not need: other deployments, secrets, deleting pods, patching its own Deployment', () => {
  for (const a of [
    { verb: 'patch', apiGroup: 'apps', resource: 'deployments/scale', name: 'someone-else-worker' },
    { verb: 'patch', apiGroup: 'apps', resource: 'deployments', name: 'sotu-maml-worker' },
    { verb: 'get', apiGroup: '', resource: 'secrets', name: 'sotu-maml-token' },
    { verb: 'delete', apiGroup: '', resource: 'pods', name: 'w-0' },
    { verb: 'create', apiGroup: '', resource: 'pods' },
  ]) assert.equal(rulesAllow(rules, a), false, JSON.stringify(a));
});

test('the RoleBinding binds that Role to the coordinator ServiceAccount the coordinator pod runs as', () => {
  const binding = renderRoleBinding(settings);
  const account = renderServiceAccount(settings);
  assert.equal(binding.roleRef.name, role.metadata.name);
  assert.deepEqual(binding.subjects, [{ kind: 'ServiceAccount', name: account.metadata.name, namespace: 'metatrain' }]);
});
