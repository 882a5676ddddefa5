/**
 * The TCP ports a run's `nats.url` names, for the compressor's NetworkPolicy, read as metatrain's NATS client
 * (nats.js for Node, src/bus/nats-connection.ts) reads it: a comma-separated list of servers, each `nats://HOST:PORT`,
 * `tls://HOST:PORT` or `HOST:PORT`, port 4222 when left out.
 */
import { ConfigError } from '../core/errors';

/** The NATS client port nats.js dials when a server of `nats.url` names none (its `DEFAULT_PORT`). */
export const NATS_DEFAULT_PORT = 4222;

/** Schemes the Node client dials over TCP; it refuses `ws://` and `wss://` ("node client doesn't support websockets"). */
const TCP_SCHEMES = ['nats:', 'tls:'];

/**
 * Every distinct port of the servers of `url`, in the order they first appear.
 * @throws ConfigError at `nats.url` naming the server at fault when one is no URL or names no host, uses a scheme
 *   the client does not dial (`ws://`, `wss://`, `http://` …), names port 0, or holds a user or password (nats.js
 *   ignores them, and on Kubernetes the URL is stored in plain text in the run's ConfigMap and the compressor's
 *   arguments; the password is not echoed).
 */
export function natsPortsOf(url: string): number[] {
  const ports: number[] = [];
  for (const server of url.split(',').map((s) => s.trim())) {
    const port = serverPort(server);
    if (!ports.includes(port)) ports.push(port);
  }
  return ports;
}

/** The port of one server of `nats.url` (see {@link natsPortsOf}). */
function serverPort(server: string): number {
  let parsed: URL;
  try {
    parsed = new URL(server.includes('://') ? server : `nats://${server}`);
  } catch (err) {
    throw new ConfigError('nats.url', `not a URL: ${JSON.stringify(server)}; expected nats://HOST:PORT (servers of a cluster separated by commas)`, { cause: err });
  }
  if (parsed.username !== '' || parsed.password !== '') {
    throw new ConfigError(
      'nats.url',
      `${parsed.protocol}//${parsed.username}${parsed.password ? ':…' : ''}@${parsed.host} holds credentials, which are not supported on Kubernetes: the URL is stored in plain text in the run's ConfigMap and the compressor's arguments (and metatrain's NATS client does not send them); give nats://HOST:PORT of a NATS server that admits the run's pods without credentials`,
    );
  }
  if (['ws:', 'wss:'].includes(parsed.protocol)) {
    throw new ConfigError('nats.url', `${server}: metatrain's NATS client (nats.js for Node) connects over TCP and refuses ${parsed.protocol}// (WebSocket); give the server's client port, e.g. nats://${parsed.hostname}:${NATS_DEFAULT_PORT}`);
  }
  if (!TCP_SCHEMES.includes(parsed.protocol)) throw new ConfigError('nats.url', `expected nats://HOST:PORT, got ${JSON.stringify(server)}`);
  if (parsed.hostname === '') throw new ConfigError('nats.url', `${JSON.stringify(server)} names no host; expected nats://HOST:PORT`);
  if (parsed.port === '') return NATS_DEFAULT_PORT;
  const port = Number(parsed.port);
  if (port === 0) throw new ConfigError('nats.url', `${server} names port 0, which no server listens on; give the NATS server's client port (${NATS_DEFAULT_PORT} by default) or leave the port out`);
  return port;
}
