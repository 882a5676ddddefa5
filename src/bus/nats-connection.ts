/**
 * Opening NATS connections (the maintained `@nats-io/transport-node` client). Connections reconnect forever
 * (a restarted nats-server is picked up again without restarting metatrain), every 250 ms with jitter.
 */
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { BusError } from '../core/errors';
import { whatAnswers } from '../core/what-answers';
import { isMisreadNatsServer, NATS_DEFAULT_PORT, natsServersOf, natsUrlShown, type NatsServer } from './nats-servers';

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
 * within {@link PROBE_AFTER_MS}, the servers are probed ({@link whatAnswers}, about 1.5 s for an HTTP server): one
 * that answers as something other than NATS fails the call then, not after `timeoutMs`.
 * @throws BusError before dialing, naming the server and what to write, when a `nats://` or `tls://` server of `url`
 *   has a problem ({@link isMisreadNatsServer}: `NATS server nats://h:04222: the port has a leading zero; write 4222`);
 *   naming the URL when the server cannot be reached within `timeoutMs`; naming the address and the
 *   port to give instead when what answers there is not a NATS server (an HTTP monitoring or metrics port).
 */
export async function connectNats(url: string, options: NatsConnectOptions): Promise<NatsConnection> {
  const servers = natsServersOf(url);
  const misread = servers.find(isMisreadNatsServer);
  if (misread) throw new BusError(`NATS server ${misread.problem}`);
  const connecting = connect({
    servers: servers.map((s) => s.text),
    name: options.name,
    timeout: options.timeoutMs ?? 5000,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 250,
  });
  let probe: NodeJS.Timeout | undefined;
  const notNatsEarly = new Promise<never>((_resolve, reject) => {
    probe = setTimeout(() => void notNatsServer(servers).then((notNats) => notNats !== undefined && reject(new BusError(notNats))), PROBE_AFTER_MS);
  });
  notNatsEarly.catch(() => {}); // settles after the race when the connection came first
  try {
    return await Promise.race([connecting, notNatsEarly]);
  } catch (e) {
    if (e instanceof BusError) {
      connecting.then((nc) => nc.close(), () => {});
      throw e;
    }
    const notNats = await notNatsServer(servers);
    throw new BusError(notNats ?? `cannot connect to NATS at ${natsUrlShown(url)}: ${(e as Error).message}`, { cause: e });
  } finally {
    clearTimeout(probe);
  }
}

/**
 * What to say when something other than a NATS server answers at one of `servers`: HTTP, or bytes that are neither
 * NATS nor TLS. Else undefined: nothing answers, a NATS server does, or a server that speaks TLS first (it may be a
 * NATS server with `handshake_first`), where the client's own error is said.
 */
async function notNatsServer(servers: readonly NatsServer[]): Promise<string | undefined> {
  for (const { address } of servers) {
    if (address === undefined) continue;
    const answerer = await whatAnswers(address.host, address.port);
    if (answerer !== 'http' && answerer !== 'other') continue;
    return `${address.shown} answered, but not as a NATS server${answerer === 'http' ? ' (it looks like HTTP)' : ''}: give the NATS client port (${NATS_DEFAULT_PORT} by default), not the monitoring or metrics port`;
  }
  return undefined;
}
