/**
 * Pending vs running worker pods, and why pending ones wait: the counts behind the coordinator's
 * "waiting for workers" and `metatrain status`. Pod lifecycle: https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/.
 */
import type { V1Pod } from '@kubernetes/client-node';

/** Worker pods by phase; terminating pods (deletionTimestamp set) and finished ones count in neither. */
export interface WorkerPodCounts {
  /** Pods accepted but not running: unscheduled (e.g. no free GPU) or pulling images. */
  readonly pending: number;
  /** Pods whose containers run. */
  readonly running: number;
}

/** Counts pending and running pods. */
export function countPods(pods: Iterable<V1Pod>): WorkerPodCounts {
  let pending = 0;
  let running = 0;
  for (const pod of pods) {
    if (pod.metadata?.deletionTimestamp) continue;
    if (pod.status?.phase === 'Pending') pending++;
    else if (pod.status?.phase === 'Running') running++;
  }
  return { pending, running };
}

/**
 * Why pending pods are not running, from the scheduler's `PodScheduled=False` condition, e.g.
 * `3 pods unschedulable: 0/4 nodes are available: 4 Insufficient nvidia.com/gpu.`; undefined when none is.
 */
export function unschedulableReason(pods: Iterable<V1Pod>): string | undefined {
  const messages = new Map<string, number>();
  for (const pod of pods) {
    if (pod.metadata?.deletionTimestamp || pod.status?.phase !== 'Pending') continue;
    const c = pod.status.conditions?.find((x) => x.type === 'PodScheduled' && x.status === 'False');
    if (c) {
      const message = c.message ?? c.reason ?? 'Unschedulable';
      messages.set(message, (messages.get(message) ?? 0) + 1);
    }
  }
  if (messages.size === 0) return undefined;
  return [...messages].map(([message, n]) => `${n} pod${n === 1 ? '' : 's'} unschedulable: ${message}`).join('; ');
}

/**
 * The coordinator's progress line while it lacks workers, e.g.
 * `waiting for workers: 1 of 4 running, 3 pending (3 pods unschedulable: 0/2 nodes are available: 2 Insufficient nvidia.com/gpu.)`.
 */
export function waitingForWorkersMessage(counts: WorkerPodCounts, desired: number, reason: string | undefined): string {
  const why = reason !== undefined ? ` (${reason})` : '';
  return `waiting for workers: ${counts.running} of ${desired} running, ${counts.pending} pending${why}`;
}
