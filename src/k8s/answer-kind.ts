/**
 * Which `kind` a Kubernetes API server answers a request with, read from the request's method and path (Kubernetes
 * API concepts, https://kubernetes.io/docs/reference/using-api/api-concepts/#resource-uris): `GET /api/v1` an
 * APIResourceList, `GET /apis` an APIGroupList, `GET …/deployments` a DeploymentList, `GET …/deployments/NAME` a
 * Deployment, `…/deployments/NAME/scale` a Scale, `DELETE …/deployments/NAME` a Status or the Deployment. A resource
 * is matched to a kind as the API server guesses it (k8s.io/apimachinery `UnsafeGuessKindToResource`: lower case,
 * `s` → `ses`, `y` → `ies`, else `s`).
 */
import { RUN_KINDS } from './render-run';

/** The kinds an answer may have, and the words naming them (`a Scale`, `a Status or a Deployment`). */
export interface ExpectedKind {
  /** Whether an answer of `kind` is one the request asks for. */
  accepts(kind: string): boolean;
  /** The expected kinds in words, with their article: `a Deployment`, `an APIResourceList`. */
  readonly words: string;
}

/** Kinds metatrain reads, for naming the kind of a resource (`persistentvolumeclaims` → `PersistentVolumeClaim`). */
const KNOWN_KINDS = ['Namespace', 'Pod', ...RUN_KINDS.map((k) => k.kind)];

/** The resource (plural, lower case) the API server serves `kind` as. */
function resourceOfKind(kind: string): string {
  const singular = kind.toLowerCase();
  if (singular.endsWith('s')) return `${singular}es`;
  if (singular.endsWith('y')) return `${singular.slice(0, -1)}ies`;
  return `${singular}s`;
}

/** `a Foo` or `an APIResourceList`. */
export function withArticle(kind: string): string {
  return `${/^[AEIOU]/i.test(kind) ? 'an' : 'a'} ${kind}`;
}

/** One exact kind. */
function exactly(kind: string): ExpectedKind {
  return { accepts: (k) => k === kind, words: withArticle(kind) };
}

/** The kind of `resource` (its List when `list`), named by KNOWN_KINDS or else as `a deployments object`. */
function ofResource(resource: string, list: boolean): ExpectedKind {
  const known = KNOWN_KINDS.find((k) => resourceOfKind(k) === resource);
  const suffix = list ? 'List' : '';
  return {
    accepts: (k) => k.endsWith(suffix) && resourceOfKind(k.slice(0, k.length - suffix.length)) === resource,
    words: known !== undefined ? withArticle(known + suffix) : `${list ? 'a list of' : 'one of'} ${resource}`,
  };
}

/** A Status (what most deletions answer) or `other` (what deletions of objects with finalizers answer). */
function statusOr(other: ExpectedKind): ExpectedKind {
  return { accepts: (k) => k === 'Status' || other.accepts(k), words: `a Status or ${other.words}` };
}

/**
 * The kind the API server answers `method` `url` with on success, or undefined where the path does not tell
 * (watches, proxies, logs and other subresources, paths outside `/api` and `/apis`).
 */
export function expectedKind(method: string, url: URL): ExpectedKind | undefined {
  if (url.searchParams.get('watch') === 'true' || url.searchParams.get('watch') === '1') return undefined;
  const parts = url.pathname.split('/').filter((p) => p !== '');
  let rest: string[];
  if (parts[0] === 'api') {
    if (parts.length === 1) return exactly('APIVersions');
    rest = parts.slice(2);
  } else if (parts[0] === 'apis') {
    if (parts.length === 1) return exactly('APIGroupList');
    if (parts.length === 2) return exactly('APIGroup');
    rest = parts.slice(3);
  } else {
    return undefined;
  }
  if (rest.length === 0) return exactly('APIResourceList');
  // `namespaces/NS/pods…` is namespaced; `namespaces/NS/status` and `…/finalize` are the Namespace's own subresources.
  if (rest[0] === 'namespaces' && rest.length >= 3 && !(rest.length === 3 && (rest[2] === 'status' || rest[2] === 'finalize'))) rest = rest.slice(2);
  const [resource, , subresource] = rest;
  if (resource === undefined) return undefined;
  const verb = method.toUpperCase();
  if (rest.length === 1) {
    if (verb === 'GET') return ofResource(resource, true);
    if (verb === 'POST') return ofResource(resource, false);
    if (verb === 'DELETE') return statusOr(ofResource(resource, true));
    return undefined;
  }
  if (rest.length === 2) return verb === 'DELETE' ? statusOr(ofResource(resource, false)) : ofResource(resource, false);
  if (rest.length === 3 && subresource === 'scale') return exactly('Scale');
  if (rest.length === 3 && subresource === 'status') return ofResource(resource, false);
  return undefined;
}
