/**
 * All objects of a run, rendered from deploy settings: the single source of truth behind `metatrain launch`,
 * `metatrain launch --dry-run` and the kustomize tree in deploy/k8s. The token Secret is not among them: it
 * holds a credential, so `launch` creates it on the cluster (renderTokenSecret) and is never written to git.
 */
import type { INamespace } from 'kubernetes-models/v1/Namespace';
import { APP_NAME } from './names';
import { renderCompressorDeployment } from './render-compressor';
import { renderCoordinatorDeployment, renderCoordinatorService } from './render-coordinator';
import type { RunObjectMeta } from './render-meta';
import { renderPodMonitor, renderServiceMonitor } from './render-monitoring';
import { renderCompressorNetworkPolicy, renderCoordinatorNetworkPolicy, renderWorkerNetworkPolicy } from './render-network-policy';
import { renderRole, renderRoleBinding, renderServiceAccount } from './render-rbac';
import { renderConfigMap, renderDataClaim } from './render-storage';
import { renderWorkerDeployment } from './render-workers';
import type { DeploySettings } from './settings';

/** A Kubernetes object as metatrain handles it: typed by apiVersion and kind, always named. */
export interface KubeObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { name: string; namespace?: string; labels?: Record<string, string> };
}

/** An object of a run (namespaced, labelled with the run). */
export type RunObject = KubeObject & { readonly metadata: RunObjectMeta };

/** The kinds a run consists of, in the order they are applied (dependencies first); `stop` deletes these. */
export const RUN_KINDS: ReadonlyArray<{ readonly apiVersion: string; readonly kind: string }> = [
  { apiVersion: 'v1', kind: 'ServiceAccount' },
  { apiVersion: 'v1', kind: 'Secret' },
  { apiVersion: 'v1', kind: 'ConfigMap' },
  { apiVersion: 'v1', kind: 'PersistentVolumeClaim' },
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role' },
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding' },
  { apiVersion: 'v1', kind: 'Service' },
  { apiVersion: 'apps/v1', kind: 'Deployment' },
  { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy' },
  { apiVersion: 'monitoring.coreos.com/v1', kind: 'ServiceMonitor' },
  { apiVersion: 'monitoring.coreos.com/v1', kind: 'PodMonitor' },
];

/** Position of a kind in {@link RUN_KINDS}. */
function kindRank(kind: string): number {
  const i = RUN_KINDS.findIndex((k) => k.kind === kind);
  if (i < 0) throw new Error(`kind ${kind} is not in RUN_KINDS`);
  return i;
}

/** The run's namespace. It is shared by runs, so it carries no run label and `stop` never deletes it. */
export function renderNamespace(s: DeploySettings): INamespace & { metadata: { name: string } } {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name: s.namespace, labels: { 'app.kubernetes.io/part-of': APP_NAME } } };
}

/** The objects of a run (without the namespace and the token Secret), ordered by {@link RUN_KINDS}, then name. */
export function renderRun(s: DeploySettings): RunObject[] {
  const objects: RunObject[] = [
    renderServiceAccount(s),
    renderConfigMap(s),
    renderDataClaim(s),
    renderRole(s),
    renderRoleBinding(s),
    renderCoordinatorService(s),
    renderCoordinatorDeployment(s),
    renderWorkerDeployment(s),
    ...(s.compressor ? [renderCompressorDeployment(s)] : []),
    renderCoordinatorNetworkPolicy(s),
    renderWorkerNetworkPolicy(s),
    ...(s.compressor ? [renderCompressorNetworkPolicy(s)] : []),
    ...(s.kubernetes.monitoring.enabled ? [renderServiceMonitor(s), renderPodMonitor(s)] : []),
  ];
  return objects.sort((a, b) => kindRank(a.kind) - kindRank(b.kind) || a.metadata.name.localeCompare(b.metadata.name));
}
