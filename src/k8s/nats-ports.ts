/**
 * The TCP ports a run's `nats.url` names, for the compressor's NetworkPolicy, read as metatrain's NATS client reads
 * the server list (src/bus/nats-servers.ts).
 */
import { natsServersOf } from '../bus/nats-servers';
import { ConfigError } from '../core/errors';

/**
 * Every distinct port of the servers of `url`, a `nats.url` of a validated config (its syntax is checked as the config
 * is read: src/bus/nats-config.ts), in the order they first appear.
 * @throws ConfigError at `nats.url` naming the server at fault when one holds a user or password (nats.js ignores
 *   them, and on Kubernetes the URL is stored in plain text in the run's ConfigMap and the compressor's arguments;
 *   the password is not echoed).
 */
export function natsPortsOf(url: string): number[] {
  const ports: number[] = [];
  for (const server of natsServersOf(url)) {
    const parsed = server.url;
    if (parsed !== undefined && (parsed.username !== '' || parsed.password !== '')) {
      throw new ConfigError(
        'nats.url',
        `${parsed.protocol}//${parsed.password ? `${parsed.username}:…` : '…'}@${parsed.host} holds credentials, which are not supported on Kubernetes: the URL is stored in plain text in the run's ConfigMap and the compressor's arguments; give nats://HOST:PORT of a NATS server that admits the run's pods without credentials`,
      );
    }
    if (server.address !== undefined && !ports.includes(server.address.port)) ports.push(server.address.port);
  }
  return ports;
}
