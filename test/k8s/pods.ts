/**
 * Pods as the scheduler and kubelet would leave them, for tests that play those parts against the stub.
 */
import { runLabels, type Component } from '../../src/k8s/names';

/** Phases the tests put pods in. */
export type PodState = 'unschedulable' | 'pending' | 'running' | 'ready' | 'failed';

/** A pod of `run`'s `component` in state `state`. */
export function pod(run: string, component: Component, name: string, state: PodState, namespace = 'metatrain'): Record<string, unknown> {
  const phase = { unschedulable: 'Pending', pending: 'Pending', running: 'Running', ready: 'Running', failed: 'Failed' }[state];
  const conditions =
    state === 'unschedulable'
      ? [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: '0/3 nodes are available: 3 Insufficient nvidia.com/gpu.' }]
      : state === 'ready'
        ? [{ type: 'PodScheduled', status: 'True' }, { type: 'Ready', status: 'True' }]
        : [{ type: 'PodScheduled', status: 'True' }];
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace, labels: runLabels(run, component, '0.1.0') },
    spec: { containers: [{ name: component, image: 'metatrain/metatrain:0.1.0' }] },
    status: { phase, conditions },
  };
}
