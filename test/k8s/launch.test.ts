import { test } from 'node:test';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { parseAllDocuments } from 'yaml';
import { KubernetesError, RunTokenError } from '../../src/core/errors';
import { launchManifest, launchRun } from '../../src/k8s/launch';
import { renderNamespace, renderRun } from '../../src/k8s/render-run';
import { scaleWorkers } from '../../src/k8s/scale';
import { compileDeploySettings } from '../../src/k8s/settings';
import { connectCluster } from '../../src/k8s/cluster';
import { exampleConfig, exampleWith, repoRoot, startHarness } from './stub/harness';
import { runCli, tempDir } from '../support/harness';

// Collection paths written out by hand from the Kubernetes API reference, independent of src/k8s.
const COLLECTION: Record<string, string> = {
  Secret: '/api/v1/namespaces/NS/secrets',
  ServiceAccount: '/api/v1/namespaces/NS/serviceaccounts',
  ConfigMap: '/api/v1/namespaces/NS/configmaps',
  PersistentVolumeClaim: '/api/v1/namespaces/NS/persistentvolumeclaims',
  Role: '/apis/rbac.authorization.k8s.io/v1/namespaces/NS/roles',
  RoleBinding: '/apis/rbac.authorization.k8s.io/v1/namespaces/NS/rolebindings',
  Service: '/api/v1/namespaces/NS/services',
  Deployment: '/apis/apps/v1/namespaces/NS/deployments',
  NetworkPolicy: '/apis/networking.k8s.io/v1/namespaces/NS/networkpolicies',
  ServiceMonitor: '/apis/monitoring.coreos.com/v1/namespaces/NS/servicemonitors',
  PodMonitor: '/apis/monitoring.coreos.com/v1/namespaces/NS/podmonitors',
};
const pathOf = (kind: string, name: string, ns = 'metatrain') => (kind === 'Namespace' ? `/api/v1/namespaces/${name}` : `${COLLECTION[kind]!.replace('NS', ns)}/${name}`);

test('launch server-side-applies every object: PATCH apply-patch+yaml with fieldManager metatrain, the rendered body, after a GET', async () => {
  const h = await startHarness();
  try {
    const result = await launchRun(h.cluster, exampleConfig());
    const s = compileDeploySettings(exampleConfig());
    const rendered = [renderNamespace(s), ...renderRun(s)];
    assert.equal(result.results.length, rendered.length + 1);
    assert.ok(result.results.every((r) => r.action === 'created'), JSON.stringify(result.results));

    const writes = h.stub.requests.filter((r) => r.method !== 'GET');
    assert.ok(writes.every((r) => r.method === 'PATCH' && r.contentType === 'application/apply-patch+yaml'), 'only server-side apply writes');
    assert.ok(writes.every((r) => r.query['fieldManager'] === 'metatrain' && r.query['force'] === undefined));
    assert.ok(h.stub.requests.every((r) => r.authorization === `Bearer ${h.stub.token}`), 'kubeconfig token sent');
    for (const o of rendered) {
      const path = pathOf(o.kind, o.metadata.name);
      const patch = writes.find((w) => w.path === path);
      assert.ok(patch, `no apply of ${o.kind} at ${path}`);
      assert.deepEqual(patch.body, JSON.parse(JSON.stringify(o)), `${o.kind} body is the rendered object`);
      const i = h.stub.requests.indexOf(patch);
      assert.equal(h.stub.requests[i - 1]!.method, 'GET', `${o.kind} is read before apply`);
      assert.equal(h.stub.requests[i - 1]!.path, path);
    }
    const secret = writes.find((w) => w.path === pathOf('Secret', 'sotu-maml-token'))!.body as { stringData: { token: string } };
    assert.match(secret.stringData.token, /^[0-9a-f]{64}$/, '32 random bytes');
    assert.equal(Buffer.from(h.stub.get('v1', 'Secret', 'metatrain', 'sotu-maml-token')!['data'].token, 'base64').toString(), secret.stringData.token);
  } finally {
    await h.stop();
  }
});

