import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { clusterBackend, clusterBackendNames, registerClusterBackend, type ClusterBackend, type ClusterBackendOptions } from '../../src/cluster/cluster-backend';
import { ConfigError } from '../../src/core/errors';
import { runCli } from '../support/harness';
import { repoRoot, startHarness } from '../k8s/stub/harness';

test('the cluster commands go through the kubernetes backend: launch, scale, status --json and stop against the API server stub', async () => {
  const h = await startHarness();
  try {
    const config = join(repoRoot(), 'examples', 'k8s-run.yaml');
    const flags = ['--kubeconfig', h.kubeconfig];
    const launched = await runCli(['launch', config, ...flags]);
    assert.equal(launched.code, 0, launched.stderr);
    assert.match(launched.stdout, /^run sotu-maml in namespace metatrain \(context stub\)\n/);
    assert.ok(h.stub.get('apps/v1', 'Deployment', 'metatrain', 'sotu-maml-worker'), 'launch applied the worker Deployment');

    const scaled = await runCli(['scale', 'sotu-maml', '--workers', '2', ...flags]);
    assert.equal(scaled.code, 0, scaled.stderr);
    assert.equal(scaled.stdout, 'scaled the workers of sotu-maml (deployment sotu-maml-worker, namespace metatrain) from 4 to 2\n');
    assert.equal(h.stub.get('apps/v1', 'Deployment', 'metatrain', 'sotu-maml-worker')!['spec'].replicas, 2);

    const status = await runCli(['status', 'sotu-maml', '--json', ...flags]);
    assert.equal(status.code, 0, status.stderr);
    const s = JSON.parse(status.stdout) as { run: string; namespace: string; source: string; workers: { desired: number } };
    assert.deepEqual([s.run, s.namespace, s.source, s.workers.desired], ['sotu-maml', 'metatrain', 'pod', 2]);

    const stopped = await runCli(['stop', 'sotu-maml', ...flags]);
    assert.equal(stopped.code, 0, stopped.stderr);
    assert.match(stopped.stdout, /^deleted Deployment sotu-maml-worker$/m);
    assert.equal(h.stub.get('apps/v1', 'Deployment', 'metatrain', 'sotu-maml-worker'), undefined);
  } finally {
    await h.stop();
  }
});

test('an unknown --cluster-backend is refused by the option parser listing the valid ones, before any cluster is contacted', async () => {
  for (const command of [['status', 'sotu-maml'], ['launch', 'missing.yaml'], ['scale', 'sotu-maml', '--workers', '2'], ['stop', 'sotu-maml']]) {
    const result = await runCli([...command, '--cluster-backend', 'nomad']);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /option '--cluster-backend <name>' argument 'nomad' is invalid\. Allowed choices are kubernetes\./, command[0]);
  }
});

test('another engine registers beside kubernetes and gets the connection options; names are unique and well-formed', () => {
  const seen: ClusterBackendOptions[] = [];
  const engine = (options: ClusterBackendOptions): ClusterBackend => {
    seen.push(options);
    const unused = () => Promise.reject(new Error('not used here'));
    return { name: 'test-engine', render: () => '', warnings: () => [], launch: unused, scale: unused, status: unused, stop: unused };
  };
  registerClusterBackend('test-engine', engine);
  assert.ok(clusterBackendNames().includes('test-engine'));
  assert.equal(clusterBackend('test-engine', { namespace: 'ns', context: 'c' }).name, 'test-engine');
  assert.deepEqual(seen, [{ namespace: 'ns', context: 'c' }]);
  assert.throws(() => registerClusterBackend('test-engine', engine), (e: Error) => e instanceof ConfigError && /test-engine is already registered/.test(e.message));
  assert.throws(() => registerClusterBackend('Bad Name', engine), ConfigError);
  assert.throws(() => clusterBackend('missing'), (e: Error) => e instanceof ConfigError && /no cluster backend "missing" \(registered: .*test-engine\)/.test(e.message));
});
