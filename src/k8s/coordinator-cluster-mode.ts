/**
 * Cluster mode of the coordinator: inside a Kubernetes pod (env `METATRAIN_NAMESPACE` and `METATRAIN_RUN`, set
 * by the rendered Deployment), watch the run's worker pods so that a run without joined workers says why —
 * `waiting for workers: 0 of 4 running, 4 pending (0/3 nodes are available: 3 Insufficient nvidia.com/gpu)` —
 * instead of hanging silently.
 *
 * `@kubernetes/client-node` takes about 0.6 s to load, so it is loaded only inside a pod: a local coordinator
 * starts without it.
 */
import type { Logger } from '../core/logger';
import { waitingForWorkersMessage } from './pod-counts';
import type { WorkerPodWatcher } from './worker-pod-watcher';

/** A started worker-pod watch. */
export interface WorkerAvailability {
  /** The waiting message (always available; the coordinator shows it while no worker has joined). */
  message(): string;
  stop(): void;
}

/**
 * The namespace and run of the coordinator's pod (env `METATRAIN_NAMESPACE` and `METATRAIN_RUN`, set by the rendered
 * Deployment), or undefined outside the cluster (both must be set).
 */
export function clusterPod(env: NodeJS.ProcessEnv = process.env): { namespace: string; run: string } | undefined {
  const namespace = env['METATRAIN_NAMESPACE'];
  const run = env['METATRAIN_RUN'];
  return namespace && run ? { namespace, run } : undefined;
}

/**
 * Starts watching the worker pods when running inside the cluster ({@link clusterPod}); returns undefined elsewhere.
 * @param desired the configured number of workers.
 * @param onWaiting called with the message whenever the pod counts change.
 * @throws KubernetesError when the kubeconfig cannot be loaded (src/k8s/kubeconfig-files.ts; in the pod, the service
 *   account) or the pods cannot be listed (the Role lacks `list pods`).
 */
export async function watchWorkerPods(desired: number, log: Logger, onWaiting: (message: string) => void, env: NodeJS.ProcessEnv = process.env): Promise<WorkerAvailability | undefined> {
  const pod = clusterPod(env);
  if (!pod) return undefined;
  const { namespace, run } = pod;
  const [{ loadKubeconfig }, { allowPlainHttp }, { WorkerPodWatcher }] = await Promise.all([import('./kubeconfig-files.js'), import('./cluster.js'), import('./worker-pod-watcher.js')]);
  const { kubeConfig } = loadKubeconfig();
  allowPlainHttp(kubeConfig);
  const watcher: WorkerPodWatcher = new WorkerPodWatcher({
    kubeConfig,
    namespace,
    run,
    onChange: () => onWaiting(message()),
    onError: (err) => log.warn({ err: err.message }, 'worker pod watch failed; retrying'),
  });
  const message = () => waitingForWorkersMessage(watcher.counts(), desired, watcher.waitingReason());
  await watcher.start();
  return { message, stop: () => watcher.stop() };
}
