/**
 * The error for a `metatrain watch --coordinator` address where something answers, but not as a coordinator's
 * status endpoint (status-client.ts decides that): it names the address, what answered, and the port or flag to
 * use instead. A NATS server (the usual mistake: port 4222) is recognized by the `INFO {…}` line it greets every
 * connection with (src/core/what-answers.ts), and pointed to `--nats`.
 */
import { urlAddress } from '../core/host-port';
import { whatAnswers } from '../core/what-answers';
import { NotCoordinatorError } from '../core/errors';

/** Host and port of `target` (`host:port`, `[v6]:port` or an `http(s)://` URL), or undefined when it holds none. */
function hostPort(target: string): { host: string; port: number } | undefined {
  if (/^https?:\/\//i.test(target)) return urlAddress(new URL(target));
  const m = /^\[?(.+?)\]?:(\d+)$/.exec(target);
  return m ? { host: m[1]!, port: Number(m[2]) } : undefined;
}

/**
 * A {@link NotCoordinatorError} for `target`, saying `what` answered there (e.g. `HTTP 404 from …`) and which
 * address to give instead; when a NATS server answers at it, that it is one and to follow the run with `--nats`.
 */
export async function notCoordinatorError(target: string, what: string, cause?: unknown): Promise<NotCoordinatorError> {
  const at = hostPort(target);
  const nats = at !== undefined && (await whatAnswers(at.host, at.port)) === 'nats';
  return notCoordinator(target, what, nats ? at : undefined, cause);
}

/**
 * A {@link NotCoordinatorError} for `target` when a NATS server answers at it (the status RPC's address of `watch
 * --coordinator` given a NATS port), else undefined: asked where the run token cannot be read, so that a NATS port
 * is said as such, not as a missing token (`cause`) it would not take either.
 */
export async function natsServerError(target: string, cause?: unknown): Promise<NotCoordinatorError | undefined> {
  const at = hostPort(target);
  if (at === undefined || (await whatAnswers(at.host, at.port)) !== 'nats') return undefined;
  return notCoordinator(target, 'it greets with the INFO line of a NATS server', at, cause);
}

/** The error of {@link notCoordinatorError}, with the `--nats` address to use when `nats` (where a NATS server answers) is given. */
function notCoordinator(target: string, what: string, nats: { host: string; port: number } | undefined, cause: unknown): NotCoordinatorError {
  const natsHint = nats ? `; it is a NATS server: to follow the run's events from it, use --nats nats://${nats.host.includes(':') ? `[${nats.host}]` : nats.host}:${nats.port}` : '';
  return new NotCoordinatorError(
    `${target} does not answer as a metatrain coordinator status endpoint (${what})${natsHint}. For the coordinator, give --coordinator host:PORT with the port of its status RPC (its --listen or runtime.listen: "port" in the coordinator's "listening" line; needs the run token), or http://host:METRICS_PORT for its /status ("metricsPort" in that line)`,
    { cause },
  );
}
