/**
 * One HTTP(S) GET with a deadline, over node:http rather than `fetch`: Node's fetch (undici) refuses the Fetch
 * standard's "bad ports" (1, 6000, 6665-6669, 10080, …) with `fetch failed` (cause `bad port`) before it connects,
 * and a user may choose any of them for a metrics port. Errors are node:http's own, so callers can tell
 * `ECONNREFUSED` (nothing listens) and `HPE_…` (something answers, but not in HTTP) by `code`.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';

/** A whole answer. */
export interface HttpGetAnswer {
  /** HTTP status code. */
  status: number;
  /** The `content-type` header, or undefined when none was sent. */
  contentType: string | undefined;
  /** The body, read as UTF-8. */
  body: string;
}

/**
 * GETs `url` (http: or https:) and reads its whole answer.
 * @throws (rejects with) node:http's error (with its `code`: `ECONNREFUSED`, `HPE_…`, …) when the request fails, or
 *   Error `no answer within N s` when the whole answer has not come within `timeoutMs` milliseconds.
 */
export function httpGet(url: URL, timeoutMs: number): Promise<HttpGetAnswer> {
  return new Promise((resolve, reject) => {
    const fail = (err: Error) => {
      clearTimeout(timer);
      reject(err);
    };
    const req = (url.protocol === 'https:' ? httpsRequest : httpRequest)(url, { method: 'GET' }, (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', fail);
      res.on('end', () => {
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, contentType: res.headers['content-type'], body: Buffer.concat(chunks).toString('utf8') });
      });
    });
    const timer = setTimeout(() => {
      reject(new Error(`no answer within ${timeoutMs / 1000} s`));
      req.destroy();
    }, timeoutMs);
    req.on('error', fail);
    req.end();
  });
}
