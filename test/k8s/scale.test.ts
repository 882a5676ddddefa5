import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KubernetesError } from '../../src/core/errors';
import { launchRun } from '../../src/k8s/launch';
import { scaleWorkers } from '../../src/k8s/scale';
import { runCli } from '../support/harness';
import { exampleConfig, startHarness } from './stub/harness';
import { STOPPED_EXAMPLE_RUN, withStoppedExampleRun } from './stopped-run';

test('scale reads then merge-patches the scale subresource of the worker Deployment', async () => {
  const h = await startHarness();
  try {
    await launchRun(h.cluster, exampleConfig());
    const from = h.stub.requests.length;
    const result = await scaleWorkers(h.cluster, 'sotu-maml', 16);
    assert.deepEqual(result, { run: 'sotu-maml', namespace: 'metatrain', deployment: 'sotu-maml-worker', previous: 4, desired: 16 });
    const calls = h.stub.requests.slice(from).map((r) => [r.method, r.path, r.contentType ?? '', r.query['fieldManager'] ?? '', JSON.stringify(r.body ?? null)]);
    const path = '/apis/apps/v1/namespaces/metatrain/deployments/sotu-maml-worker/scale';
    assert.deepEqual(calls, [
      ['GET', path, '', '', 'null'],
      ['PATCH', path, 'application/merge-patch+json', 'metatrain-scale', '{"spec":{"replicas":16}}'],
    ]);
    assert.equal(h.stub.get('apps/v1', 'Deployment', 'metatrain', 'sotu-maml-worker')!['spec'].replicas, 16);
    assert.equal((await scaleWorkers(h.cluster, 'sotu-maml', 0)).previous, 16, 'scaling to zero pauses the workers');
  } finally {
    await h.stop();
  }
});

test('scaling a run that does not exist says there is no run of that name, as status does', async () => {
  // Before: 'not found: Deployment "nope-worker" in namespace "elsewhere" (API server: deployments.scale "nope-worker" not found). …'
  const h = await startHarness({}, { namespace: 'elsewhere' });
  try {
    await assert.rejects(scaleWorkers(h.cluster, 'nope', 2), (e: unknown) => {
      assert.ok(e instanceof KubernetesError);
      assert.equal(e.statusCode, 404);
      assert.equal(e.reason, 'NotFound');
      assert.equal(e.message, 'no run named nope in namespace elsewhere. Check the run name and --namespace; list the runs there with: kubectl get deployments -n elsewhere -l app.kubernetes.io/part-of=metatrain');
      return true;
    });
    await assert.rejects(scaleWorkers(h.cluster, 'nope', -1), RangeError);
  } finally {
    await h.stop();
  }
});

test('scaling a stopped run whose data volume is kept says it is not running and names the volume, as status does, exit 1', async () => {
  // Before: 'not found: Deployment "sotu-maml-worker" … (API server: deployments.scale "sotu-maml-worker" not found). Check the run name …'
  await withStoppedExampleRun(async (h) => {
    await assert.rejects(scaleWorkers(h.cluster, 'sotu-maml', 2), (e: unknown) => e instanceof KubernetesError && e.statusCode === 404 && e.reason === 'NotRunning' && e.message === STOPPED_EXAMPLE_RUN);
    const r = await runCli(['scale', 'sotu-maml', '--workers', '2', '--kubeconfig', h.kubeconfig], {}, 20_000);
    assert.equal(r.code, 1, r.stdout);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, `metatrain: ${STOPPED_EXAMPLE_RUN}\n`);
  });
});

test('403 on scale names the subresource to ask for', async () => {
  const h = await startHarness({ authorize: (a) => !(a.resource === 'deployments/scale' && a.verb === 'patch') });
  try {
    await launchRun(h.cluster, exampleConfig());
    await assert.rejects(scaleWorkers(h.cluster, 'sotu-maml', 3), (e: unknown) =>
      e instanceof KubernetesError && e.statusCode === 403 && /kubectl auth can-i patch deployments\/scale -n metatrain$/.test(e.message));
  } finally {
    await h.stop();
  }
});
