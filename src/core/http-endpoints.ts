/**
 * The small HTTP server every metatrain process (coordinator, worker, compressor) serves on its metrics port:
 * - `GET /metrics`: the Prometheus text exposition (format 0.0.4) of an injected prom-client registry;
 * - `GET /healthz`: liveness, 200 while the event loop answers;
 * - `GET /readyz`: readiness, 200 when `ready()` holds, else 503 (Kubernetes probes);
 * - `GET /status`: JSON from `status()` when given (the coordinator's run status), else 404.
 * Other paths answer 404, other methods 405. Nothing here writes state.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { hostAndPort, listenError } from './listen-failure';

/** What the endpoints serve. */
export interface HttpEndpointsOptions {
  registry: Registry;
  /** Port; 0 picks a free one. */
  port: number;
  /** Bind address. @default 0.0.0.0 */
  host?: string;
  /** Readiness for `/readyz`. @default always ready */
  ready?: () => boolean;
  /** Body of `/status` (serialised as JSON; non-finite numbers become null). */
  status?: () => unknown;
  /** What chose the port (`runtime.metricsPort`), named first in the error when the port cannot be bound (in use, privileged). @default none */
  portSetting?: string;
  /**
   * What chose the host (`--metrics-host`, `runtime.listen`), named first in the error when the host cannot be bound
   * (a name that does not resolve, an address not on this machine). @default none
   */
  hostSetting?: string;
}

/** A listening endpoints server. */
export interface HttpEndpoints {
  /** Bound port. */
  readonly port: number;
  /** `host:port` to scrape. */
  readonly address: string;
  /** Stops listening and closes open connections. */
  close(): Promise<void>;
}

function send(res: ServerResponse, code: number, type: string, body: string): void {
  res.writeHead(code, { 'content-type': type, 'cache-control': 'no-store' });
  res.end(body);
}

async function handle(o: HttpEndpointsOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = new URL(req.url ?? '/', 'http://localhost').pathname;
  const known = ['/metrics', '/healthz', '/readyz', '/status'];
  if (!known.includes(path)) return send(res, 404, 'text/plain; charset=utf-8', `not found: ${path} (serving ${known.join(', ')})\n`);
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('allow', 'GET, HEAD');
    return send(res, 405, 'text/plain; charset=utf-8', 'method not allowed\n');
  }
  switch (path) {
    case '/metrics':
      return send(res, 200, o.registry.contentType, await o.registry.metrics());
    case '/healthz':
      return send(res, 200, 'text/plain; charset=utf-8', 'ok\n');
    case '/readyz': {
      const ready = o.ready?.() ?? true;
      return send(res, ready ? 200 : 503, 'text/plain; charset=utf-8', ready ? 'ready\n' : 'not ready\n');
    }
    default:
      if (!o.status) return send(res, 404, 'text/plain; charset=utf-8', 'this process serves no run status\n');
      return send(res, 200, 'application/json; charset=utf-8', `${JSON.stringify(o.status())}\n`);
  }
}

/** The host part of a `host:port` listen address (`0.0.0.0:7070` → `0.0.0.0`, `[::]:7070` → `::`). */
export function listenHost(address: string): string {
  const host = address.slice(0, Math.max(0, address.lastIndexOf(':')));
  return host.replace(/^\[(.*)\]$/, '$1') || '0.0.0.0';
}

/**
 * Starts the server.
 * @throws ListenError (src/core/listen-failure.ts) when it cannot be bound, its message led by the setting of the
 *   part at fault when given: `portSetting` for a port in use or privileged (`runtime.metricsPort: cannot listen on
 *   127.0.0.1:9464: the port is in use (…) (EADDRINUSE)`), `hostSetting` for a host that does not resolve or is not
 *   this machine's (`--metrics-host: cannot listen on 10.9.9.9:9464: the host is not an address of this machine (…)
 *   (EADDRNOTAVAIL)`); the cause chained.
 */
export function serveHttpEndpoints(o: HttpEndpointsOptions): Promise<HttpEndpoints> {
  const server = createServer((req, res) => {
    handle(o, req, res).catch((err: Error) => {
      if (!res.headersSent) send(res, 500, 'text/plain; charset=utf-8', `${err.message}\n`);
      else res.destroy(err);
    });
  });
  const host = o.host ?? '0.0.0.0';
  return new Promise((resolve, reject) => {
    const refused = (err: NodeJS.ErrnoException) => reject(listenError(hostAndPort(host, o.port), err, { host: o.hostSetting, port: o.portSetting }));
    server.once('error', refused);
    server.listen(o.port, host, () => {
      server.off('error', refused);
      const port = (server.address() as AddressInfo).port;
      resolve({
        port,
        address: `${host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host}:${port}`,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}
