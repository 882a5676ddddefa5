/**
 * The Kubernetes API calls the in-cluster coordinator makes, in one list: the coordinator's Role is rendered from
 * it (least privilege), and a test records the requests the code really sends and compares them with it.
 * Attributes are those RBAC authorizes on (https://kubernetes.io/docs/reference/access-authn-authz/authorization/#review-your-request-attributes).
 */
import { runNames } from './names';

/** One kind of API request, as RBAC sees it. */
export interface ApiCall {
  /** RBAC verb: `get`, `list`, `watch`, `patch`, ... */
  readonly verb: string;
  /** API group; `''` is the core group. */
  readonly apiGroup: string;
  /** Resource, with `/subresource` where there is one (`deployments/scale`). */
  readonly resource: string;
  /** Object name when the call targets one object (RBAC `resourceNames`); absent for collections. */
  readonly resourceName?: string;
  /** The code that makes the call. */
  readonly by: string;
}

/** Calls made by the coordinator of run `run`: watching its worker pods and scaling its worker Deployment. */
export function coordinatorApiCalls(run: string): readonly ApiCall[] {
  const worker = runNames(run).worker;
  return [
    { verb: 'list', apiGroup: '', resource: 'pods', by: 'WorkerPodWatcher.start (informer list)' },
    { verb: 'watch', apiGroup: '', resource: 'pods', by: 'WorkerPodWatcher (informer watch)' },
    { verb: 'get', apiGroup: 'apps', resource: 'deployments/scale', resourceName: worker, by: 'scaleWorkers (current replicas)' },
    { verb: 'patch', apiGroup: 'apps', resource: 'deployments/scale', resourceName: worker, by: 'scaleWorkers (set replicas)' },
  ];
}
