/**
 * The resources the API server stub serves, with what discovery (GET /api/v1, /apis/GROUP/VERSION) reports for
 * them: plural name, kind, scope, verbs. The monitoring.coreos.com kinds are CRDs on a real cluster and can be
 * left out to play a cluster without the Prometheus Operator.
 */

/** One served resource. */
export interface ServedResource {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  readonly plural: string;
  readonly namespaced: boolean;
  /** Subresources served (`scale`, `status`, `proxy`). */
  readonly subresources: readonly string[];
}

const VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

const CORE: ServedResource[] = [
  { group: '', version: 'v1', kind: 'Namespace', plural: 'namespaces', namespaced: false, subresources: [] },
  { group: '', version: 'v1', kind: 'Pod', plural: 'pods', namespaced: true, subresources: ['status'] },
  { group: '', version: 'v1', kind: 'Service', plural: 'services', namespaced: true, subresources: ['proxy'] },
  { group: '', version: 'v1', kind: 'ConfigMap', plural: 'configmaps', namespaced: true, subresources: [] },
  { group: '', version: 'v1', kind: 'Secret', plural: 'secrets', namespaced: true, subresources: [] },
  { group: '', version: 'v1', kind: 'ServiceAccount', plural: 'serviceaccounts', namespaced: true, subresources: [] },
  { group: '', version: 'v1', kind: 'PersistentVolumeClaim', plural: 'persistentvolumeclaims', namespaced: true, subresources: [] },
  { group: 'apps', version: 'v1', kind: 'Deployment', plural: 'deployments', namespaced: true, subresources: ['scale', 'status'] },
  { group: 'rbac.authorization.k8s.io', version: 'v1', kind: 'Role', plural: 'roles', namespaced: true, subresources: [] },
  { group: 'rbac.authorization.k8s.io', version: 'v1', kind: 'RoleBinding', plural: 'rolebindings', namespaced: true, subresources: [] },
  { group: 'networking.k8s.io', version: 'v1', kind: 'NetworkPolicy', plural: 'networkpolicies', namespaced: true, subresources: [] },
];

const MONITORING: ServedResource[] = [
  { group: 'monitoring.coreos.com', version: 'v1', kind: 'ServiceMonitor', plural: 'servicemonitors', namespaced: true, subresources: [] },
  { group: 'monitoring.coreos.com', version: 'v1', kind: 'PodMonitor', plural: 'podmonitors', namespaced: true, subresources: [] },
];

/** The served resources; `monitoringCrds: false` leaves the Prometheus Operator kinds out. */
export function servedResources(monitoringCrds: boolean): ServedResource[] {
  return monitoringCrds ? [...CORE, ...MONITORING] : [...CORE];
}

/** `apps/v1` or `v1`. */
export function groupVersion(r: { group: string; version: string }): string {
  return r.group === '' ? r.version : `${r.group}/${r.version}`;
}

/** The APIResourceList of one group version, as discovery returns it; undefined when the stub serves none. */
export function discoveryList(resources: readonly ServedResource[], gv: string): object | undefined {
  const inGv = resources.filter((r) => groupVersion(r) === gv);
  if (inGv.length === 0) return undefined;
  const entries = inGv.flatMap((r) => [
    { name: r.plural, singularName: r.kind.toLowerCase(), namespaced: r.namespaced, kind: r.kind, verbs: VERBS },
    ...r.subresources.map((sub) => ({
      name: `${r.plural}/${sub}`,
      singularName: '',
      namespaced: r.namespaced,
      kind: sub === 'scale' ? 'Scale' : r.kind,
      ...(sub === 'scale' ? { group: 'autoscaling', version: 'v1' } : {}),
      verbs: sub === 'proxy' ? ['create', 'delete', 'get', 'patch', 'update'] : ['get', 'patch', 'update'],
    })),
  ]);
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: gv, resources: entries };
}
