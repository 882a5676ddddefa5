/**
 * `metatrain status RUN`: the coordinator's own report (`GET /status` on its metrics port, reached through the
 * API server's service proxy, https://kubernetes.io/docs/tasks/access-application-cluster/access-cluster-services/#manually-constructing-apiserver-proxy-urls)
 * merged with what the cluster knows: worker replicas ready/desired from the worker Deployment and pending vs
 * running worker pods. When the coordinator cannot be reached, the phase comes from its pod's state.
 */
import { Observable, ResponseContext, type RequestContext, type V1Pod } from '@kubernetes/client-node';
import type { ClusterRunStatus } from '../cluster/cluster-backend';
import { toKubernetesError } from './api-error';
import { bodyExcerpt } from './answer-excerpt';
import { notRunning } from './not-running';
import { readCoordinatorStatusAnswer, type CoordinatorStatusAnswer } from '../core/coordinator-status-answer';
import { runNamespace, type Cluster } from './cluster';
import { COMPONENT_LABEL, runNames, runSelector } from './names';
import { countPods, unschedulableReason } from './pod-counts';
import { assertApiServer } from './api-server-check';

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

/**
 * Has client-node hand over the proxied answer as text, whatever its content type: a coordinator's answer that
 * claims to be JSON and is not made client-node throw "Unexpected token …", read as an unreachable coordinator.
 */
const answerAsText = {
  middleware: [
    {
      pre: (request: RequestContext) => new Observable(Promise.resolve(request)),
      post: (response: ResponseContext) => new Observable(Promise.resolve(new ResponseContext(response.httpStatusCode, { ...response.headers, 'content-type': 'text/plain' }, response.body))),
    },
  ],
  middlewareMergeStrategy: 'append' as const,
};

/** The coordinator's `/status` answer read, or why it is not a metatrain status (`not JSON: "…"`, a short excerpt: answer-excerpt.ts). */
function readCoordinatorStatus(text: string): CoordinatorStatusAnswer | { problem: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { problem: text.trim() === '' ? 'empty' : `not JSON: ${bodyExcerpt(text)}` };
  }
  return readCoordinatorStatusAnswer(value);
}

/**
 * Reads `/status` through the service proxy.
 * @returns the status, or why the coordinator cannot be read: `coordinator unreachable: HTTP 503: …` when the request
 *   failed, `coordinator answered /status with something that is not a metatrain status (missing "phase")` when it
 *   answered something else.
 */
async function coordinatorStatus(cluster: Cluster, namespace: string, service: string): Promise<CoordinatorStatusAnswer | { unreadable: string }> {
  let raw: unknown;
  try {
    raw = await cluster.core.connectGetNamespacedServiceProxyWithPath({ name: `${service}:metrics`, namespace, path: 'status' }, answerAsText);
  } catch (err) {
    return { unreadable: `coordinator unreachable: ${proxyFailure(err)}` };
  }
  const read = readCoordinatorStatus(typeof raw === 'string' ? raw : JSON.stringify(raw));
  return 'problem' in read ? { unreadable: `coordinator answered /status with something that is not a metatrain status (${read.problem})` } : read;
}

/** One-line reason of a failed proxy request: the Status message, or a short excerpt of another answer (an HTML page). */
function proxyFailure(err: unknown): string {
  const e = err as { code?: unknown; body?: unknown; message?: unknown };
  if (typeof e.code === 'number') {
    const body = typeof e.body === 'string' ? e.body : '';
    let message = body.trim() === '' ? '' : bodyExcerpt(body);
    try {
      message = (JSON.parse(body) as { message?: string }).message ?? message;
    } catch {
      // not a Status: its excerpt
    }
    return `HTTP ${e.code}${message ? `: ${message}` : ''}`;
  }
  return String(e.message ?? err);
}

/**
 * Status of `run` in `--namespace` (default `metatrain`).
 * @throws KubernetesError when the server is not a Kubernetes API server (api-server-check.ts); 404 when the run has no
 *   worker Deployment there (reason `NotRunning` when it was stopped and its data volume kept, `NotFound` when there
 *   is no such run); 403 when reading it or its pods is not
 *   allowed. An unreachable coordinator is not an error: the report falls back to pod state.
 */
export async function runStatus(cluster: Cluster, run: string): Promise<RunStatusReport> {
  const namespace = runNamespace(cluster);
  const names = runNames(run);
  await assertApiServer(cluster);
  const worker = await cluster.apps.readNamespacedDeployment({ name: names.worker, namespace }).catch(async (err: unknown) => {
    const error = toKubernetesError(err, { verb: 'get', resource: 'deployments', kind: 'Deployment', name: names.worker, namespace }, cluster);
    throw error.statusCode === 404 ? await notRunning(cluster, run, namespace, error) : error;
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
  const s = await coordinatorStatus(cluster, namespace, names.coordinator);
  if ('unreadable' in s) {
    const coordinator = ofComponent('coordinator').find((p) => !p.metadata?.deletionTimestamp);
    return { ...base, source: 'pod', phase: podPhase(coordinator), unreachable: s.unreadable };
  }
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
}
