/**
 * `metatrain status RUN`: the coordinator's own report (`GET /status` on its metrics port, reached through the
 * API server's service proxy, https://kubernetes.io/docs/tasks/access-application-cluster/access-cluster-services/#manually-constructing-apiserver-proxy-urls)
 * merged with what the cluster knows: worker replicas ready/desired from the worker Deployment and pending vs
 * running worker pods. When the coordinator cannot be reached, the phase comes from its pod's state.
 */
import type { V1Pod } from '@kubernetes/client-node';
import { z } from 'zod';
import type { ClusterRunStatus } from '../cluster/cluster-backend';
import { toKubernetesError } from './api-error';
import { runNamespace, type Cluster } from './cluster';
import { COMPONENT_LABEL, runNames, runSelector } from './names';
import { countPods, unschedulableReason } from './pod-counts';
import { assertApiServer } from './api-server-check';

/** The coordinator's `/status` JSON (fields metatrain reads; others are ignored). */
const coordinatorStatusSchema = z.object({
  phase: z.string(),
  step: z.number().int().nonnegative().optional(),
  maxSteps: z.number().int().positive().optional(),
  metaLoss: z.number().nullable().optional(),
  message: z.string().optional(),
  workers: z.unknown().optional(),
  lastCheckpoint: z.string().nullable().optional(),
});

/**
 * Phase when the coordinator is unreachable, from its pod: `absent` (no pod), `pending` (not scheduled or
 * pulling), `starting` (running, not ready), `unreachable` (ready, but `/status` failed), `failed`, `succeeded`.
 */
export type PodDerivedPhase = 'absent' | 'pending' | 'starting' | 'unreachable' | 'failed' | 'succeeded';

/** Status of a run (the engine-neutral shape every cluster backend reports). */
export type RunStatusReport = ClusterRunStatus;

function podPhase(pod: V1Pod | undefined): PodDerivedPhase {
  if (pod === undefined) return 'absent';
  const phase = pod.status?.phase;
  if (phase === 'Failed') return 'failed';
  if (phase === 'Succeeded') return 'succeeded';
  if (phase !== 'Running') return 'pending';
  if (pod.status?.containerStatuses?.some((c) => c.state?.waiting?.reason === 'CrashLoopBackOff')) return 'failed';
  return pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ? 'unreachable' : 'starting';
}

/** Reads `/status` through the service proxy; throws what the proxy or the parse threw. */
async function coordinatorStatus(cluster: Cluster, namespace: string, service: string): Promise<z.infer<typeof coordinatorStatusSchema>> {
  const raw: unknown = await cluster.core.connectGetNamespacedServiceProxyWithPath({ name: `${service}:metrics`, namespace, path: 'status' });
  return coordinatorStatusSchema.parse(typeof raw === 'string' ? JSON.parse(raw) : raw);
}

/** One-line reason of a failed proxy request. */
function proxyFailure(err: unknown): string {
  const e = err as { code?: unknown; body?: unknown; message?: unknown };
  if (typeof e.code === 'number') {
    let message = typeof e.body === 'string' ? e.body : '';
    try {
      message = (JSON.parse(message) as { message?: string }).message ?? message;
    } catch {
      // not a Status: keep the text
    }
    return `HTTP ${e.code}${message ? `: ${message}` : ''}`;
  }
  return String(e.message ?? err);
}

/**
 * Status of `run` in `--namespace` (default `metatrain`).
 * @throws KubernetesError when the server is not a Kubernetes API server (api-server-check.ts); 404 when the run has no worker Deployment there; 403 when reading it or its pods is not
 *   allowed. An unreachable coordinator is not an error: the report falls back to pod state.
 */
export async function runStatus(cluster: Cluster, run: string): Promise<RunStatusReport> {
  const namespace = runNamespace(cluster);
  const names = runNames(run);
  await assertApiServer(cluster);
  const worker = await cluster.apps.readNamespacedDeployment({ name: names.worker, namespace }).catch((err: unknown) => {
    throw toKubernetesError(err, { verb: 'get', resource: 'deployments', kind: 'Deployment', name: names.worker, namespace }, cluster);
  });
  const pods = await cluster.core.listNamespacedPod({ namespace, labelSelector: runSelector(run) }).catch((err: unknown) => {
    throw toKubernetesError(err, { verb: 'list', resource: 'pods', kind: 'Pod', namespace }, cluster);
  });
  const ofComponent = (c: string) => pods.items.filter((p) => p.metadata?.labels?.[COMPONENT_LABEL] === c);
  const workerPods = ofComponent('worker');
  const reason = unschedulableReason(workerPods);
  const workers = {
    desired: worker.spec?.replicas ?? 0,
    ready: worker.status?.readyReplicas ?? 0,
    ...countPods(workerPods),
  };
  const base = { run, namespace, workers, ...(reason !== undefined ? { waitingReason: reason } : {}) };
  try {
    const s = await coordinatorStatus(cluster, namespace, names.coordinator);
    return {
      ...base,
      source: 'coordinator',
      phase: s.phase,
      ...(s.step !== undefined ? { step: s.step } : {}),
      ...(s.maxSteps !== undefined ? { maxSteps: s.maxSteps } : {}),
      ...(typeof s.metaLoss === 'number' ? { metaLoss: s.metaLoss } : {}),
      ...(s.message ? { message: s.message } : {}),
      ...(s.lastCheckpoint ? { lastCheckpoint: s.lastCheckpoint } : {}),
    };
  } catch (err) {
    const coordinator = ofComponent('coordinator').find((p) => !p.metadata?.deletionTimestamp);
    return { ...base, source: 'pod', phase: podPhase(coordinator), unreachable: proxyFailure(err) };
  }
}
