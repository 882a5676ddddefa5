/**
 * Why a run has no worker Deployment: stopped by `metatrain stop` (its data volume kept), or never launched in that
 * namespace. Said alike by `status` and `scale`.
 */
import { httpStatusOf } from './api-error';
import type { Cluster } from './cluster';
import { KubernetesError } from '../core/errors';
import { runNames } from './names';

/**
 * Why `run` has no worker Deployment in `namespace`: stopped with its data volume kept (the PersistentVolumeClaim
 * `<run>-data` is there, as `metatrain stop` leaves it), or no run of that name at all. `notFound` (the 404 of the
 * Deployment) when the claim cannot be read (not allowed). What `status` and `scale` say of a run without workers.
 */
export async function notRunning(cluster: Cluster, run: string, namespace: string, notFound: KubernetesError): Promise<KubernetesError> {
  const data = runNames(run).data;
  try {
    await cluster.core.readNamespacedPersistentVolumeClaim({ name: data, namespace });
  } catch (err) {
    if (httpStatusOf(err) !== 404) return notFound;
    return new KubernetesError(
      `no run named ${run} in namespace ${namespace}. Check the run name and --namespace; list the runs there with: kubectl get deployments -n ${namespace} -l app.kubernetes.io/part-of=metatrain`,
      404,
      'NotFound',
      { cause: notFound },
    );
  }
  return new KubernetesError(
    `the run ${run} is not running in namespace ${namespace} (stopped; its data volume ${data} is kept). Launch it again with: metatrain launch CONFIG (it resumes from its last checkpoint); delete the volume with: metatrain stop ${run} --delete-data -n ${namespace}`,
    404,
    'NotRunning',
    { cause: notFound },
  );
}