test('launch refuses a METATRAIN_TOKEN the pods would refuse before any write, and takes an empty one as unset', async () => {
  // Before: METATRAIN_TOKEN=" " or $'a\nb' was stored in the run's Secret (never replaced later), and every pod refused it.
  const h = await startHarness();
  const saved = process.env['METATRAIN_TOKEN'];
  try {
    for (const [token, code] of [[' ', '0020'], ['a\nb', '000A'], ['tök', '00F6']] as const) {
      process.env['METATRAIN_TOKEN'] = token;
      await assert.rejects(launchRun(h.cluster, exampleConfig()), (e: unknown) => {
        assert.ok(e instanceof RunTokenError, String(e));
        assert.match(e.message, new RegExp(`^METATRAIN_TOKEN: the token holds U\\+${code} at character \\d; a run token is visible ASCII only .*; launch created nothing\\. Set METATRAIN_TOKEN to such a token, or unset it \\(or leave it empty\\) for launch to make a random one\\.$`));
        return true;
      });
    }
    assert.deepEqual(h.stub.requests.filter((r) => r.method !== 'GET'), [], 'nothing was written to the cluster');
    process.env['METATRAIN_TOKEN'] = '';
    await launchRun(h.cluster, exampleConfig());
    assert.match(Buffer.from(h.stub.get('v1', 'Secret', 'metatrain', 'sotu-maml-token')!['data'].token, 'base64').toString(), /^[0-9a-f]{64}$/, 'empty = unset: a random token');
  } finally {
    if (saved === undefined) delete process.env['METATRAIN_TOKEN'];
    else process.env['METATRAIN_TOKEN'] = saved;
    await h.stop();
  }
});

test('launch --dry-run refuses a METATRAIN_TOKEN launch would refuse, printing no YAML, and takes an empty or good one', async () => {
  // Before: METATRAIN_TOKEN=" " launch --dry-run printed the YAML and exited 0, though launch refuses that token.
  const config = join(repoRoot(), 'examples', 'k8s-run.yaml');
  const refused = await runCli(['launch', config, '--dry-run'], { METATRAIN_TOKEN: ' ' }, 20_000);
  assert.equal(refused.code, 1, refused.stdout);
  assert.equal(refused.stdout, '');
  assert.match(refused.stderr, /^metatrain: METATRAIN_TOKEN: the token holds U\+0020 at character 1; a run token is visible ASCII only .*; launch would refuse it when it creates the token Secret\. Set METATRAIN_TOKEN to such a token, or unset it \(or leave it empty\) for launch to make a random one\.\n$/);
  for (const token of ['', 'good-token']) {
    const shown = await runCli(['launch', config, '--dry-run'], { METATRAIN_TOKEN: token }, 20_000);
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, /^# Secret sotu-maml-token/);
  }
});

test('relaunching a run whose token Secret exists ignores METATRAIN_TOKEN, even one launch would refuse to store', async () => {
  // Before: "METATRAIN_TOKEN: the token holds U+0020 …; launch created nothing", though the existing Secret is kept and the
  // token would not be used.
  const h = await startHarness();
  const saved = process.env['METATRAIN_TOKEN'];
  try {
    delete process.env['METATRAIN_TOKEN'];
    await launchRun(h.cluster, exampleConfig());
    const token = h.stub.get('v1', 'Secret', 'metatrain', 'sotu-maml-token')!['data'].token;
    process.env['METATRAIN_TOKEN'] = ' ';
    const again = await launchRun(h.cluster, exampleConfig());
    assert.equal(again.results.find((r) => r.kind === 'Secret')!.action, 'unchanged');
    assert.equal(h.stub.get('v1', 'Secret', 'metatrain', 'sotu-maml-token')!['data'].token, token, 'the stored token is kept');
  } finally {
    if (saved === undefined) delete process.env['METATRAIN_TOKEN'];
    else process.env['METATRAIN_TOKEN'] = saved;
    await h.stop();
  }
});

