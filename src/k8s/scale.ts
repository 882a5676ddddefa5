/**
 * `metatrain scale RUN --workers N`: sets the replicas of the run's worker Deployment through its `scale`
 * subresource (a JSON merge patch of `spec.replicas`, field manager `metatrain-scale`). Also what the
 * coordinator's Role allows it to call (coordinator-api-calls.ts).
 */
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { toKubernetesError, type RequestDescription } from './api-error';
import { runNamespace, type Cluster } from './cluster';
import { runNames } from './names';
import { assertApiServer } from './api-server-check';
import { notRunning } from './not-running';

/** Field manager of scale requests; a later `launch` with another `runtime.workers` conflicts with it (409). */
export const SCALE_FIELD_MANAGER = 'metatrain-scale';

/** What scale did. */
export interface ScaleResult {
  readonly run: string;
  readonly namespace: string;
  readonly deployment: string;
  /** Replicas before the request. */
  readonly previous: number;
  /** Replicas now requested. */
  readonly desired: number;
}

/**
 * Scales the workers of `run` to `workers` replicas (0 pauses them). The namespace is `--namespace`, else
 * `metatrain`.
 * @throws RangeError when `workers` is not a non-negative integer.
 * @throws KubernetesError when the server is not a Kubernetes API server (api-server-check.ts); 404 when the run has no worker Deployment there (reason `NotRunning` when it was stopped and its data volume kept, `NotFound` when there is no such run; not-running.ts), 403 when scaling is not allowed.
 */
export async function scaleWorkers(cluster: Cluster, run: string, workers: number): Promise<ScaleResult> {
  if (!Number.isInteger(workers) || workers < 0) throw new RangeError(`workers must be a non-negative integer, got ${workers}`);
  const namespace = runNamespace(cluster);
  const name = runNames(run).worker;
  await assertApiServer(cluster);
  const r: RequestDescription = { verb: 'get', resource: 'deployments/scale', kind: 'Deployment', name, namespace };
  let previous: number;
  try {
    previous = (await cluster.apps.readNamespacedDeploymentScale({ name, namespace })).spec?.replicas ?? 0;
  } catch (err) {
    const error = toKubernetesError(err, r, cluster);
    throw error.statusCode === 404 ? await notRunning(cluster, run, namespace, error) : error;
  }
  try {
    await cluster.apps.patchNamespacedDeploymentScale(
      { name, namespace, body: { spec: { replicas: workers } }, fieldManager: SCALE_FIELD_MANAGER },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
  } catch (err) {
    throw toKubernetesError(err, { ...r, verb: 'patch' }, cluster);
  }
  return { run, namespace, deployment: name, previous, desired: workers };
}
