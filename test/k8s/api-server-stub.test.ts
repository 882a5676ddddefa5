import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mergePatch, serverSideApply, type Owners } from './stub/field-ownership';
import { parseLabelSelector } from './stub/label-selector';
import { startApiServerStub } from './stub/api-server-stub';

const applied = (replicas: number, extra: Record<string, unknown> = {}) => ({ metadata: { name: 'd', labels: { a: '1' } }, spec: { replicas, ...extra } });

test('stub server-side apply: equal values are shared, differing values owned by another manager conflict unless forced', () => {
  const created = serverSideApply(undefined, new Map(), applied(2, { paused: false }), 'launch', false);
  assert.ok('object' in created);
  const shared = serverSideApply(created.object, created.owners, applied(2), 'other', false);
  assert.ok('object' in shared, 'same value: no conflict');
  const conflict = serverSideApply(created.object, created.owners, applied(5), 'other', false);
  assert.deepEqual(conflict, { conflicts: [{ field: '.spec.replicas', manager: 'launch' }] });
  const forced = serverSideApply(created.object, created.owners, applied(5), 'other', true);
  assert.ok('object' in forced);
  assert.equal((forced.object['spec'] as { replicas: number }).replicas, 5);
  assert.deepEqual([...forced.owners.get('["spec","replicas"]')!], ['other']);
});

test('stub server-side apply removes fields a manager stops applying; merge patch makes its manager the owner', () => {
  const created = serverSideApply(undefined, new Map(), applied(2, { paused: false }), 'launch', false) as { object: Record<string, unknown>; owners: Owners };
  const dropped = serverSideApply(created.object as never, created.owners, applied(2), 'launch', false) as { object: Record<string, unknown>; owners: Owners };
  assert.deepEqual(dropped.object['spec'], { replicas: 2 });
  const scaled = mergePatch(dropped.object as never, dropped.owners, { spec: { replicas: 9 } }, 'scaler');
  assert.deepEqual([...scaled.owners.get('["spec","replicas"]')!], ['scaler']);
  assert.deepEqual(serverSideApply(scaled.object, scaled.owners, applied(2), 'launch', false), { conflicts: [{ field: '.spec.replicas', manager: 'scaler' }] });
});

test('stub label selectors follow the API server syntax', () => {
  const l = { run: 'a', component: 'worker' };
  assert.equal(parseLabelSelector('run=a,component=worker')(l), true);
  assert.equal(parseLabelSelector('run=a,component!=worker')(l), false);
  assert.equal(parseLabelSelector('component in (worker, compressor)')(l), true);
  assert.equal(parseLabelSelector('component notin (worker)')(l), false);
  assert.equal(parseLabelSelector('run,!missing')(l), true);
  assert.equal(parseLabelSelector('')(undefined), true);
});

test('the stub refuses requests without the kubeconfig token and answers unknown resources with a NotFound Status', async () => {
  const stub = await startApiServerStub();
  try {
    const anonymous = await fetch(`${stub.url}/api/v1/namespaces/x/pods`);
    assert.equal(anonymous.status, 401);
    const missing = await fetch(`${stub.url}/apis/example.com/v1/namespaces/x/widgets`, { headers: { authorization: `Bearer ${stub.token}` } });
    assert.equal(missing.status, 404);
    assert.deepEqual(await missing.json(), { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'the server could not find the requested resource', reason: 'NotFound', code: 404 });
  } finally {
    await stub.stop();
  }
});

test('the stub answers a server-side apply with dryRun=All as a real apply would, conflicts included, and stores nothing', async () => {
  const stub = await startApiServerStub();
  try {
    const path = `${stub.url}/api/v1/namespaces/x/configmaps/c`;
    const apply = (manager: string, data: Record<string, string>, query = '') =>
      fetch(`${path}?fieldManager=${manager}${query}`, {
        method: 'PATCH',
        headers: { authorization: `Bearer ${stub.token}`, 'content-type': 'application/apply-patch+yaml' },
        body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data }),
      });
    const dryCreate = await apply('a', { k: '1' }, '&dryRun=All');
    assert.equal(dryCreate.status, 201);
    assert.deepEqual(((await dryCreate.json()) as { data: unknown }).data, { k: '1' });
    assert.equal(stub.get('v1', 'ConfigMap', 'x', 'c'), undefined, 'a dry-run create stores nothing');
    assert.equal((await apply('a', { k: '1' })).status, 201);
    const stored = structuredClone(stub.get('v1', 'ConfigMap', 'x', 'c'));
    const dryUpdate = await apply('a', { k: '2' }, '&dryRun=All');
    assert.equal(dryUpdate.status, 200);
    const answer = (await dryUpdate.json()) as { data: unknown; metadata: { resourceVersion: string } };
    assert.deepEqual(answer.data, { k: '2' });
    assert.equal(answer.metadata.resourceVersion, stored!['metadata'].resourceVersion, 'a dry run leaves the resourceVersion');
    assert.equal((await apply('b', { k: '3' }, '&dryRun=All')).status, 409, 'conflicts are found by a dry run');
    assert.equal((await apply('b', { k: '1' }, '&dryRun=All')).status, 200, 'an equal value is shared');
    assert.equal((await apply('a', { k: '2' }, '&dryRun=Some')).status, 422);
    assert.deepEqual(stub.get('v1', 'ConfigMap', 'x', 'c'), stored, 'nothing changed');
    assert.equal((await apply('a', { k: '5' })).status, 200, '"b" became no co-owner of data.k through its dry run');
  } finally {
    await stub.stop();
  }
});
