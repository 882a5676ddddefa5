/**
 * Server-side apply and JSON merge patch for the stub, with field ownership per field manager
 * (https://kubernetes.io/docs/reference/using-api/server-side-apply/). Simplified where the stub's tests do not
 * need more: lists are atomic (a real server merges some by key), and ownership is tracked per leaf path. What
 * it keeps from the real semantics: applying a value another manager owns, when it differs, is a conflict (409)
 * unless forced; equal values are shared; fields a manager stops applying are removed when nobody else owns
 * them; a merge patch makes its field manager the owner of what it changed.
 */
import { isDeepStrictEqual } from 'node:util';

/** Owners of each leaf path (JSON-encoded key array). */
export type Owners = Map<string, Set<string>>;

/** A field conflict: path (`.spec.replicas`) and the manager owning it. */
export interface FieldConflict {
  readonly field: string;
  readonly manager: string;
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type JsonObject = { [k: string]: Json };

/** Fields the server owns; never part of ownership. */
const SERVER_FIELDS = new Set(['["metadata","resourceVersion"]', '["metadata","uid"]', '["metadata","creationTimestamp"]', '["metadata","generation"]', '["metadata","managedFields"]']);

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Leaf paths of an object: scalars, lists and empty objects; `status`, `apiVersion`, `kind` excluded. */
export function leaves(obj: JsonObject, prefix: string[] = []): Map<string, Json> {
  const out = new Map<string, Json>();
  for (const [k, v] of Object.entries(obj)) {
    const path = [...prefix, k];
    if (prefix.length === 0 && (k === 'status' || k === 'apiVersion' || k === 'kind')) continue;
    const key = JSON.stringify(path);
    if (SERVER_FIELDS.has(key)) continue;
    if (isObject(v) && Object.keys(v).length > 0) for (const [p, x] of leaves(v, path)) out.set(p, x);
    else out.set(key, v);
  }
  return out;
}

function setAt(obj: JsonObject, path: string[], value: Json): void {
  let cur = obj;
  for (const k of path.slice(0, -1)) {
    if (!isObject(cur[k])) cur[k] = {};
    cur = cur[k] as JsonObject;
  }
  cur[path[path.length - 1]!] = structuredClone(value);
}

function deleteAt(obj: JsonObject, path: string[]): void {
  const parents: JsonObject[] = [];
  let cur: Json = obj;
  for (const k of path.slice(0, -1)) {
    if (!isObject(cur)) return;
    parents.push(cur);
    cur = cur[k] ?? null;
  }
  if (!isObject(cur)) return;
  delete cur[path[path.length - 1]!];
  // Prune objects the deletion emptied.
  for (let i = parents.length - 1; i >= 0; i--) {
    const child = parents[i]![path[i]!];
    if (isObject(child) && Object.keys(child).length === 0) delete parents[i]![path[i]!];
  }
}

function dotted(key: string): string {
  return (JSON.parse(key) as string[]).map((k) => `.${k}`).join('');
}

/**
 * Applies `applied` as `manager` onto `current` (undefined: create). Returns the new object and owners, or the
 * conflicts when some differing field belongs to another manager and `force` is false.
 */
export function serverSideApply(
  current: JsonObject | undefined,
  owners: Owners,
  applied: JsonObject,
  manager: string,
  force: boolean,
): { object: JsonObject; owners: Owners } | { conflicts: FieldConflict[] } {
  const base = structuredClone(current ?? {});
  const now = leaves(base);
  const want = leaves(applied);
  const conflicts: FieldConflict[] = [];
  for (const [p, v] of want) {
    const others = [...(owners.get(p) ?? [])].filter((m) => m !== manager);
    if (others.length > 0 && now.has(p) && !isDeepStrictEqual(now.get(p), v)) conflicts.push(...others.map((m) => ({ field: dotted(p), manager: m })));
  }
  if (conflicts.length > 0 && !force) return { conflicts };
  const next: Owners = new Map([...owners].map(([p, s]) => [p, new Set(s)]));
  for (const [p, set] of next) {
    if (set.has(manager) && !want.has(p)) {
      set.delete(manager);
      if (set.size === 0) {
        next.delete(p);
        deleteAt(base, JSON.parse(p) as string[]);
      }
    }
  }
  for (const [p, v] of want) {
    const same = now.has(p) && isDeepStrictEqual(now.get(p), v);
    const set = same ? (next.get(p) ?? new Set<string>()) : new Set<string>();
    set.add(manager);
    next.set(p, set);
    setAt(base, JSON.parse(p) as string[], v);
  }
  return { object: base, owners: next };
}

/** RFC 7386 JSON merge patch of `target` by `patch` as `manager`; changed leaves become the manager's. */
export function mergePatch(target: JsonObject, owners: Owners, patch: JsonObject, manager: string): { object: JsonObject; owners: Owners } {
  const merge = (t: Json, p: Json): Json => {
    if (!isObject(p)) return structuredClone(p);
    const out: JsonObject = isObject(t) ? { ...t } : {};
    for (const [k, v] of Object.entries(p)) {
      if (v === null) delete out[k];
      else out[k] = merge(out[k] ?? null, v);
    }
    return out;
  };
  const object = merge(target, patch) as JsonObject;
  const before = leaves(target);
  const next: Owners = new Map([...owners].map(([p, s]) => [p, new Set(s)]));
  for (const [p, v] of leaves(object)) {
    if (!before.has(p) || !isDeepStrictEqual(before.get(p), v)) next.set(p, new Set([manager]));
  }
  return { object, owners: next };
}
