/**
 * The coordinator's identity: a ServiceAccount, and a Role + RoleBinding granting exactly the calls in
 * coordinator-api-calls.ts (read its pods, scale only its own worker Deployment). Kubernetes RBAC:
 * https://kubernetes.io/docs/reference/access-authn-authz/rbac/.
 */
import type { IRole } from 'kubernetes-models/rbac.authorization.k8s.io/v1/Role';
import type { IRoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding';
import type { IPolicyRule } from 'kubernetes-models/rbac.authorization.k8s.io/v1/PolicyRule';
import type { IServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { coordinatorApiCalls } from './coordinator-api-calls';
import { runNames } from './names';
import { objectMeta, type RunObjectMeta } from './render-meta';
import type { DeploySettings } from './settings';

/** ServiceAccount `<run>-coordinator`. */
export function renderServiceAccount(s: DeploySettings): IServiceAccount & { metadata: RunObjectMeta } {
  return { apiVersion: 'v1', kind: 'ServiceAccount', metadata: objectMeta(s, runNames(s.run).coordinator, 'coordinator') };
}

/** One rule per (group, resource, object name), verbs merged, in the order the calls are listed. */
function rulesFor(calls: ReturnType<typeof coordinatorApiCalls>): IPolicyRule[] {
  const rules = new Map<string, IPolicyRule>();
  for (const call of calls) {
    const key = JSON.stringify([call.apiGroup, call.resource, call.resourceName ?? null]);
    const rule = rules.get(key) ?? {
      apiGroups: [call.apiGroup],
      resources: [call.resource],
      ...(call.resourceName !== undefined ? { resourceNames: [call.resourceName] } : {}),
      verbs: [],
    };
    if (!rule.verbs.includes(call.verb)) rule.verbs.push(call.verb);
    rules.set(key, rule);
  }
  return [...rules.values()];
}

/** Role `<run>-coordinator`: the coordinator's calls and nothing else. */
export function renderRole(s: DeploySettings): IRole & { metadata: RunObjectMeta } {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    metadata: objectMeta(s, runNames(s.run).coordinator, 'coordinator'),
    rules: rulesFor(coordinatorApiCalls(s.run)),
  };
}

/** RoleBinding `<run>-coordinator` of the Role to the ServiceAccount. */
export function renderRoleBinding(s: DeploySettings): IRoleBinding & { metadata: RunObjectMeta } {
  const name = runNames(s.run).coordinator;
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: objectMeta(s, name, 'coordinator'),
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
    subjects: [{ kind: 'ServiceAccount', name, namespace: s.namespace }],
  };
}
