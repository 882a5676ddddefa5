/**
 * Opening NATS connections (the maintained `@nats-io/transport-node` client). Connections reconnect forever
 * (a restarted nats-server is picked up again without restarting metatrain), every 250 ms with jitter.
 */
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { BusError } from '../core/errors';

/** Options of {@link connectNats}. */
export interface NatsConnectOptions {
  /** Connection name shown by the server (`nats server report connections`), e.g. `compressor-1234`. */
  readonly name: string;
  /** Time allowed for the first connection. @default 5000 */
  readonly timeoutMs?: number;
}

/**
 * Connects to `url` (`nats://host:port`, a comma-separated list for a cluster).
 * @throws BusError naming the URL when the server cannot be reached within `timeoutMs`.
 */
export async function connectNats(url: string, options: NatsConnectOptions): Promise<NatsConnection> {
  try {
    return await connect({
      servers: url.split(',').map((s) => s.trim()),
      name: options.name,
      timeout: options.timeoutMs ?? 5000,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 250,
    });
  } catch (e) {
    throw new BusError(`cannot connect to NATS at ${url}: ${(e as Error).message}`, { cause: e });
  }
}
