/**
 * Why a listening socket could not be bound, from the code listen(2) or getaddrinfo(3) failed with, and which part
 * of the `host:port` is at fault, so that the error names the setting to change: the coordinator's gRPC listener
 * (`--listen`, `runtime.listen`) and the metrics endpoints of every process (`--metrics-host`, `--metrics-port`,
 * `METATRAIN_METRICS_PORT`, `runtime.metricsPort`) report through it.
 */
import { isIP } from 'node:net';
import { ListenError } from './errors';

/** What each known code means and which part of the address it is about. */
const FAILURES: Readonly<Record<string, { part: 'host' | 'port'; why: string }>> = {
  EADDRINUSE: { part: 'port', why: 'the port is in use (another metatrain process, or another service; port 0 picks a free one)' },
  EACCES: { part: 'port', why: 'permission denied (ports below 1024 need privileges)' },
  EADDRNOTAVAIL: { part: 'host', why: 'the host is not an address of this machine (0.0.0.0 listens on all of them)' },
  ENOTFOUND: { part: 'host', why: 'the host name does not resolve' },
  EAI_AGAIN: { part: 'host', why: 'the host name could not be resolved (DNS unavailable)' },
  EAFNOSUPPORT: { part: 'host', why: 'this machine has no network of the address family of the host (IPv6 switched off?)' },
  EINVAL: { part: 'host', why: 'the host cannot be listened on (an IPv6 link-local address needs its interface, e.g. fe80::1%eth0)' },
};

/** The settings that chose each part of the address, named first in the error, e.g. `{ host: '--metrics-host', port: 'METATRAIN_METRICS_PORT' }`. */
export interface ListenSettings {
  readonly host?: string;
  readonly port?: string;
}

/** `host:port` as written in a message and a URL: an IPv6 host in brackets (`[::1]:9464`). */
export function hostAndPort(host: string, port: number): string {
  return isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;
}

/**
 * The error for a socket that could not be bound at `address`: `SETTING: cannot listen on ADDRESS: WHY (CODE)`, with
 * the setting of the part at fault (both, `HOST SETTING / PORT SETTING`, when the code does not tell which), e.g.
 * `--metrics-host: cannot listen on 10.9.9.9:9464: the host is not an address of this machine (0.0.0.0 listens on
 * all of them) (EADDRNOTAVAIL)`; without that setting, the message starts at `cannot listen`. An unknown code keeps
 * the system's message as the reason.
 * @param address the `host:port` that was to be bound ({@link hostAndPort}).
 * @param err what `listen` failed with (its `error` event).
 */
export function listenError(address: string, err: NodeJS.ErrnoException, settings: ListenSettings = {}): ListenError {
  const known = err.code === undefined ? undefined : FAILURES[err.code];
  const setting = known ? settings[known.part] : [settings.host, settings.port].filter(Boolean).join(' / ');
  const message = `${setting ? `${setting}: ` : ''}cannot listen on ${address}: ${known?.why ?? err.message} (${err.code ?? 'error'})`;
  return new ListenError(address, known?.part, err.code, message, { cause: err });
}
