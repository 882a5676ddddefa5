/**
 * RBAC evaluation of request attributes against Role rules, as the API server's RBAC authorizer does
 * (https://kubernetes.io/docs/reference/access-authn-authz/rbac/): a request is allowed when some rule lists its
 * verb, API group and resource (with subresource) or `*`, and, if the rule names objects, the request's object.
 */
import type { RequestAttributes } from './api-server-stub';

/** A PolicyRule. */
export interface Rule {
  readonly apiGroups?: string[];
  readonly resources?: string[];
  readonly resourceNames?: string[];
  readonly verbs: string[];
}

const has = (list: readonly string[] | undefined, value: string) => (list ?? []).some((x) => x === '*' || x === value);

/** Whether `rules` allow the request. */
export function rulesAllow(rules: readonly Rule[], a: RequestAttributes): boolean {
  return rules.some(
    (r) => has(r.verbs, a.verb) && has(r.apiGroups, a.apiGroup) && has(r.resources, a.resource) && (!r.resourceNames?.length || (a.name !== undefined && r.resourceNames.includes(a.name))),
  );
}

/** Every (verb, group, resource, name) a rule set grants, as `verb group/resource[/name]` strings (no wildcards allowed). */
export function grants(rules: readonly Rule[]): Set<string> {
  const out = new Set<string>();
  for (const r of rules) {
    for (const list of [r.verbs, r.apiGroups ?? [], r.resources ?? [], r.resourceNames ?? []]) {
      if (list.includes('*')) throw new Error(`wildcard in rule ${JSON.stringify(r)}`);
    }
    for (const verb of r.verbs) for (const g of r.apiGroups ?? []) for (const res of r.resources ?? []) {
      for (const name of r.resourceNames?.length ? r.resourceNames : [undefined]) out.add(grantKey({ verb, apiGroup: g, resource: res, ...(name !== undefined ? { name } : {}) }));
    }
  }
  return out;
}

/** `verb group/resource[/name]`. */
export function grantKey(a: Pick<RequestAttributes, 'verb' | 'apiGroup' | 'resource' | 'name'>): string {
  return `${a.verb} ${a.apiGroup || 'core'}/${a.resource}${a.name !== undefined ? `/${a.name}` : ''}`;
}
