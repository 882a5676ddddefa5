/**
 * Opening NATS connections (the maintained `@nats-io/transport-node` client). Connections reconnect forever
 * (a restarted nats-server is picked up again without restarting metatrain), every 250 ms with jitter.
 */
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { BusError } from '../core/errors';
import { whatAnswers, type Answerer } from '../core/what-answers';
import { NATS_DEFAULT_PORT, natsServersOf, natsUrlProblem, natsUrlShown, type NatsServer } from './nats-servers';

/** Options of {@link connectNats}. */
export interface NatsConnectOptions {
  /** Connection name shown by the server (`nats server report connections`), e.g. `compressor-1234`. */
  readonly name: string;
  /** Time allowed for the first connection. @default 5000 */
  readonly timeoutMs?: number;
}

/** How long the first connection may take before the servers are probed for what answers there, in ms. */
const PROBE_AFTER_MS = 500;

/**
 * Connects to `url` (`nats://host:port`, a comma-separated list for a cluster). When the connection is not made
 * within {@link PROBE_AFTER_MS}, the servers are probed, all at once ({@link whatAnswers}, about 1 s for an HTTP
 * server): when every one of them answers as something other than NATS, the call fails then (about 1.5 s after it
 * began), not after `timeoutMs`; a list where some server may be a NATS server is left to connect. After such an
 * early failure the dial in flight runs on until `timeoutMs` (nats.js cannot abort it); a connection it makes then
 * is closed. Credentials in a server's URL are sent (nats.js itself ignores them): `nats://USER:PASSWORD@host` as
 * user and password, `nats://TOKEN@host` as a token (NATS "Authentication"), those of the first server that has any.
 * @throws BusError before dialing, naming the server and what to write, when a server of `url` has a problem
 *   ({@link natsUrlProblem}, the check of a config's `nats.url` and of `--nats`: `NATS server nats://h:04222: the port
 *   has a leading zero; write 4222`, `NATS server expected nats://HOST:PORT, got "http://h:4222"`);
 *   naming the URL when the server cannot be reached within `timeoutMs`; naming the address and the
 *   port to give instead when what answers there is not a NATS server (an HTTP monitoring or metrics port), at
 *   every server of `url` (early) or at one of them when the connection failed (the first in the list).
 */
export async function connectNats(url: string, options: NatsConnectOptions): Promise<NatsConnection> {
  const problem = natsUrlProblem(url);
  if (problem !== undefined) throw new BusError(`NATS server ${problem}`);
  const servers = natsServersOf(url);
  const credentials = credentialsOf(servers);
  const connecting = connect({
    // Without their credentials (sent as options below): nats.js reads `user:pw@localhost:4222` as an IPv6 address.
    servers: servers.map((s) => (hasCredentials(s) ? `${s.url.protocol}//${s.url.host}` : s.text)),
    ...credentials,
    name: options.name,
    timeout: options.timeoutMs ?? 5000,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 250,
  });
  let probing: Promise<NatsProbe> | undefined;
  const probeOnce = () => (probing ??= probeNatsServers(servers));
  let timer: NodeJS.Timeout | undefined;
  const refusedEarly = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => void probeOnce().then((probe) => probe.everyNotNats && reject(new BusError(probe.notNats!))), PROBE_AFTER_MS);
  });
  refusedEarly.catch(() => {}); // settles after the race when the connection came first
  try {
    return await Promise.race([connecting, refusedEarly]).finally(() => clearTimeout(timer));
  } catch (e) {
    if (e instanceof BusError) {
      connecting.then((nc) => nc.close().catch(() => {}), () => {});
      throw e;
    }
    const { notNats } = await probeOnce();
    const message = (e as Error).message;
    throw new BusError(notNats ?? `cannot connect to NATS at ${natsUrlShown(url)}: ${message}${authorizationHint(message, Object.keys(credentials).length > 0)}`, { cause: e });
  }
}

/** What to do when the server refused the connection's credentials (`message`, nats.js's error; `sent`: the URL had some), or ''. */
function authorizationHint(message: string, sent: boolean): string {
  if (!/authorization violation/i.test(message)) return '';
  return sent
    ? ' (the server refused the user and password, or the token, in the URL; a … in a URL metatrain printed stands for one to fill in, percent-encoded)'
    : ' (the server requires credentials: give them in the URL, nats://USER:PASSWORD@HOST:PORT or nats://TOKEN@HOST:PORT, percent-encoded)';
}

/**
 * The connect options for the credentials of the first server of `servers` whose URL has any (see
 * {@link connectNats}; a password without user, `nats://:TOKEN@host`, is a token too), percent-decoded (a malformed
 * escape was refused before: `natsUrlProblem`).
 */
function credentialsOf(servers: readonly NatsServer[]): { user: string; pass: string } | { token: string } | Record<string, never> {
  const url = servers.find(hasCredentials)?.url;
  if (!url) return {};
  if (url.username === '' || url.password === '') return { token: decodeURIComponent(url.username || url.password) };
  return { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) };
}

/** Whether the URL of `server` holds a user, a password or a token. */
const hasCredentials = (server: NatsServer): server is NatsServer & { readonly url: URL } =>
  server.url !== undefined && (server.url.username !== '' || server.url.password !== '');

/** What the servers of a NATS URL answered, as {@link natsProbeOf} reads it. */
export interface NatsProbe {
  /**
   * What to say about the first server of the list where something other than a NATS server answers (HTTP, or
   * bytes that are neither NATS nor TLS); undefined when there is none: nothing answers, a NATS server does, or a
   * server that speaks TLS first (it may be a NATS server with `handshake_first`), where the client's own error is said.
   */
  readonly notNats: string | undefined;
  /** Whether something other than a NATS server answers at every server that has an address (and there is one). */
  readonly everyNotNats: boolean;
}

/**
 * Reads what answered at each of `servers` ({@link whatAnswers}): `answers[i]` is what answered at `servers[i]`,
 * undefined for a server without an address (it was not probed).
 */
export function natsProbeOf(servers: readonly NatsServer[], answers: readonly (Answerer | undefined)[]): NatsProbe {
  const isNotNats = (answerer: Answerer | undefined) => answerer === 'http' || answerer === 'other';
  const probed = servers.flatMap(({ address }, i) => (address === undefined ? [] : [{ address, answerer: answers[i] }]));
  const first = probed.find((p) => isNotNats(p.answerer));
  return {
    notNats: first && `${first.address.shown} answered, but not as a NATS server${first.answerer === 'http' ? ' (it looks like HTTP)' : ''}: give the NATS client port (${NATS_DEFAULT_PORT} by default), not the monitoring or metrics port`,
    everyNotNats: first !== undefined && probed.every((p) => isNotNats(p.answerer)),
  };
}

/** Probes every server of `servers` that has an address, all at once, and reads the answers ({@link natsProbeOf}). */
async function probeNatsServers(servers: readonly NatsServer[]): Promise<NatsProbe> {
  return natsProbeOf(servers, await Promise.all(servers.map(({ address }) => address && whatAnswers(address.host, address.port))));
}
