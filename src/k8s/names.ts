/**
 * Names and labels of a run's Kubernetes objects: one place, so that the renderer, `launch`, `scale`, `status`,
 * `stop` and the coordinator's pod watcher agree. Labels follow the Kubernetes recommended labels
 * (https://kubernetes.io/docs/concepts/overview/working-with-objects/common-labels/); every object of a run
 * also carries {@link RUN_LABEL}, which is what `stop` selects on.
 */

/** Label carried by every object of a run; its value is the run name. */
export const RUN_LABEL = 'metatrain.dev/run';
/** Recommended label naming the part a workload plays. */
export const COMPONENT_LABEL = 'app.kubernetes.io/component';
/** Value of `app.kubernetes.io/name` and `app.kubernetes.io/part-of` on every object. */
export const APP_NAME = 'metatrain';

/** The parts of a run; each becomes the `app.kubernetes.io/component` label and the kustomize file it lands in. */
export type Component = 'coordinator' | 'worker' | 'compressor' | 'storage' | 'monitoring';

/** Names of the objects of run `run` (a DNS label of at most 40 characters, so every name stays within 63). */
export interface RunNames {
  /** Coordinator Deployment, its Service, ServiceAccount, Role, RoleBinding and NetworkPolicy. */
  readonly coordinator: string;
  /** Worker Deployment and its NetworkPolicy. */
  readonly worker: string;
  /** Compressor Deployment. */
  readonly compressor: string;
  /** ConfigMap holding `run.yaml`. */
  readonly config: string;
  /** Secret holding the run token under key {@link TOKEN_KEY}. */
  readonly token: string;
  /** PersistentVolumeClaim for checkpoints and artifacts. */
  readonly data: string;
  /** ServiceMonitor (coordinator) and PodMonitor (workers and compressor). */
  readonly monitor: string;
}

/** Key of the run token inside the token Secret. */
export const TOKEN_KEY = 'token';

/** The object names of a run. */
export function runNames(run: string): RunNames {
  return {
    coordinator: `${run}-coordinator`,
    worker: `${run}-worker`,
    compressor: `${run}-compressor`,
    config: `${run}-config`,
    token: `${run}-token`,
    data: `${run}-data`,
    monitor: `${run}-metrics`,
  };
}

/** Labels that select the pods of one component of a run (immutable Deployment selectors use exactly these). */
export function selectorLabels(run: string, component: Component): Record<string, string> {
  return { [RUN_LABEL]: run, [COMPONENT_LABEL]: component };
}

/** The full label set of an object of a run: recommended labels plus the run label. */
export function runLabels(run: string, component: Component, version: string): Record<string, string> {
  return {
    'app.kubernetes.io/name': APP_NAME,
    'app.kubernetes.io/instance': run,
    'app.kubernetes.io/component': component,
    'app.kubernetes.io/part-of': APP_NAME,
    'app.kubernetes.io/version': version,
    [RUN_LABEL]: run,
  };
}

/** Label selector string (`metatrain.dev/run=RUN`) of every object of a run. */
export function runSelector(run: string): string {
  return `${RUN_LABEL}=${run}`;
}

/** Label selector string of the worker pods of a run. */
export function workerPodSelector(run: string): string {
  return `${RUN_LABEL}=${run},${COMPONENT_LABEL}=worker`;
}

/** Label selector string of the coordinator pod of a run. */
export function coordinatorPodSelector(run: string): string {
  return `${RUN_LABEL}=${run},${COMPONENT_LABEL}=coordinator`;
}