test('re-running launch changes nothing: every object unchanged, same resourceVersions, same token', async () => {
  const h = await startHarness();
  try {
    await launchRun(h.cluster, exampleConfig());
    const versions = () => Object.fromEntries(['Deployment', 'ConfigMap', 'Secret', 'Role', 'Service', 'NetworkPolicy', 'ServiceMonitor'].flatMap((k) =>
      h.stub.list(k === 'Deployment' ? 'apps/v1' : k === 'Role' ? 'rbac.authorization.k8s.io/v1' : k === 'NetworkPolicy' ? 'networking.k8s.io/v1' : k === 'ServiceMonitor' ? 'monitoring.coreos.com/v1' : 'v1', k)
        .map((o) => [`${k}/${o['metadata'].name}`, o['metadata'].resourceVersion])));
    const before = versions();
    const token = h.stub.get('v1', 'Secret', 'metatrain', 'sotu-maml-token')!['data'].token;
    const again = await launchRun(h.cluster, exampleConfig());
    assert.deepEqual(again.results.filter((r) => r.action !== 'unchanged'), []);
    assert.deepEqual(versions(), before);
    assert.equal(h.stub.get('v1', 'Secret', 'metatrain', 'sotu-maml-token')!['data'].token, token);
  } finally {
    await h.stop();
  }
});

test('launch with a changed worker count reconfigures the workers, the config and the coordinator (config hash), nothing else', async () => {
  const h = await startHarness();
  try {
    await launchRun(h.cluster, exampleConfig());
    const changed = await launchRun(h.cluster, exampleWith({ runtime: { ...exampleConfig().runtime, workers: 6 } }));
    const configured = changed.results.filter((r) => r.action === 'configured').map((r) => `${r.kind}/${r.name}`);
    assert.deepEqual(configured.sort(), ['ConfigMap/sotu-maml-config', 'Deployment/sotu-maml-coordinator', 'Deployment/sotu-maml-worker']);
    assert.equal(h.stub.get('apps/v1', 'Deployment', 'metatrain', 'sotu-maml-worker')!['spec'].replicas, 6);
  } finally {
    await h.stop();
  }
});

test('409: launch after `metatrain scale` set other replicas names the conflicting field and manager; --force-conflicts takes it back', async () => {
  const h = await startHarness();
  try {
    await launchRun(h.cluster, exampleConfig());
    await scaleWorkers(h.cluster, 'sotu-maml', 8);
    await assert.rejects(launchRun(h.cluster, exampleConfig()), (e: unknown) => {
      assert.ok(e instanceof KubernetesError);
      assert.equal(e.statusCode, 409);
      assert.match(e.message, /^conflict: Deployment "sotu-maml-worker" in namespace "metatrain" has fields another field manager owns: \.spec\.replicas: conflict with "metatrain-scale"/);
      assert.match(e.message, /Re-run launch with --force-conflicts to take them back, or change the config to match\./);
      return true;
    });
    const forced = await launchRun(h.cluster, exampleConfig(), { forceConflicts: true });
    assert.equal(forced.results.find((r) => r.name === 'sotu-maml-worker')!.action, 'configured');
    const patch = h.stub.requests.filter((r) => r.method === 'PATCH' && r.path.endsWith('/deployments/sotu-maml-worker')).at(-1)!;
    assert.equal(patch.query['force'], 'true');
    assert.equal(h.stub.get('apps/v1', 'Deployment', 'metatrain', 'sotu-maml-worker')!['spec'].replicas, 4);
  } finally {
    await h.stop();
  }
});

