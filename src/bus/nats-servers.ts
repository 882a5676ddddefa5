/**
 * The servers of a `nats.url` (or `--nats`), read as metatrain's NATS client (nats.js for Node,
 * ./nats-connection.ts) reads them: a comma-separated list, each `nats://HOST:PORT`, `tls://HOST:PORT` or
 * `HOST:PORT`, port {@link NATS_DEFAULT_PORT} when left out. One reading for the check of a `nats.url` or `--nats`
 * ({@link natsUrlProblem}), the client's probe of what answers (./nats-connection.ts) and the ports a Kubernetes run
 * opens to NATS (src/k8s/nats-ports.ts).
 */
import { digitsWithoutLeadingZero, urlAddress, writtenUrlTail } from '../core/host-port';

/** The NATS client port nats.js dials when a server names none (its `DEFAULT_PORT`). */
export const NATS_DEFAULT_PORT = 4222;

/** Schemes the Node client dials over TCP; it refuses `ws://` and `wss://` ("node client doesn't support websockets"). */
const TCP_SCHEMES = ['nats:', 'tls:'];

/** One server of the list. */
export interface NatsServer {
  /** As written in the list, trimmed. */
  readonly text: string;
  /** Its URL (`nats://` put before a `HOST:PORT`), undefined when it is none; it may hold a user and password, or a token (./nats-connection.ts sends them). */
  readonly url: URL | undefined;
  /**
   * Where it is, when it names a host, even with a problem (nats.js dials `http://HOST:PORT` as `HOST:PORT`):
   * `host` to dial (an IPv6 address without its brackets), `port` ({@link NATS_DEFAULT_PORT} when it names none),
   * `shown` (`HOST:PORT` for messages).
   */
  readonly address: { readonly host: string; readonly port: number; readonly shown: string } | undefined;
  /**
   * Why the client cannot use it, with what to give instead, or undefined: not a URL, no host, a scheme the client
   * does not dial over TCP (`ws://`, `http://` …), port 0, a port written with a leading zero (`04222`), or a
   * path, query or fragment after the port (`/`, `/path`, `?x=1`, `#frag`: the client ignores them), a port above
   * 65535, a user, password or token with a malformed percent-escape (`%zz`). A password in it is shown as `…`.
   */
  readonly problem: string | undefined;
}

/**
 * `text` (one server, as written) with the password in it shown as `…` (`nats://user:…@host:4222`, `nats://:…@host`),
 * and a token (a user without password, `nats://TOKEN@host`, `nats://TOKEN:@host`) as `…` too, all up to the last
 * `@`, read from the text alone, so also where it is no URL (`nats://user:pw@host:99999`, `nats://u:p/w@host`).
 */
function withoutPassword(text: string): string {
  // An optional scheme, never read as a user (`nats` of `nats://TOKEN@h`).
  const scheme = '(?:[a-z][a-z0-9+.-]*://)?(?![a-z][a-z0-9+.-]*://)';
  // Up to the last `@`: a password holding an unencoded `/ ? #` or `@` (a bad URL, said so) is hidden whole too.
  const password = new RegExp(`^(${scheme}[^/?#@:]*:).+@(?=[^@]*$)`, 'i'); // user:PASSWORD@, :PASSWORD@
  const token = new RegExp(`^(${scheme})[^:]+:?@(?=[^@]*$)`, 'i'); // TOKEN@, TOKEN:@
  return text.replace(password, '$1…@').replace(token, '$1…@');
}

/**
 * `list` (a `nats.url` or `--nats`) for messages: each server's password shown as `…`, as launch shows it
 * (`nats://user:…@127.0.0.1:4222`). Never throws.
 */
export function natsUrlShown(list: string): string {
  return list
    .split(',')
    .map((server) => {
      const text = server.trim();
      return server.replace(text, withoutPassword(text));
    })
    .join(',');
}

/**
 * Why metatrain's NATS client cannot use `list` (a `nats.url` or `--nats`): the problem of its first server that has
 * one ({@link NatsServer.problem}: `expected nats://HOST:PORT, got "http://h:4222"`, `nats://h:04222: the port has a
 * leading zero; write 4222`), or undefined. Never throws. The one check of a list as written: the config
 * (src/bus/nats-config.ts, so `run`, `coordinator` and `launch` alike) and the `--nats` flags (src/cli/options.ts)
 * make it before anything is written or dialed.
 */
export function natsUrlProblem(list: string): string | undefined {
  return natsServersOf(list).find((s) => s.problem !== undefined)?.problem;
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
    const shown = withoutPassword(text);
    const { port } = writtenUrlTail(text);
    const problem = /^[0-9]+$/.test(port) && Number(port) > 65535
      ? `${shown}: port ${port} is above 65535, the largest TCP port; give the NATS server's client port (${NATS_DEFAULT_PORT} by default)`
      : `not a URL: ${JSON.stringify(shown)}; expected nats://HOST:PORT (servers of a cluster separated by commas)`;
    return { text, url: undefined, address: undefined, problem };
  }
  const { host, port } = urlAddress(url, NATS_DEFAULT_PORT);
  const address = url.hostname === '' ? undefined : { host, port, shown: `${url.hostname}:${port}` };
  return { text, url, address, problem: problemOf(text, url, port) };
}

/** Whether `text` (a URL's user or password) percent-decodes. */
function decodes(text: string): boolean {
  try {
    decodeURIComponent(text);
    return true;
  } catch {
    return false;
  }
}

/** Why the client cannot use the server `text` (`url`, `port`), or undefined. */
function problemOf(text: string, url: URL, port: number): string | undefined {
  const shown = withoutPassword(text);
  if (['ws:', 'wss:'].includes(url.protocol)) {
    return `${shown}: metatrain's NATS client (nats.js for Node) connects over TCP and refuses ${url.protocol}// (WebSocket); give the server's client port, e.g. nats://${url.hostname}:${NATS_DEFAULT_PORT}`;
  }
  if (!TCP_SCHEMES.includes(url.protocol)) return `expected nats://HOST:PORT, got ${JSON.stringify(shown)}`;
  if (url.hostname === '') return `${JSON.stringify(shown)} names no host; expected nats://HOST:PORT`;
  if (!decodes(url.username) || !decodes(url.password)) {
    return `${shown}: its user, password or token holds a % not followed by two hex digits; percent-encode % as %25`;
  }
  if (port === 0) return `${shown} names port 0, which no server listens on; give the NATS server's client port (${NATS_DEFAULT_PORT} by default) or leave the port out`;
  const written = writtenUrlTail(text);
  if (digitsWithoutLeadingZero(written.port) !== undefined) return `${shown}: the port has a leading zero; write ${port}`;
  if (written.after !== '') {
    const part = { '/': 'a path', '?': 'a query', '#': 'a fragment' }[written.after[0] as '/' | '?' | '#'];
    return `${shown}: ${JSON.stringify(written.after)} after the ${written.port === '' ? 'host' : 'port'} is ${part}, which the NATS client ignores; write ${shown.slice(0, -written.after.length)}`;
  }
  return undefined;
}
