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
import { expectedKind, withArticle } from './answer-kind';

/** A path through the API server's proxy to a service, pod or node: the answer is theirs. */
const PROXY_PATH = /\/(services|pods|nodes)\/[^/]+\/proxy(\/|$)/;

/**
 * What is wrong with an answer: `object` (not a Kubernetes API object), `kind` (an API object of another kind than
 * the request asks for, answer-kind.ts), `content-type` (an API object sent with another Content-Type than JSON,
 * which client-node cannot read).
 */
export type NotApiAnswerProblem = 'object' | 'kind' | 'content-type';

/**
 * Thrown by the cluster clients' HTTP library when the API server answered a request with a 2xx answer that is not
 * a Kubernetes API object (not JSON, or JSON without `kind`), is one of another kind than the request asks for (a Foo
 * to `GET …/scale`), or comes with a Content-Type other than JSON. api-error.ts turns it into a KubernetesError (reason
 * `NotApiAnswer`); its fields are used there (notApiAnswerText), as client-node prefixes the message of errors of discovery.
 */
export class NotApiAnswerError extends Error {
  override readonly name = 'NotApiAnswerError';

  /**
   * @param request the request, as `GET /apis/apps/v1/namespaces/metatrain/deployments/r-worker/scale`.
   * @param answer what came: for `object` as `HTTP 200, text/plain: "ok"`; for `kind` as `a Foo, not a Scale`; for
   *   `content-type` as `with Content-Type application/octet-stream, not application/json`.
   * @param problem what is wrong with it.
   */
  constructor(
    readonly request: string,
    readonly answer: string,
    readonly problem: NotApiAnswerProblem = 'object',
  ) {
    super(notApiAnswerText(request, answer, problem));
  }
}

/**
 * `the API server's answer to REQUEST was not a Kubernetes API object (ANSWER)`; for `kind` `the API server's answer to
 * REQUEST was a Foo, not a Scale`; for `content-type` `the API server answered REQUEST with Content-Type …, not application/json`.
 */
export function notApiAnswerText(request: string, answer: string, problem: NotApiAnswerProblem = 'object'): string {
  if (problem === 'content-type') return `the API server answered ${request} ${answer}`;
  return `the API server's answer to ${request} was ${problem === 'kind' ? answer : `not a Kubernetes API object (${answer})`}`;
}

/** Whether a Content-Type is JSON (`application/json`, `application/…+json`, parameters aside), as client-node reads it. */
function isJsonType(type: string): boolean {
  return /^application\/([\w.-]+\+)?json$/.test(type.split(';')[0]!.trim().toLowerCase());
}

/** The `kind` of `text` when it is a JSON object with a string `kind`, else undefined. */
function kindOf(text: string): string | undefined {
  try {
    const parsed: unknown = JSON.parse(text);
    const kind = typeof parsed === 'object' && parsed !== null ? (parsed as { kind?: unknown }).kind : undefined;
    return typeof kind === 'string' ? kind : undefined;
  } catch {
    return undefined;
  }
}

/** The NotApiAnswerError of `error` or of its causes, or undefined. */
export function notApiAnswerOf(error: unknown): NotApiAnswerError | undefined {
  return findInCauseChain(error, (e) => (e instanceof NotApiAnswerError ? e : undefined));
}

/**
 * `http` with every 2xx answer that is not a Kubernetes API object, or is one of another kind than the request asks
 * for (answer-kind.ts), refused (NotApiAnswerError), except answers through the API server's proxy. Other answers, and errors, pass unchanged; the body of a checked answer can be read
 * again.
 */
export function apiAnswersOnly(http: HttpLibrary): HttpLibrary {
  return wrapHttpLibrary({
    async send(request: RequestContext): Promise<ResponseContext> {
      const response = await http.send(request).toPromise();
      const url = new URL(request.getUrl());
      if (response.httpStatusCode < 200 || response.httpStatusCode > 299 || PROXY_PATH.test(url.pathname)) return response;
      const text = await response.body.text();
      const kind = kindOf(text);
      const asked = `${request.getHttpMethod()} ${url.pathname}`;
      const type = response.headers['content-type'];
      if (kind === undefined) throw new NotApiAnswerError(asked, `HTTP ${response.httpStatusCode}, ${type ?? 'no content type'}: ${bodyExcerpt(text)}`);
      if (type === undefined || !isJsonType(type)) throw new NotApiAnswerError(asked, `${type === undefined ? 'without a Content-Type' : `with Content-Type ${type}`}, not application/json`, 'content-type');
      const expected = expectedKind(request.getHttpMethod(), url);
      if (expected !== undefined && !expected.accepts(kind)) throw new NotApiAnswerError(asked, `${withArticle(kind)}, not ${expected.words}`, 'kind');
      return new ResponseContext(response.httpStatusCode, response.headers, { text: async () => text, binary: async () => Buffer.from(text, 'utf8') });
    },
  });
}
