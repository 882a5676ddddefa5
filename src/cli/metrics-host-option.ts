/** The `--metrics-host` option of `worker` and `compressor`: the address their metrics endpoints listen on. */
import { InvalidArgumentError, Option } from 'commander';
import { isIP } from 'node:net';

/** What the option takes, for its errors. */
const WANTED = 'a host name or IP address to listen on (0.0.0.0 = all addresses)';

/**
 * Parses a `--metrics-host` value: a host name (letters, digits, `.`, `-`, `_`) or an IPv4 or IPv6 address; an IPv6
 * address may come in brackets (`[::1]`), which are dropped (Node's listen takes it bare).
 * @returns the host to listen on.
 * @throws InvalidArgumentError (commander prefixes the option and the value) for an empty value (Node would take it
 *   for all addresses), one with a scheme (`http://`) or a port (`127.0.0.1:9464`: the port is `--metrics-port`), or
 *   one with characters no host name has (spaces, `/`); a well-formed host that does not resolve, or is not this
 *   machine's, is refused when it is bound, naming this option (src/core/listen-failure.ts).
 */
export function metricsHost(value: string): string {
  const bare = /^\[(.*)\]$/.exec(value)?.[1] ?? value;
  if (isIP(bare) === 6) return bare;
  if (bare.trim() === '') throw new InvalidArgumentError(`expected ${WANTED}, got ${value === '' ? 'an empty string' : JSON.stringify(value)}`);
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(value);
  if (scheme) throw new InvalidArgumentError(`expected ${WANTED} without a scheme (drop ${scheme[1]}://)`);
  if (/^[^:]*:[0-9]*$/.test(value)) throw new InvalidArgumentError(`expected ${WANTED} without a port (give the port with --metrics-port)`);
  if (!/^[A-Za-z0-9._-]+$/.test(bare)) throw new InvalidArgumentError(`expected ${WANTED}: letters, digits, '.', '-' and '_', or an IP address`);
  return bare;
}

/** `--metrics-host <host>`, default 0.0.0.0, parsed by {@link metricsHost}. */
export function metricsHostOption(): Option {
  return new Option('--metrics-host <host>', 'address the metrics port listens on, 0.0.0.0 = all').default('0.0.0.0').argParser(metricsHost);
}