test('a launch refused for a conflict changes nothing: every object is dry-run (dryRun=All) before the first write', async () => {
  // Before: after `metatrain scale`, launching an edited config printed the 409 of the worker Deployment, but the
  // ConfigMap and the coordinator Deployment (applied before it) already held the edit.
  const h = await startHarness();
  try {
    await launchRun(h.cluster, exampleConfig());
    await scaleWorkers(h.cluster, 'sotu-maml', 7);
    const snapshot = () => ({
      configMap: h.stub.get('v1', 'ConfigMap', 'metatrain', 'sotu-maml-config'),
      coordinator: h.stub.get('apps/v1', 'Deployment', 'metatrain', 'sotu-maml-coordinator'),
      worker: h.stub.get('apps/v1', 'Deployment', 'metatrain', 'sotu-maml-worker'),
    });
    const before = structuredClone(snapshot());
    const seen = h.stub.requests.length;
    const edited = exampleWith({ training: { ...exampleConfig().training, maxSteps: 3000 } });
    await assert.rejects(launchRun(h.cluster, edited), (e: unknown) => {
      assert.ok(e instanceof KubernetesError && e.statusCode === 409, String(e));
      assert.match(e.message, /^conflict: Deployment "sotu-maml-worker" in namespace "metatrain" has fields another field manager owns: \.spec\.replicas: conflict with "metatrain-scale"/);
      assert.match(e.message, /or change the config to match\. Nothing was applied\.$/);
      return true;
    });
    const writes = h.stub.requests.slice(seen).filter((r) => r.method !== 'GET');
    assert.ok(writes.length > 0 && writes.every((r) => r.query['dryRun'] === 'All'), writes.map((r) => `${r.path} dryRun=${r.query['dryRun']}`).join('\n'));
    assert.deepEqual(snapshot(), before, 'the ConfigMap and the coordinator are as they were');
    const ok = await launchRun(h.cluster, exampleWith({ ...edited, runtime: { ...edited.runtime, workers: 7 } }));
    assert.deepEqual(ok.results.filter((r) => r.action === 'configured').map((r) => `${r.kind}/${r.name}`).sort(), ['ConfigMap/sotu-maml-config', 'Deployment/sotu-maml-coordinator']);
    const applies = h.stub.requests.filter((r) => r.method === 'PATCH' && r.query['dryRun'] === undefined).slice(-ok.results.length + 1);
    const dryRuns = h.stub.requests.filter((r) => r.method === 'PATCH' && r.query['dryRun'] === 'All').slice(-ok.results.length + 1);
    assert.deepEqual(dryRuns.map((r) => r.path), applies.map((r) => r.path), 'each object applied was dry-run first');
  } finally {
    await h.stop();
  }
});

test('a cluster whose admission webhook cannot dry-run (400 does not support dry run) is launched without the dry run, with a warning', async () => {
  // Before: every dry run was answered 400 and launch failed with "patch Namespace \"metatrain\" failed with HTTP 400 (API
  // server: admission webhook \"audit.example.com\" does not support dry run)", where the plain apply used to work.
  const h = await startHarness({ sideEffectWebhook: 'audit.example.com' });
  try {
    const first = await launchRun(h.cluster, exampleConfig());
    assert.ok(first.results.every((r) => r.action === 'created'), JSON.stringify(first.results));
    assert.deepEqual(first.warnings, ['the cluster refuses dry runs (admission webhook "audit.example.com" does not support dry run), so launch applies without checking every object first: an object the cluster refuses leaves those before it applied, and launching again resumes']);
    assert.ok(h.stub.get('apps/v1', 'Deployment', 'metatrain', 'sotu-maml-worker'));
    const cli = await runCli(['launch', join(repoRoot(), 'examples', 'k8s-run.yaml'), '--kubeconfig', h.kubeconfig], { METATRAIN_TOKEN: '' }, 30_000);
    assert.equal(cli.code, 0, cli.stderr);
    assert.match(cli.stderr, /^warning: the cluster refuses dry runs \(admission webhook "audit\.example\.com" does not support dry run\), so launch applies without checking every object first/m);
    assert.match(cli.stdout, /run sotu-maml in namespace metatrain/);
  } finally {
    await h.stop();
  }
});

test('403: a refused apply says which verb on which resource is missing and how to check it', async () => {
  const h = await startHarness({ authorize: (a) => a.resource !== 'roles' });
  try {
    await assert.rejects(launchRun(h.cluster, exampleConfig()), (e: unknown) => {
      assert.ok(e instanceof KubernetesError);
      assert.equal(e.statusCode, 403);
      assert.equal(e.reason, 'Forbidden');
      assert.match(e.message, /^forbidden: you may not get Role "sotu-maml-coordinator" in namespace "metatrain"/);
      assert.match(e.message, /Ask a cluster admin for a Role granting "get" on roles there, or use a namespace you may write with --namespace\. Check with: kubectl auth can-i get roles -n metatrain$/);
      return true;
    });
  } finally {
    await h.stop();
  }
});

test('a user who may not touch namespaces launches into an existing one (the namespace is assumed)', async () => {
  const h = await startHarness({ authorize: (a) => a.resource !== 'namespaces' });
  try {
    const result = await launchRun(h.cluster, exampleConfig());
    assert.deepEqual(result.results[0], { kind: 'Namespace', name: 'metatrain', namespace: undefined, action: 'assumed' });
    assert.ok(result.results.slice(1).every((r) => r.action === 'created'));
  } finally {
    await h.stop();
  }
});

