/** The kubernetes section refuses what the API server would refuse, before anything is sent, naming the field. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRunConfig } from '../../src/core/config';
import { ConfigError } from '../../src/core/errors';

const base = { name: 'demo', task: { family: 'sinusoid' }, model: { kind: 'sinusoid-mlp' } };
const withK8s = (kubernetes: object) => parseRunConfig({ ...base, kubernetes });

test('valid Kubernetes values pass: images with registry, port, tag and digest, qualified names, quantities', () => {
  const c = withK8s({
    images: { coordinator: 'registry.example.com:5000/team/metatrain:1.2.0', workerGpu: 'metatrain/worker@sha256:' + 'a'.repeat(64), workerCpu: 'localhost/w_cpu:v1' },
    workerResources: { requests: { cpu: '500m', memory: '1.5Gi' }, limits: { cpu: '2', memory: '4e9' } },
    gpu: { resourceName: 'nvidia.com/gpu', nodeSelector: { 'cloud.google.com/gke-accelerator': 'nvidia-tesla-t4', disktype: '' }, tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'ml', effect: 'NoExecute', tolerationSeconds: 60 }, { operator: 'Exists' }] },
    storage: { className: 'fast.ssd-1' },
  });
  assert.equal(c.kubernetes.storage.className, 'fast.ssd-1');
});

test('each malformed Kubernetes field is refused naming the field', () => {
  const cases: Array<[object, string, RegExp]> = [
    [{ images: { coordinator: 'Metatrain/Image:1' } }, 'kubernetes.images.coordinator', /must be an image reference/],
    [{ images: { workerCpu: 'metatrain:tag with space' } }, 'kubernetes.images.workerCpu', /must be an image reference/],
    [{ images: { workerGpu: `metatrain:${'t'.repeat(129)}` } }, 'kubernetes.images.workerGpu', /must be an image reference/],
    [{ gpu: { nodeSelector: { 'bad key!': 'x' } } }, 'kubernetes.gpu.nodeSelector.bad key!', /invalid key: name part must be letters, digits/],
    [{ gpu: { nodeSelector: { zone: 'v'.repeat(64) } } }, 'kubernetes.gpu.nodeSelector.zone', /at most 63 characters/],
    [{ gpu: { nodeSelector: { [`${'k'.repeat(64)}`]: 'x' } } }, `kubernetes.gpu.nodeSelector.${'k'.repeat(64)}`, /invalid key: name part must be at most 63 characters, got 64/],
    [{ gpu: { nodeSelector: { 'Bad_Prefix/key': 'x' } } }, 'kubernetes.gpu.nodeSelector.Bad_Prefix/key', /prefix "Bad_Prefix" must be a DNS-1123 subdomain/],
    [{ gpu: { resourceName: 'nvidia.com/-gpu' } }, 'kubernetes.gpu.resourceName', /name part/],
    [{ gpu: { tolerations: [{ key: 'a', operator: 'Exists', value: 'x' }] } }, 'kubernetes.gpu.tolerations.0.value', /must be empty with operator Exists/],
    [{ gpu: { tolerations: [{ operator: 'Equal', value: 'x' }] } }, 'kubernetes.gpu.tolerations.0.operator', /must be Exists when key is empty/],
    [{ gpu: { tolerations: [{ key: 'a', operator: 'Exists', effect: 'NoSchedule', tolerationSeconds: 5 }] } }, 'kubernetes.gpu.tolerations.0.effect', /must be NoExecute with tolerationSeconds/],
    [{ gpu: { tolerations: [{ key: 'a', operator: 'In' }] } }, 'kubernetes.gpu.tolerations.0.operator', /Exists|Equal/],
    [{ gpu: { tolerations: [{ key: 'a', operator: 'Exists', effect: 'NoWay' }] } }, 'kubernetes.gpu.tolerations.0.effect', /NoSchedule/],
    [{ workerResources: { limits: { memory: '4GB' } } }, 'kubernetes.workerResources.limits.memory', /must be a Kubernetes quantity/],
    [{ workerResources: { requests: { cpu: '-1' } } }, 'kubernetes.workerResources.requests.cpu', /must be a Kubernetes quantity/],
    [{ storage: { className: 'Fast_SSD' } }, 'kubernetes.storage.className', /must be a DNS-1123 subdomain/],
    [{ monitoring: { release: 'kube prometheus' } }, 'kubernetes.monitoring.release', /must be a label value/],
  ];
  for (const [kubernetes, path, message] of cases) {
    assert.throws(() => withK8s(kubernetes), (e: unknown) => e instanceof ConfigError && e.path === path && message.test(e.message), `${path}: ${JSON.stringify(kubernetes)}`);
  }
});
