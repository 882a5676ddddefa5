/**
 * `metatrain stop RUN [--delete-data]`: deletes every object labelled with the run (names.ts RUN_LABEL), kinds
 * from RUN_KINDS, Deployments first so the coordinator gets SIGTERM and its grace period to checkpoint. The
 * PersistentVolumeClaim with checkpoints and artifacts is kept unless `deleteData`. Kinds the cluster does not
 * serve (no Prometheus Operator) are skipped. Deletion uses background propagation.
 */
import type { StopReport, StoppedObject as ClusterStoppedObject } from '../cluster/cluster-backend';
import { toKubernetesError, type RequestDescription } from './api-error';
import { resourceOf } from './apply';
import { runNamespace, type Cluster } from './cluster';
import { KubernetesError } from '../core/errors';
import { runSelector } from './names';
import { RUN_KINDS } from './render-run';
import { assertApiServer } from './api-server-check';

/** A deleted or kept object. */
export type StoppedObject = ClusterStoppedObject;

/** What stop did (the engine-neutral shape every cluster backend reports). */
export type StopResult = StopReport;

/** Kinds in deletion order: Deployments first, then the rest in RUN_KINDS order. */
const DELETE_ORDER = [...RUN_KINDS].sort((a, b) => Number(b.kind === 'Deployment') - Number(a.kind === 'Deployment'));

/**
 * Deletes the run's objects in `--namespace` (default `metatrain`). Stopping a run that has no objects there
 * returns empty lists (stop is idempotent).
 * @throws KubernetesError when the server is not a Kubernetes API server (api-server-check.ts), when listing or
 *   deleting is refused (403) or the API server is unreachable.
 */
export async function stopRun(cluster: Cluster, run: string, options: { deleteData?: boolean } = {}): Promise<StopResult> {
  const namespace = runNamespace(cluster);
  const result: StopResult = { run, namespace, deleted: [], kept: [] };
  await assertApiServer(cluster);
  for (const { apiVersion, kind } of DELETE_ORDER) {
    let resource: string;
    try {
      resource = await resourceOf(cluster, apiVersion, kind, namespace);
    } catch (err) {
      if (err instanceof KubernetesError && err.reason === 'NotServed') continue;
      throw err;
    }
    const r: RequestDescription = { verb: 'list', resource, kind, namespace };
    const list = await cluster.objects.list(apiVersion, kind, namespace, undefined, undefined, undefined, undefined, runSelector(run)).catch((err: unknown) => {
      throw toKubernetesError(err, r, cluster);
    });
    for (const item of list.items) {
      const name = item.metadata?.name ?? '';
      if (kind === 'PersistentVolumeClaim' && !options.deleteData) {
        result.kept.push({ kind, name });
        continue;
      }
      try {
        await cluster.objects.delete({ apiVersion, kind, metadata: { name, namespace } }, undefined, undefined, undefined, undefined, 'Background');
      } catch (err) {
        const e = toKubernetesError(err, { ...r, verb: 'delete', name }, cluster);
        if (e.statusCode !== 404) throw e;
      }
      result.deleted.push({ kind, name });
    }
  }
  return result;
}