test('422: an object the API server rejects as invalid is named with the failing fields', async () => {
  const h = await startHarness();
  try {
    h.stub.inject({
      method: 'PATCH',
      pathIncludes: '/deployments/sotu-maml-worker',
      code: 422,
      reason: 'Invalid',
      message: 'Deployment.apps "sotu-maml-worker" is invalid',
      causes: [{ field: 'spec.template.spec.containers[0].resources.limits', message: 'Invalid value: "8Gi": must be greater than or equal to memory request', reason: 'FieldValueInvalid' }],
    });
    await assert.rejects(launchRun(h.cluster, exampleConfig()), (e: unknown) => {
      assert.ok(e instanceof KubernetesError);
      assert.equal(e.statusCode, 422);
      assert.match(e.message, /^invalid: the API server rejected Deployment "sotu-maml-worker" in namespace "metatrain": spec\.template\.spec\.containers\[0\]\.resources\.limits: Invalid value/);
      assert.match(e.message, /Fix the named field in the kubernetes section of the config/);
      return true;
    });
  } finally {
    await h.stop();
  }
});

test('a cluster without the Prometheus Operator gets a message to install it or disable monitoring', async () => {
  const h = await startHarness({ monitoringCrds: false });
  try {
    await assert.rejects(launchRun(h.cluster, exampleConfig()), (e: unknown) =>
      e instanceof KubernetesError && e.reason === 'NotServed' && /does not serve monitoring\.coreos\.com\/v1 ServiceMonitor\. Install the Prometheus Operator .* or set kubernetes\.monitoring\.enabled: false/.test(e.message));
    const off = exampleWith({ kubernetes: { ...exampleConfig().kubernetes, monitoring: { enabled: false } } });
    const result = await launchRun(h.cluster, off);
    assert.ok(!result.results.some((r) => r.kind.endsWith('Monitor')));
  } finally {
    await h.stop();
  }
});

test('--namespace overrides kubernetes.namespace, down to the RoleBinding subject', async () => {
  const h = await startHarness({}, { namespace: 'team-a' });
  try {
    const result = await launchRun(h.cluster, exampleConfig());
    assert.equal(result.namespace, 'team-a');
    assert.ok(h.stub.requests.filter((r) => r.method === 'PATCH').every((r) => r.path.includes('/namespaces/team-a')));
    const binding = h.stub.get('rbac.authorization.k8s.io/v1', 'RoleBinding', 'team-a', 'sotu-maml-coordinator')!;
    assert.equal(binding['subjects'][0].namespace, 'team-a');
  } finally {
    await h.stop();
  }
});

test('an unreachable API server and an unknown context give messages that say what to check', async () => {
  const h = await startHarness();
  try {
    await assert.rejects(launchRun(h.connect({ context: 'unreachable' }), exampleConfig()), (e: unknown) =>
      e instanceof KubernetesError && e.statusCode === 0 && /^cannot reach the Kubernetes API server at http:\/\/127\.0\.0\.1:9 \(context "unreachable"\): ECONNREFUSED\. Check --context/.test(e.message));
    assert.throws(() => connectCluster({ kubeconfig: h.kubeconfig, context: 'prod' }), /no context "prod" in the kubeconfig \(contexts: stub, unreachable\)/);
  } finally {
    await h.stop();
  }
});

test('without any kubeconfig, status says where it looked instead of trying localhost:8080', async () => {
  const home = tempDir();
  const result = await runCli(['status', 'some-run'], { HOME: home, KUBECONFIG: '', KUBERNETES_SERVICE_HOST: '' });
  assert.notEqual(result.code, 0);
  assert.match(result.stderr, new RegExp(`no kubeconfig found: KUBECONFIG is not set, ${join(home, '.kube', 'config')} does not exist`));
  assert.doesNotMatch(result.stderr, /localhost:8080/);
});

