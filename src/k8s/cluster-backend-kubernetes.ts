/**
 * Kubernetes as a cluster backend (src/cluster/cluster-backend.ts): launch by server-side apply, scale through the
 * worker Deployment's scale subresource, status from the coordinator's `/status` and the pods, stop by deleting the
 * run's labelled objects. The cluster is connected on the first call that needs it, so `render` (`--dry-run`)
 * works without a kubeconfig.
 */
import type { ClusterBackend, ClusterBackendOptions } from '../cluster/cluster-backend';
import { connectCluster, type Cluster } from './cluster';
import { launchManifest, launchRun } from './launch';
import { launchWarnings } from './settings';
import { scaleWorkers } from './scale';
import { runStatus } from './status';
import { stopRun } from './stop';

/** Name the Kubernetes backend is registered under. */
export const KUBERNETES_BACKEND = 'kubernetes';

/**
 * The Kubernetes backend for `options` (`configFile`: a kubeconfig, `context`, `namespace`, `requestTimeoutMs`).
 * @throws (from its methods) KubernetesError as connectCluster, launchRun, scaleWorkers, runStatus and stopRun.
 */
export function kubernetesBackend(options: ClusterBackendOptions): ClusterBackend {
  let cluster: Cluster | undefined;
  const connect = (): Cluster =>
    (cluster ??= connectCluster({
      ...(options.configFile !== undefined ? { kubeconfig: options.configFile } : {}),
      ...(options.context !== undefined ? { context: options.context } : {}),
      ...(options.namespace !== undefined ? { namespace: options.namespace } : {}),
      ...(options.requestTimeoutMs !== undefined ? { requestTimeoutMs: options.requestTimeoutMs } : {}),
    }));
  return {
    name: KUBERNETES_BACKEND,
    render: (config) => launchManifest(config, options.namespace),
    warnings: launchWarnings,
    async launch(config, launchOptions = {}) {
      const c = connect();
      const r = await launchRun(c, config, { forceConflicts: launchOptions.forceConflicts ?? false });
      return { run: r.run, namespace: r.namespace, target: `context ${c.context}`, objects: r.results, warnings: r.warnings };
    },
    async scale(run, workers) {
      const r = await scaleWorkers(connect(), run, workers);
      return { run: r.run, namespace: r.namespace, workerGroup: `deployment ${r.deployment}`, previous: r.previous, desired: r.desired };
    },
    status: (run) => runStatus(connect(), run),
    stop: (run, stopOptions = {}) => stopRun(connect(), run, { deleteData: stopOptions.deleteData ?? false }),
  };
}
