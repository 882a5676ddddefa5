/**
 * Every successful answer of a Kubernetes API server is a JSON object with a `kind` (a Deployment, a Scale, a
 * PodList, an APIResourceList, a Status; Kubernetes API conventions,
 * https://github.com/kubernetes/community/blob/master/contributors/devel/sig-architecture/api-conventions.md#types-kinds).
 * client-node reads any other 2xx answer (`ok` as text/plain, an HTML page, `{}`) as an empty object, so a server
 * that passes the discovery check (api-server-check.ts) but answers the rest with something else made
 * `metatrain scale` print "scaled the workers … from 0 to 2" and succeed, and `status` and `stop` fail with
 * "Cannot read properties of undefined". This HTTP library refuses such answers with NotApiAnswerError, naming the
 * request and quoting what came. Answers of the service proxy (`…/services/NAME/proxy/…`) come from the proxied
 * service, not the API server, and are passed on as they are.
 */
import { wrapHttpLibrary, ResponseContext, type HttpLibrary, type RequestContext } from '@kubernetes/client-node';
import { findInCauseChain } from '../core/error-chain';
import { bodyExcerpt } from './answer-excerpt';

/** A path through the API server's proxy to a service, pod or node: the answer is theirs. */
const PROXY_PATH = /\/(services|pods|nodes)\/[^/]+\/proxy(\/|$)/;

/**
 * Thrown by the cluster clients' HTTP library when the API server answered a request with a 2xx answer that is not
 * a Kubernetes API object (not JSON, or JSON without `kind`). api-error.ts turns it into a KubernetesError (reason
 * `NotApiAnswer`); its fields are used there (notApiAnswerText), as client-node prefixes the message of errors of discovery.
 */
export class NotApiAnswerError extends Error {
  override readonly name = 'NotApiAnswerError';

  /**
   * @param request the request, as `GET /apis/apps/v1/namespaces/metatrain/deployments/r-worker/scale`.
   * @param answer what came, as `HTTP 200, text/plain: "ok"`.
   */
  constructor(
    readonly request: string,
    readonly answer: string,
  ) {
    super(notApiAnswerText(request, answer));
  }
}

/** `the API server's answer to REQUEST was not a Kubernetes API object (ANSWER)`. */
export function notApiAnswerText(request: string, answer: string): string {
  return `the API server's answer to ${request} was not a Kubernetes API object (${answer})`;
}

/** Whether `text` is a JSON object with a string `kind`. */
function isApiObject(text: string): boolean {
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null && typeof (parsed as { kind?: unknown }).kind === 'string';
  } catch {
    return false;
  }
}

/** The NotApiAnswerError of `error` or of its causes, or undefined. */
export function notApiAnswerOf(error: unknown): NotApiAnswerError | undefined {
  return findInCauseChain(error, (e) => (e instanceof NotApiAnswerError ? e : undefined));
}

/**
 * `http` with every 2xx answer that is not a Kubernetes API object refused (NotApiAnswerError), except answers
 * through the API server's proxy. Other answers, and errors, pass unchanged; the body of a checked answer can be read
 * again.
 */
export function apiAnswersOnly(http: HttpLibrary): HttpLibrary {
  return wrapHttpLibrary({
    async send(request: RequestContext): Promise<ResponseContext> {
      const response = await http.send(request).toPromise();
      const url = new URL(request.getUrl());
      if (response.httpStatusCode < 200 || response.httpStatusCode > 299 || PROXY_PATH.test(url.pathname)) return response;
      const text = await response.body.text();
      if (!isApiObject(text)) {
        const type = response.headers['content-type'] ?? 'no content type';
        throw new NotApiAnswerError(`${request.getHttpMethod()} ${url.pathname}`, `HTTP ${response.httpStatusCode}, ${type}: ${bodyExcerpt(text)}`);
      }
      return new ResponseContext(response.httpStatusCode, response.headers, { text: async () => text, binary: async () => Buffer.from(text, 'utf8') });
    },
  });
}
