import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse as parseYaml } from 'yaml';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { PersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { Role } from 'kubernetes-models/rbac.authorization.k8s.io/v1/Role';
import { RoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { PodMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PodMonitor';
import { ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor';
import { parseRunConfig, type RunConfig } from '../../src/core/config';
import { ConfigError } from '../../src/core/errors';
import { compileDeploySettings, type SettingsOverrides } from '../../src/k8s/settings';
import { renderNamespace, renderRun, RUN_KINDS, type KubeObject } from '../../src/k8s/render-run';
import { renderTokenSecret } from '../../src/k8s/render-storage';
import { RUN_LABEL } from '../../src/k8s/names';
import { DEFAULT_NAMESPACE } from '../../src/k8s/cluster';
import { exampleConfig, exampleWith } from './stub/harness';

// kubernetes-models classes validate against the Kubernetes OpenAPI schemas (and the Prometheus Operator CRDs).
const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  Namespace, ServiceAccount, Secret, ConfigMap, PersistentVolumeClaim, Role, RoleBinding, Service, Deployment, NetworkPolicy, ServiceMonitor, PodMonitor,
};

function validate(o: KubeObject): void {
  const Model = MODELS[o.kind];
  assert.ok(Model, `no schema for ${o.kind}`);
  new Model(structuredClone(o) as never).validate();
}

function objectsOf(config: RunConfig, overrides: SettingsOverrides = {}): KubeObject[] {
  const s = compileDeploySettings(config, overrides);
  return [renderNamespace(s), renderTokenSecret(s, 'secret-token'), ...renderRun(s)];
}

type Pod = { spec: { containers: Array<Record<string, any>>; securityContext: Record<string, any>; [k: string]: any } };
const deploymentNamed = (objects: KubeObject[], suffix: string) =>
  objects.find((o) => o.kind === 'Deployment' && o.metadata.name.endsWith(suffix)) as unknown as { spec: { replicas: number; template: Pod } };

const variants: Array<[string, RunConfig, SettingsOverrides]> = [
  ['example (gpu)', exampleConfig(), {}],
  ['example forced to cpu', exampleConfig(), { device: 'cpu' }],
  ['rwx storage with a class, no monitoring, no compression', exampleWith({
    compression: { enabled: false },
    kubernetes: { storage: { accessMode: 'ReadWriteMany', className: 'fast', size: '1Ti' }, monitoring: { enabled: false } },
  }), {}],
  ['defaults only', parseRunConfig({ name: 'd', task: { family: 'sinusoid' }, model: { kind: 'sinusoid-mlp' }, nats: { url: 'nats://n:4333' } }), {}],
];

test('every rendered object validates against the Kubernetes and Prometheus Operator schemas', () => {
  let count = 0;
  for (const [, config, overrides] of variants) {
    for (const o of objectsOf(config, overrides)) {
      validate(o);
      count++;
    }
  }
  assert.ok(count >= 50, `validated ${count} objects`);
});

test('the schema validation rejects a broken object (the check above is live)', () => {
  const worker = structuredClone(deploymentNamed(objectsOf(exampleConfig()), '-worker')) as unknown as KubeObject & { spec: { replicas: unknown } };
  worker.spec.replicas = 'four';
  assert.throws(() => validate(worker), /replicas must be integer/);
});

test('every object of a run carries the run label and the recommended labels; the namespace carries no run label', () => {
  const [ns, ...rest] = objectsOf(exampleConfig());
  assert.equal(ns!.metadata.labels?.[RUN_LABEL], undefined);
  for (const o of rest) {
    const l = o.metadata.labels ?? {};
    assert.equal(l[RUN_LABEL], 'sotu-maml', `${o.kind}/${o.metadata.name}`);
    for (const k of ['name', 'instance', 'component', 'part-of', 'version']) assert.ok(l[`app.kubernetes.io/${k}`], `${o.kind} lacks app.kubernetes.io/${k}`);
    assert.equal(o.metadata.namespace, 'metatrain');
  }
  assert.deepEqual(new Set(rest.map((o) => o.kind)), new Set(RUN_KINDS.map((k) => k.kind)), 'RUN_KINDS lists exactly the kinds a run has');
});

test('pods run non-root with a read-only root filesystem, no capabilities, and requests and limits on every container', () => {
  for (const [, config, overrides] of variants) {
    for (const o of objectsOf(config, overrides).filter((x) => x.kind === 'Deployment')) {
      const pod = (o as unknown as { spec: { template: Pod } }).spec.template;
      assert.equal(pod.spec.securityContext['runAsNonRoot'], true);
      assert.ok(pod.spec.securityContext['runAsUser'] > 0);
      assert.equal(pod.spec.securityContext['seccompProfile'].type, 'RuntimeDefault');
      for (const c of pod.spec.containers) {
        assert.equal(c['securityContext'].readOnlyRootFilesystem, true, `${o.metadata.name}`);
        assert.equal(c['securityContext'].allowPrivilegeEscalation, false);
        assert.deepEqual(c['securityContext'].capabilities, { drop: ['ALL'] });
        for (const r of ['cpu', 'memory']) {
          assert.ok(c['resources'].requests[r], `${o.metadata.name} requests.${r}`);
          assert.ok(c['resources'].limits[r], `${o.metadata.name} limits.${r}`);
        }
        assert.ok(c['readinessProbe'] && c['livenessProbe'], `${o.metadata.name} probes`);
        assert.ok(c['volumeMounts'].some((m: { mountPath: string }) => m.mountPath === '/tmp'), 'writable /tmp');
      }
    }
  }
});

test('GPU workers request the GPU, tolerate the taint, select GPU nodes and use the tensorflow backend; CPU workers use wasm', () => {
  const gpu = deploymentNamed(objectsOf(exampleConfig()), '-worker').spec;
  const c = gpu.template.spec.containers[0]!;
  assert.equal(gpu.replicas, 4);
  assert.equal(c['resources'].limits['nvidia.com/gpu'], '1');
  assert.equal(c['image'], 'metatrain/metatrain-worker-gpu:0.1.0');
  assert.deepEqual(c['env'][0], { name: 'METATRAIN_BACKEND', value: 'tensorflow' });
  assert.deepEqual(gpu.template.spec['tolerations'], [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }]);
  assert.deepEqual(gpu.template.spec['nodeSelector'], { 'nvidia.com/gpu.present': 'true' });
  assert.deepEqual(c['args'], ['worker', '--coordinator', 'sotu-maml-coordinator:7070', '--concurrency', '1', '--stay-after-run']);

  const cpu = deploymentNamed(objectsOf(exampleWith({ kubernetes: { ...exampleConfig().kubernetes, gpu: { count: 0 } } })), '-worker').spec;
  const cc = cpu.template.spec.containers[0]!;
  assert.equal(cc['resources'].limits['nvidia.com/gpu'], undefined);
  assert.equal(cc['image'], 'metatrain/metatrain-worker-cpu:0.1.0');
  assert.deepEqual(cc['env'][0], { name: 'METATRAIN_BACKEND', value: 'wasm' });
  assert.equal(cpu.template.spec['tolerations'], undefined);
  assert.equal(cpu.template.spec['nodeSelector'], undefined);
});

test('the coordinator is one Recreate replica with a checkpoint grace period, its config mounted and its service account', () => {
  const objects = objectsOf(exampleWith({ kubernetes: { ...exampleConfig().kubernetes, terminationGracePeriodSeconds: 300 } }));
  const d = deploymentNamed(objects, '-coordinator') as unknown as { spec: { replicas: number; strategy: { type: string }; template: Pod } };
  assert.equal(d.spec.replicas, 1);
  assert.equal(d.spec.strategy.type, 'Recreate');
  const pod = d.spec.template.spec;
  assert.equal(pod['terminationGracePeriodSeconds'], 300);
  assert.equal(pod['serviceAccountName'], 'sotu-maml-coordinator');
  assert.deepEqual(pod.containers[0]!['args'], ['coordinator', '--config', '/etc/metatrain/run.yaml', '--resume']);
  assert.equal(pod.containers[0]!['readinessProbe'].httpGet.path, '/readyz');
  const workers = deploymentNamed(objects, '-worker').spec.template.spec;
  assert.equal(workers['automountServiceAccountToken'], false, 'workers get no API token');
});

test('the ConfigMap holds a valid run config with the in-cluster listen address, ports and output directory', () => {
  const cm = objectsOf(exampleConfig()).find((o) => o.kind === 'ConfigMap') as unknown as { data: Record<string, string> };
  const inCluster = parseRunConfig(parseYaml(cm.data['run.yaml']!));
  assert.equal(inCluster.runtime.listen, '0.0.0.0:7070');
  assert.equal(inCluster.runtime.metricsPort, 9464);
  assert.equal(inCluster.runtime.outDir, '/var/lib/metatrain/sotu-maml');
  assert.equal(inCluster.algorithm.metaBatchSize, 16, 'training fields pass through');
  assert.equal(inCluster.nats?.url, 'nats://nats.nats.svc.cluster.local:4222');
});

test('the compressor shares the coordinator node only for a ReadWriteOnce claim; no compressor without compression', () => {
  const rwo = deploymentNamed(objectsOf(exampleConfig()), '-compressor').spec.template.spec;
  assert.equal(rwo['affinity'].podAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey, 'kubernetes.io/hostname');
  const rwx = objectsOf(exampleWith({ kubernetes: { ...exampleConfig().kubernetes, storage: { accessMode: 'ReadWriteMany' } } }));
  assert.equal(deploymentNamed(rwx, '-compressor').spec.template.spec['affinity'], undefined);
  const off = objectsOf(exampleWith({ compression: { enabled: false } }));
  assert.equal(off.filter((o) => o.kind === 'Deployment').length, 2);
});

test('monitors carry the configured release label and can be turned off', () => {
  const on = objectsOf(exampleWith({ kubernetes: { ...exampleConfig().kubernetes, monitoring: { release: 'prom' } } }));
  const monitors = on.filter((o) => o.kind.endsWith('Monitor'));
  assert.deepEqual(monitors.map((m) => [m.kind, m.metadata.labels?.['release']]), [['ServiceMonitor', 'prom'], ['PodMonitor', 'prom']]);
  const off = objectsOf(exampleWith({ kubernetes: { ...exampleConfig().kubernetes, monitoring: { enabled: false } } }));
  assert.equal(off.filter((o) => o.kind.endsWith('Monitor')).length, 0);
});

type Policy = { spec: { podSelector: { matchLabels: Record<string, string> }; policyTypes: string[]; ingress: Array<{ from?: unknown; ports: Array<{ port: number }> }>; egress: Array<{ to?: Array<{ podSelector?: { matchLabels: Record<string, string> } }>; ports: Array<{ port: number }> }> } };
const policyNamed = (objects: KubeObject[], name: string) => objects.find((o) => o.kind === 'NetworkPolicy' && o.metadata.name === name) as unknown as Policy | undefined;
const withNats = () => objectsOf(parseRunConfig({ name: 'd', task: { family: 'sinusoid' }, model: { kind: 'sinusoid-mlp' }, nats: { url: 'nats://n:4333' } }));

test('the workers NetworkPolicy allows egress only to the coordinator and DNS, not NATS (workers never use it)', () => {
  const np = policyNamed(withNats(), 'd-worker')!;
  assert.deepEqual(np.spec.egress.map((e) => e.ports.map((p) => p.port)), [[7070], [53, 53]]);
  assert.deepEqual(np.spec.egress[0]!.to![0]!.podSelector!.matchLabels['app.kubernetes.io/component'], 'coordinator');
});

test('the compressor has a NetworkPolicy: egress to NATS (its URL port) and DNS only, ingress on the metrics port only', () => {
  const objects = withNats();
  const np = policyNamed(objects, 'd-compressor')!;
  assert.ok(np, 'a d-compressor NetworkPolicy');
  assert.equal(np.spec.podSelector.matchLabels['app.kubernetes.io/component'], 'compressor');
  assert.deepEqual(np.spec.policyTypes, ['Ingress', 'Egress']);
  assert.deepEqual(np.spec.egress.map((e) => e.ports.map((p) => p.port)), [[4333], [53, 53]]);
  assert.deepEqual(np.spec.egress[0]!.to![0]!.podSelector!.matchLabels, { 'app.kubernetes.io/name': 'nats' });
  assert.deepEqual(np.spec.ingress.map((r) => [r.from, r.ports.map((p) => p.port)]), [[undefined, [9464]]]);
  assert.equal(policyNamed(objectsOf(exampleWith({ compression: { enabled: false } })), 'sotu-maml-compressor'), undefined, 'no policy without a compressor');
});

test('the compressor NetworkPolicy opens every port of every server of nats.url, 4222 where a server names none', () => {
  // Before: only the first server's port was opened (nats://a:4222,nats://b:5222 blocked b).
  const portsOf = (url: string) => policyNamed(objectsOf(parseRunConfig({ name: 'd', task: { family: 'sinusoid' }, model: { kind: 'sinusoid-mlp' }, nats: { url } })), 'd-compressor')!.spec.egress[0]!.ports.map((p) => p.port);
  assert.deepEqual(portsOf('nats://a:4222,nats://b:5222'), [4222, 5222]);
  assert.deepEqual(portsOf('tls://a, b:4223 ,nats://c:4222'), [4222, 4223]);
  assert.deepEqual(portsOf('a:5000'), [5000]);
});

test('nats.url that the compressor could not use, or that would store a password in the ConfigMap, is refused naming nats.url', () => {
  // Before: ws://nats:80 opened 4222 (the Node client refuses WebSocket URLs), nats://nats:0 rendered port 0, and
  // nats://user:pass@nats:4222 was written in plain text into the ConfigMap and the compressor's arguments.
  const base = { name: 'd', task: { family: 'sinusoid' }, model: { kind: 'sinusoid-mlp' } };
  const refusal = (url: string) => {
    try {
      compileDeploySettings(parseRunConfig({ ...base, nats: { url } }));
    } catch (e) {
      assert.ok(e instanceof ConfigError && e.path === 'nats.url', String(e));
      return e.message;
    }
    assert.fail(`${url} was accepted`);
  };
  assert.equal(refusal('ws://nats:80'), "invalid config at nats.url: ws://nats:80: metatrain's NATS client (nats.js for Node) connects over TCP and refuses ws:// (WebSocket); give the server's client port, e.g. nats://nats:4222");
  assert.match(refusal('nats://a:4222,wss://b'), /^invalid config at nats\.url: wss:\/\/b: .* refuses wss:\/\/ \(WebSocket\)/);
  assert.equal(refusal('nats://nats:0'), "invalid config at nats.url: nats://nats:0 names port 0, which no server listens on; give the NATS server's client port (4222 by default) or leave the port out");
  const secret = refusal('nats://a:4222,nats://user:s3cret@nats:4222');
  assert.match(secret, /^invalid config at nats\.url: nats:\/\/user:…@nats:4222 holds credentials, which are not supported on Kubernetes: the URL is stored in plain text in the run's ConfigMap and the compressor's arguments/);
  assert.doesNotMatch(secret, /s3cret/, 'the password is not echoed');
  const token = refusal('nats://t0ken-s3cret@nats:4222');
  assert.match(token, /^invalid config at nats\.url: nats:\/\/…@nats:4222 holds credentials/, 'a token is not echoed either');
  assert.match(refusal('nats://a:4222,'), /names no host/);
  assert.equal(refusal('nats://nats:04222'), 'invalid config at nats.url: nats://nats:04222: the port has a leading zero; write 4222');
  assert.match(refusal('nats://a:4222,nats://nats:4222/'), /^invalid config at nats\.url: nats:\/\/nats:4222\/: "\/" after the port is a path, which the NATS client ignores; write nats:\/\/nats:4222$/);
});

test('the compressor takes only its run\'s jobs (--run) and writes only in the run\'s volume (--out-root), where it mounts it', () => {
  // Its own consumer: runs sharing a NATS server never hand it another run's job, whose checkpoint is not on this volume.
  const c = deploymentNamed(objectsOf(exampleConfig()), '-compressor').spec.template.spec.containers[0]!;
  assert.deepEqual(c['args'], ['compressor', '--nats', 'nats://nats.nats.svc.cluster.local:4222', '--run', 'sotu-maml', '--out-root', '/var/lib/metatrain/sotu-maml']);
  assert.deepEqual(c['volumeMounts'][0], { name: 'data', mountPath: '/var/lib/metatrain/sotu-maml' });
});

test('the compressor is ready on /readyz (consuming from JetStream) and alive on /healthz', () => {
  const c = deploymentNamed(objectsOf(exampleConfig()), '-compressor').spec.template.spec.containers[0]!;
  assert.equal(c['readinessProbe'].httpGet.path, '/readyz');
  assert.equal(c['livenessProbe'].httpGet.path, '/healthz');
});

test('a run named with a digit first is refused up front: its Service <run>-coordinator would be (RFC 1035 label)', () => {
  const config = parseRunConfig({ name: '9run', task: { family: 'sinusoid' }, model: { kind: 'sinusoid-mlp' }, compression: { enabled: false } });
  assert.throws(
    () => compileDeploySettings(config),
    (e: unknown) => e instanceof ConfigError && e.message === 'invalid config at name: 9run starts with a digit, which a Kubernetes Service name (9run-coordinator) may not (RFC 1035 label): give the run a name starting with a letter',
  );
  assert.doesNotThrow(() => compileDeploySettings(parseRunConfig({ ...config, name: 'run9' })));
});

test('a run with compression but no NATS URL is refused, naming nats.url', () => {
  const config = parseRunConfig({ name: 'd', task: { family: 'sinusoid' }, model: { kind: 'sinusoid-mlp' } });
  assert.throws(() => compileDeploySettings(config), (e: unknown) => e instanceof ConfigError && e.path === 'nats.url' && /JetStream/.test(e.message));
  assert.throws(() => compileDeploySettings(parseRunConfig({ ...config, nats: { url: 'http://x:1' } })), (e: unknown) => e instanceof ConfigError && e.path === 'nats.url');
});

test('the kubernetes config section has documented defaults, and bad quantities name the field', () => {
  const k = parseRunConfig({ name: 'd', task: { family: 'sinusoid' }, model: { kind: 'sinusoid-mlp' } }).kubernetes;
  assert.equal(k.namespace, DEFAULT_NAMESPACE);
  assert.equal(k.gpu.count, 1);
  assert.equal(k.storage.size, '10Gi');
  assert.equal(k.monitoring.release, 'kube-prometheus-stack');
  assert.throws(
    () => parseRunConfig({ name: 'd', task: { family: 'sinusoid' }, model: { kind: 'sinusoid-mlp' }, kubernetes: { workerResources: { limits: { memory: 'lots' } } } }),
    (e: unknown) => e instanceof ConfigError && e.path === 'kubernetes.workerResources.limits.memory',
  );
});

test('a Kubernetes run refuses model.init: pretrained (pretraining runs locally, before launch), naming model.init', () => {
  const config = parseRunConfig({ name: 'p', task: { family: 'sotu' }, model: { kind: 'transformer', init: 'pretrained' }, pretraining: {}, compression: { enabled: false } });
  assert.throws(() => compileDeploySettings(config), (e: unknown) => e instanceof ConfigError && e.path === 'model.init' && /metatrain pretrain/.test(e.message));
  assert.doesNotThrow(() => compileDeploySettings(parseRunConfig({ ...config, model: { ...config.model, init: '/data/pretrained' } })));
});