test('a kubeconfig that is no kubeconfig (KUBECONFIG=/etc/passwd) is named and said to hold nothing', () => {
  // Before: "no Kubernetes cluster is configured", without the file.
  const file = join(tempDir(), 'passwd');
  writeFileSync(file, 'name: demo\ntask: { family: sinusoid }\n');
  assert.throws(() => connectCluster({ kubeconfig: file }), (e: unknown) => e instanceof KubernetesError && e.message.startsWith(`no Kubernetes cluster is configured: ${file} holds no context and no cluster (is it a kubeconfig?); point KUBECONFIG`));
  // An empty file: before, "Cannot read properties of undefined (reading 'clusters')"; /etc/passwd is one YAML string.
  for (const text of ['\n', 'root:x:0:0:root:/root:/bin/bash\n']) {
    writeFileSync(file, text);
    assert.throws(() => connectCluster({ kubeconfig: file }), (e: unknown) => e instanceof KubernetesError && e.message === `cannot read the kubeconfig ${file}: it holds no kubeconfig (an empty file, or YAML that is not a mapping). Pass --kubeconfig FILE or set KUBECONFIG.`);
  }
});

test('launch --dry-run prints the namespace and the run objects as YAML, and no token', () => {
  const yaml = launchManifest(exampleConfig(), 'team-b');
  const docs = parseAllDocuments(yaml).map((d) => d.toJS());
  const s = compileDeploySettings(exampleConfig(), { namespace: 'team-b' });
  assert.deepEqual(docs, JSON.parse(JSON.stringify([renderNamespace(s), ...renderRun(s)])));
  assert.match(yaml, /^# Secret sotu-maml-token \(the run token\) is created on the cluster by `metatrain launch` and not shown\./);
  assert.doesNotMatch(yaml, /stringData|kind: Secret/);
});

test('launch --dry-run warns on stderr of each runtime value the cluster replaces and each path a pod reads instead of this machine', async () => {
  // Before: runtime.listen, metricsPort, outDir and baseDir were replaced without a word, and a jsonl task.path or a
  // model.init directory of the launching machine was rendered as if the pods had it.
  const dir = tempDir('metatrain-launch-warnings-');
  const plain = join(dir, 'plain.yaml');
  writeFileSync(plain, 'name: demo\ntask: { family: sinusoid }\nmodel: { kind: sinusoid-mlp }\ncompression: { enabled: false }\n');
  const quiet = await runCli(['launch', plain, '--dry-run'], {}, 30_000, dir);
  assert.equal(quiet.code, 0, quiet.stderr);
  assert.doesNotMatch(quiet.stderr, /warning/);
  mkdirSync(join(dir, 'init'));
  writeFileSync(join(dir, 'data.jsonl'), '');
  const set = join(dir, 'set.yaml');
  writeFileSync(
    set,
    'name: demo\ntask: { family: jsonl, path: data.jsonl }\nmodel: { kind: transformer, init: init }\ncompression: { enabled: false }\n' +
      'runtime: { listen: "0.0.0.0:7000", metricsPort: 9100, outDir: out, backend: cpu }\n',
  );
  const loud = await runCli(['launch', set, '--dry-run'], {}, 30_000, dir);
  const warnings = loud.stderr.split('\n').filter((l) => l.startsWith('warning: '));
  assert.deepEqual(
    warnings.map((l) => l.split(' ').slice(1, 3).join(' ')),
    ['runtime.listen 0.0.0.0:7000', 'runtime.metricsPort 9100', 'runtime.outDir out', 'runtime.backend cpu', 'task.path data.jsonl', 'model.init init'],
    loud.stderr,
  );
  assert.match(loud.stderr, /runtime\.listen 0\.0\.0\.0:7000 is replaced in the cluster by 0\.0\.0\.0:7070/);
  assert.match(loud.stderr, /runtime\.backend cpu is replaced in the cluster by tensorflow \(the worker image's backend/);
  assert.match(loud.stderr, /task\.path data\.jsonl is read in the pods at \/app\/data\.jsonl, in the coordinator and worker images, not on this machine/);
  assert.match(loud.stderr, /model\.init init is read by the coordinator pod at \/app\/init, not on this machine: copy the checkpoint directory onto the run's volume \(\/var\/lib\/metatrain\/demo\)/);
  assert.match(loud.stdout, /kind: Deployment/);
});
