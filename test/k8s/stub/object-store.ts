/**
 * The stub's objects: stored without apiVersion/kind (like etcd keys them by resource), with metadata the server
 * owns (uid, creationTimestamp, resourceVersion from one counter, generation of Deployments), the field owners of
 * server-side apply, and watch events emitted on every change. Secrets' `stringData` is folded into `data`.
 */
import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import type { Owners } from './field-ownership';
import { groupVersion, type ServedResource } from './resources';
import type { Obj } from './status-error';

/** One stored object. */
export interface Stored {
  object: Obj;
  owners: Owners;
  readonly resource: ServedResource;
}

/** A watch event type. */
export type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';

/** In-memory object store with a global resourceVersion counter. */
export class ObjectStore {
  private rv = 100;
  private readonly objects = new Map<string, Stored>();
  private readonly listeners = new Set<(type: EventType, s: Stored) => void>();

  constructor(readonly resources: readonly ServedResource[]) {}

  /** The served resource of a kind. @throws Error when the stub does not serve it. */
  byKind(apiVersion: string, kind: string): ServedResource {
    const r = this.resources.find((x) => groupVersion(x) === apiVersion && x.kind === kind);
    if (!r) throw new Error(`stub does not serve ${apiVersion} ${kind}`);
    return r;
  }

  /** The latest resourceVersion (what a list returns). */
  version(): string {
    return String(this.rv);
  }

  /** Registers a change listener; returns its remover. */
  onEvent(listener: (type: EventType, s: Stored) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get(r: ServedResource, namespace: string | undefined, name: string): Stored | undefined {
    return this.objects.get(key(r, namespace, name));
  }

  /** Objects of a resource, in one namespace or all, in insertion order. */
  list(r: ServedResource, namespace: string | undefined): Stored[] {
    return [...this.objects.values()].filter((s) => s.resource === r && (namespace === undefined || s.object['metadata'].namespace === namespace));
  }

  /** Stores `object` as the new state of its key, bumping resourceVersion (and generation on spec changes). */
  save(r: ServedResource, namespace: string | undefined, object: Obj, owners: Owners, previous: Stored | undefined): Stored {
    const s = this.preview(r, namespace, object, owners, previous);
    s.object['metadata'].resourceVersion = String(++this.rv);
    this.objects.set(key(r, namespace, s.object['metadata'].name), s);
    this.emit(previous ? 'MODIFIED' : 'ADDED', s);
    return s;
  }

  /**
   * `object` as {@link save} would store it, without storing it, bumping the resourceVersion or telling watchers: what
   * a dry run (`dryRun=All`) answers. Its resourceVersion is the previous one (none for a create), as a real server's
   * dry run leaves it.
   */
  preview(r: ServedResource, namespace: string | undefined, object: Obj, owners: Owners, previous: Stored | undefined): Stored {
    const meta = object['metadata'];
    if (namespace !== undefined) meta.namespace = namespace;
    if (r.kind === 'Secret' && object['stringData']) {
      const data = { ...(object['data'] ?? {}) };
      for (const [k, v] of Object.entries(object['stringData'] as Record<string, string>)) data[k] = Buffer.from(v).toString('base64');
      object['data'] = data;
      delete object['stringData'];
    }
    meta.uid = previous?.object['metadata'].uid ?? randomUUID();
    meta.creationTimestamp = previous?.object['metadata'].creationTimestamp ?? new Date().toISOString();
    if (previous) meta.resourceVersion = previous.object['metadata'].resourceVersion;
    else delete meta.resourceVersion;
    if (r.kind === 'Deployment') {
      const changed = !previous || !isDeepStrictEqual(previous.object['spec'], object['spec']);
      meta.generation = (previous?.object['metadata'].generation ?? 0) + (changed ? 1 : 0);
    }
    return { object, owners, resource: r };
  }

  /** Deletes an object; undefined when absent. */
  delete(r: ServedResource, namespace: string | undefined, name: string): Stored | undefined {
    const s = this.get(r, namespace, name);
    if (!s) return undefined;
    this.objects.delete(key(r, namespace, name));
    this.emit('DELETED', s);
    return s;
  }

  private emit(type: EventType, s: Stored): void {
    for (const l of this.listeners) l(type, s);
  }
}

/** The object with its apiVersion and kind, as the API returns it. */
export function withType(s: Stored): Obj {
  return { apiVersion: groupVersion(s.resource), kind: s.resource.kind, ...s.object };
}

function key(r: ServedResource, namespace: string | undefined, name: string): string {
  return `${groupVersion(r)}|${r.plural}|${namespace ?? ''}|${name}`;
}
