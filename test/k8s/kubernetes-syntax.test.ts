/** The kubernetes section refuses what the API server would refuse, before anything is sent, naming the field. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRunConfig } from '../../src/core/config';
import { ConfigError } from '../../src/core/errors';
import { quantityValue } from '../../src/k8s/kubernetes-syntax';

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
    // A key that would not read as one path segment is quoted (before: `nodeSelector.bad key!`).
    [{ gpu: { nodeSelector: { 'bad key!': 'x' } } }, 'kubernetes.gpu.nodeSelector."bad key!"', /invalid key: name part must be letters, digits/],
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
    // Before: these passed launch --dry-run and only the API server refused them.
    [{ workerResources: { requests: { cpu: '2' }, limits: { cpu: '1' } } }, 'kubernetes.workerResources.requests.cpu', /^invalid config at kubernetes\.workerResources\.requests\.cpu: must be at most kubernetes\.workerResources\.limits\.cpu \(1\): the API server refuses a request above its limit; got 2/],
    [{ workerResources: { requests: { memory: '4Gi' }, limits: { memory: '1Gi' } } }, 'kubernetes.workerResources.requests.memory', /must be at most kubernetes\.workerResources\.limits\.memory \(1Gi\).*got 4Gi/],
    [{ workerResources: { requests: { cpu: '3' } } }, 'kubernetes.workerResources.requests.cpu', /limits\.cpu \(2, its default\)/],
    [{ workerResources: { requests: { memory: '5Gi' }, limits: { cpu: '4' } } }, 'kubernetes.workerResources.requests.memory', /limits\.memory \(4Gi, its default\)/],
    // Numbers are quantities, as in a manifest (before: "expected string, received number").
    [{ storage: { size: 0 } }, 'kubernetes.storage.size', /must be greater than 0: the API server refuses a PersistentVolumeClaim of no storage/],
    [{ workerResources: { requests: { cpu: -1 } } }, 'kubernetes.workerResources.requests.cpu', /must be a Kubernetes quantity/],
    [{ workerResources: { requests: { cpu: 3 }, limits: { cpu: 2.5 } } }, 'kubernetes.workerResources.requests.cpu', /limits\.cpu \(2\.5\).*got 3$/],
    [{ storage: { size: '0' } }, 'kubernetes.storage.size', /must be greater than 0: the API server refuses a PersistentVolumeClaim of no storage/],
    [{ storage: { size: '0Gi' } }, 'kubernetes.storage.size', /must be greater than 0/],
    [{ storage: { size: '10GB' } }, 'kubernetes.storage.size', /must be a Kubernetes quantity/],
    [{ monitoring: { release: 'kube prometheus' } }, 'kubernetes.monitoring.release', /must be a label value/],
  ];
  for (const [kubernetes, path, message] of cases) {
    assert.throws(() => withK8s(kubernetes), (e: unknown) => e instanceof ConfigError && e.path === path && message.test(e.message), `${path}: ${JSON.stringify(kubernetes)}`);
  }
});

test('quantities compare by value across suffixes: equal requests and limits written differently pass', () => {
  const c = withK8s({ workerResources: { requests: { cpu: '1000m', memory: '1024Mi' }, limits: { cpu: '1', memory: '1Gi' } }, storage: { size: '1.5Gi' } });
  assert.equal(c.kubernetes.workerResources.requests.memory, '1024Mi');
  // A YAML number is a quantity, as in a Kubernetes manifest: `cpu: 2`, `cpu: 0.5`, `memory: 1e9`.
  const numbers = withK8s({ workerResources: { requests: { cpu: 0.5, memory: 1e9 }, limits: { cpu: 2, memory: 4e9 } }, storage: { size: 1e10 } });
  assert.deepEqual(numbers.kubernetes.workerResources, { requests: { cpu: '0.5', memory: '1000000000' }, limits: { cpu: '2', memory: '4000000000' } });
  assert.equal(numbers.kubernetes.storage.size, '10000000000');
  assert.equal(quantityValue('1.5Gi'), 1.5 * 2 ** 30);
  assert.equal(quantityValue('500m'), 0.5);
  assert.equal(quantityValue('4e9'), 4e9);
  assert.equal(quantityValue('2k'), 2000);
});
