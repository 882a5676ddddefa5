/**
 * The workers: a Deployment with `runtime.workers` replicas that dial the coordinator's Service. What depends on
 * the node type (image, `METATRAIN_BACKEND`, `nvidia.com/gpu` limit, node selector, tolerations) comes from
 * {@link workerDeviceFields} alone, which renders both the full Deployment and the GPU overlay's strategic-merge
 * patch in deploy/k8s, so that `kubectl apply -k` and `metatrain launch` cannot drift.
 */
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IPodSpec } from 'kubernetes-models/v1/PodSpec';
import type { IToleration } from 'kubernetes-models/v1/Toleration';
import { runNames } from './names';
import { container, deployment, httpProbe, tokenEnv, type RunDeployment } from './render-workload';
import { GRPC_PORT, type DeploySettings } from './settings';

/** A strategic-merge patch of the worker Deployment (only the fields it changes). */
export interface WorkerDevicePatch {
  readonly apiVersion: 'apps/v1';
  readonly kind: 'Deployment';
  readonly metadata: { name: string; namespace: string };
  readonly spec: { template: { spec: Partial<IPodSpec> & { containers: Array<Partial<IContainer> & { name: string }> } } };
}

/** The node-type-specific fields of the worker pods. */
interface WorkerDeviceFields {
  readonly image: string;
  readonly backendEnv: { name: 'METATRAIN_BACKEND'; value: string };
  /** Extended-resource limits (`nvidia.com/gpu`); empty on CPU workers. */
  readonly deviceLimits: Record<string, string>;
  readonly nodeSelector: Record<string, string>;
  readonly tolerations: IToleration[];
}

/** Image, backend, GPU limit and scheduling of the workers for the settings' device. */
function workerDeviceFields(s: DeploySettings): WorkerDeviceFields {
  const gpu = s.kubernetes.gpu;
  const onGpu = s.device === 'gpu';
  return {
    image: s.images.worker,
    backendEnv: { name: 'METATRAIN_BACKEND', value: s.backend },
    deviceLimits: onGpu ? { [gpu.resourceName]: String(Math.max(gpu.count, 1)) } : {},
    nodeSelector: onGpu ? gpu.nodeSelector : {},
    tolerations: onGpu ? gpu.tolerations.map((t) => ({ ...t })) : [],
  };
}

/** Scheduling fields of the pod spec, omitted when empty. */
function scheduling(d: WorkerDeviceFields): { nodeSelector?: Record<string, string>; tolerations?: IToleration[] } {
  return {
    ...(Object.keys(d.nodeSelector).length > 0 ? { nodeSelector: { ...d.nodeSelector } } : {}),
    ...(d.tolerations.length > 0 ? { tolerations: d.tolerations } : {}),
  };
}

/**
 * Deployment `<run>-worker`: `metatrain worker --coordinator <run>-coordinator:7070 --concurrency
 * <runtime.workerConcurrency> --stay-after-run` (the Deployment owns the workers' lifetime: a worker that exited when
 * the run finished would be restarted, and `metatrain stop` deletes them).
 */
export function renderWorkerDeployment(s: DeploySettings): RunDeployment {
  const names = runNames(s.run);
  const d = workerDeviceFields(s);
  const r = s.kubernetes.workerResources;
  return deployment(s, {
    component: 'worker',
    name: names.worker,
    replicas: s.workers,
    pod: scheduling(d),
    container: container(s, {
      name: 'worker',
      image: d.image,
      args: ['worker', '--coordinator', `${names.coordinator}:${GRPC_PORT}`, '--concurrency', String(s.clusterConfig.runtime.workerConcurrency), '--stay-after-run'],
      // METATRAIN_BACKEND first: a strategic-merge patch puts the entries it changes first, so the GPU overlay
      // keeps this order.
      env: [d.backendEnv, tokenEnv(s)],
      resources: { requests: { ...r.requests }, limits: { ...r.limits, ...d.deviceLimits } },
      // Ready while joined to the coordinator, so readyReplicas counts working workers.
      readinessProbe: httpProbe('/readyz', 10, 3),
      livenessProbe: httpProbe('/healthz', 20, 3),
    }),
  });
}

/**
 * Strategic-merge patch turning the CPU worker Deployment into the one for `s.device` (the GPU overlay of
 * deploy/k8s): containers and env merge by name, resource limits merge by key, scheduling fields are added.
 */
export function renderWorkerDevicePatch(s: DeploySettings): WorkerDevicePatch {
  const names = runNames(s.run);
  const d = workerDeviceFields(s);
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: names.worker, namespace: s.namespace },
    spec: {
      template: {
        spec: {
          ...scheduling(d),
          containers: [{ name: 'worker', image: d.image, env: [d.backendEnv], ...(Object.keys(d.deviceLimits).length > 0 ? { resources: { limits: d.deviceLimits } } : {}) }],
        },
      },
    },
  };
}
