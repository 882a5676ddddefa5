/**
 * The servers of a `nats.url` (or `--nats`), read as metatrain's NATS client (nats.js for Node,
 * ./nats-connection.ts) reads them: a comma-separated list, each `nats://HOST:PORT`, `tls://HOST:PORT` or
 * `HOST:PORT`, port {@link NATS_DEFAULT_PORT} when left out. One reading for the client's probe of what answers
 * (./nats-connection.ts) and the ports a Kubernetes run opens to NATS (src/k8s/nats-ports.ts).
 */

/** The NATS client port nats.js dials when a server names none (its `DEFAULT_PORT`). */
export const NATS_DEFAULT_PORT = 4222;

/** Schemes the Node client dials over TCP; it refuses `ws://` and `wss://` ("node client doesn't support websockets"). */
const TCP_SCHEMES = ['nats:', 'tls:'];

/** One server of the list. */
export interface NatsServer {
  /** As written in the list, trimmed. */
  readonly text: string;
  /** Its URL (`nats://` put before a `HOST:PORT`), undefined when it is none; it may hold a user and password, which nats.js does not send. */
  readonly url: URL | undefined;
  /**
   * Where it is, when it names a host, even with a problem (nats.js dials `http://HOST:PORT` as `HOST:PORT`):
   * `host` to dial (an IPv6 address without its brackets), `port` ({@link NATS_DEFAULT_PORT} when it names none),
   * `shown` (`HOST:PORT` for messages).
   */
  readonly address: { readonly host: string; readonly port: number; readonly shown: string } | undefined;
  /**
   * Why the client cannot use it, with what to give instead, or undefined: not a URL, no host, a scheme the client
   * does not dial over TCP (`ws://`, `http://` …), port 0. A password in it is shown as `…`.
   */
  readonly problem: string | undefined;
}

/** `text` (one server, as written) with the password of `url` in it shown as `…`: `nats://user:…@host:4222`. */
function withoutPassword(text: string, url: URL): string {
  return url.password === '' ? text : text.replace(`:${url.password}@`, ':…@');
}

/**
 * `list` (a `nats.url` or `--nats`) for messages: each server's password shown as `…`, as launch shows it
 * (`nats://user:…@127.0.0.1:4222`). Never throws.
 */
export function natsUrlShown(list: string): string {
  return list
    .split(',')
    .map((server) => {
      const { text, url } = natsServerOf(server.trim());
      return url === undefined ? server : server.replace(text, withoutPassword(text, url));
    })
    .join(',');
}

/** Every server of `list` (comma-separated), in order. Never throws. */
export function natsServersOf(list: string): NatsServer[] {
  return list.split(',').map((s) => natsServerOf(s.trim()));
}

/** One server of a list ({@link natsServersOf}). */
function natsServerOf(text: string): NatsServer {
  let url: URL;
  try {
    url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `nats://${text}`);
  } catch {
    return { text, url: undefined, address: undefined, problem: `not a URL: ${JSON.stringify(text)}; expected nats://HOST:PORT (servers of a cluster separated by commas)` };
  }
  const port = url.port === '' ? NATS_DEFAULT_PORT : Number(url.port);
  const address = url.hostname === '' ? undefined : { host: url.hostname.replace(/^\[|\]$/g, ''), port, shown: `${url.hostname}:${port}` };
  return { text, url, address, problem: problemOf(text, url, port) };
}

/** Why the client cannot use the server `text` (`url`, `port`), or undefined. */
function problemOf(text: string, url: URL, port: number): string | undefined {
  const shown = withoutPassword(text, url);
  if (['ws:', 'wss:'].includes(url.protocol)) {
    return `${shown}: metatrain's NATS client (nats.js for Node) connects over TCP and refuses ${url.protocol}// (WebSocket); give the server's client port, e.g. nats://${url.hostname}:${NATS_DEFAULT_PORT}`;
  }
  if (!TCP_SCHEMES.includes(url.protocol)) return `expected nats://HOST:PORT, got ${JSON.stringify(shown)}`;
  if (url.hostname === '') return `${JSON.stringify(shown)} names no host; expected nats://HOST:PORT`;
  if (port === 0) return `${shown} names port 0, which no server listens on; give the NATS server's client port (${NATS_DEFAULT_PORT} by default) or leave the port out`;
  return undefined;
}
