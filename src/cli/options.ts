/** Option parsers shared by the subcommands (commander argument parsers that throw InvalidArgumentError). */
import { InvalidArgumentError } from 'commander';
import { readBoundedFileAsync } from '../core/bounded-file';
import { loadTlsMaterial, type TlsFiles } from '../wire/tls-material';
import { MAX_TIMER_MS, MAX_TIMER_SECONDS } from '../core/config-fields';
import { FlagError, type FileReadReason } from '../core/errors';
import { pathLengthProblem } from '../core/path-limits';
import { RUN_NAME_PATTERN, RUN_NAME_RULE } from '../core/run-name';
import { digitsWithoutLeadingZero, hostPortProblem, writtenUrlTail } from '../core/host-port';
import { natsUrlProblem, natsUrlShown } from '../bus/nats-servers';
import { runTokenProblem } from '../core/run-token';
import { LISTEN_PORT_NOTE } from '../coordinator/runtime-config';
import { integerRange } from '../core/integer-field';
import type { z } from 'zod';

/** What {@link boundedInt} adds to an integer option's bounds. */
export interface BoundedIntOptions {
  /** The unit after the bounds (` ms`, ` s`). */
  readonly unit?: string;
  /** Why the least value is the least, after a value below it (as the config field's message says it). */
  readonly why?: string;
  /**
   * The error for digits above the bounds, given as written (`99999999999999999999` too), where the option's own limit
   * says more than its bounds (`--workers`: at most 64 local worker processes, run more on Kubernetes).
   */
  readonly tooLarge?: (value: string) => Error;
}

/**
 * Parses an integer option written as a config's integer field is (src/core/written-integer.ts): decimal digits
 * without a leading zero (no sign, exponent, fraction, hex prefix or spaces: `Number()` would read "1e3" as 1000,
 * "0x10" as 16, " 5" as 5 and "5.0" as 5; "010" is 8 to a YAML 1.1 reader), from `min` to `max`.
 * @throws InvalidArgumentError in one form, `expected an integer MIN..MAX`, naming the bounds and the value (commander
 *   prefixes the flag): "written in digits only" for other characters, "written without a leading zero" for `02`, with
 *   `write 2` (where the digits are out of bounds too, that they are: `0100` in 1..64, `without the leading zero it is
 *   100, above 64`), the bounds and `why` for digits below `min` (`expected an integer 1..64, got "0"`), "too large" and the bounds for digits
 *   above `max`, even beyond what a JavaScript number holds exactly (`too large: expected an integer
 *   1..9,007,199,254,740,991 (2^53-1), got "99999999999999999999"`); `tooLarge`'s error instead when given.
 */
export function boundedInt(min: number, max: number, options: BoundedIntOptions = {}): (value: string) => number {
  const { unit = '', why, tooLarge } = options;
  const bound = (n: number) => n.toLocaleString('en-US');
  const range = `an integer ${bound(min)}..${bound(max)}${unit}${max === Number.MAX_SAFE_INTEGER ? ' (2^53-1)' : ''}`;
  return (value: string) => {
    if (!/^[0-9]+$/.test(value)) throw new InvalidArgumentError(`expected ${range} written in digits only, got ${JSON.stringify(value)}`);
    const written = digitsWithoutLeadingZero(value);
    if (written !== undefined) throw new InvalidArgumentError(`expected ${range} written without a leading zero, got ${JSON.stringify(value)}: ${leadingZeroHint(written, min, max, bound)}`);
    // Digits beyond 2^53-1 read as a larger number (never rounded down to max or below), so they are "too large" too.
    const n = Number(value);
    if (n > max) throw tooLarge ? tooLarge(value) : new InvalidArgumentError(`too large: expected ${range}, got ${JSON.stringify(value)}`);
    if (n < min) throw new InvalidArgumentError(`expected ${range}, got ${JSON.stringify(value)}${why ? `: ${why}` : ''}`);
    return n;
  };
}

/**
 * The hint after digits written with a leading zero (`written`: those digits without it), for an option that takes
 * `min`..`max`: `write 2` (`02`) where `written` (never rounded) is in range, else that it is out of range too
 * (`0100` in 1..64: `without the leading zero it is 100, above 64`; `00`: `…it is 0, below 1`), each bound as `shown`
 * writes it (as the option's range does).
 */
function leadingZeroHint(written: string, min: number, max: number, shown: (bound: number) => string): string {
  const n = Number(written);
  if (n > max) return `without the leading zero it is ${written}, above ${shown(max)}`;
  if (n < min) return `without the leading zero it is ${written}, below ${shown(min)}`;
  return `write ${written}`;
}

/**
 * Parses an option that sets, or stands for, the integer field at `path` of `schema` (`--keepalive-ms` and
 * `runtime.keepaliveMs`): {@link boundedInt} with the field's bounds, read from the schema (src/core/integer-field.ts),
 * so that the flag takes what the config takes.
 * @throws Error at once when `path` is not an integer field of `schema` (a mistake in the code, not in the input).
 */
export function configFieldInt(schema: z.ZodType, path: ReadonlyArray<PropertyKey>, options: BoundedIntOptions = {}): (value: string) => number {
  const range = integerRange(schema, path);
  if (!range) throw new Error(`${path.join('.')} is not an integer field of the schema`);
  return boundedInt(range[0], range[1], options);
}

/** Parses a positive integer option (digits only, up to 2^53-1; see {@link boundedInt}). */
export const positiveInt = boundedInt(1, Number.MAX_SAFE_INTEGER);

/** Parses a duration option in milliseconds: 1..{@link MAX_TIMER_MS} (Node's `setTimeout` limit, about 24.8 days). */
export const milliseconds = boundedInt(1, MAX_TIMER_MS, { unit: ' ms' });

/** Parses a duration option in whole seconds: 0..{@link MAX_TIMER_SECONDS} (Node's `setTimeout` limit). */
export const seconds = boundedInt(0, MAX_TIMER_SECONDS, { unit: ' s' });

/**
 * Parses a run name given on the command line (`metatrain watch RUN`) by the rule of the config's `name`
 * (src/core/run-name.ts): a name no config can have names no run.
 * @throws InvalidArgumentError saying what the config says of such a name (commander names the argument and the
 *   value): `a run name (the config's name) must be a DNS label: lowercase letters, digits and -, starting and
 *   ending with a letter or digit, at most 40 characters`.
 */
export function runName(value: string): string {
  if (!RUN_NAME_PATTERN.test(value)) throw new InvalidArgumentError(`a run name (the config's name) ${RUN_NAME_RULE}`);
  return value;
}

/** Environment variable a `worker`'s or `compressor`'s metrics port falls back to (the images set it). */
export const METRICS_PORT_ENV = 'METATRAIN_METRICS_PORT';

/**
 * The metrics port of a `worker` or `compressor`: `--metrics-port` when given, else env {@link METRICS_PORT_ENV}, else
 * none (undefined); with the setting that chose it, for the error when it cannot be bound.
 * @throws InvalidArgumentError naming the environment variable when it is not a port.
 */
export function metricsPortChoice(flag: number | undefined): { port: number; setting: string } | undefined {
  if (flag !== undefined) return { port: flag, setting: '--metrics-port' };
  const env = process.env[METRICS_PORT_ENV];
  if (!env) return undefined;
  try {
    return { port: portNumber(env), setting: METRICS_PORT_ENV };
  } catch (err) {
    throw new InvalidArgumentError(`${METRICS_PORT_ENV}: ${(err as Error).message}`);
  }
}

/** Parses a TCP port option: an integer 0..65535 (0 = any free port) in digits, without a leading zero. */
export function portNumber(value: string): number {
  const n = /^[0-9]+$/.test(value) ? Number(value) : NaN;
  // As a config's runtime.metricsPort (src/core/written-integer.ts): 08080 is 8080 to one reader and not a number to another.
  const written = n >= 0 ? digitsWithoutLeadingZero(value) : undefined;
  if (written !== undefined) throw new InvalidArgumentError(`expected a port 0..65535 written without a leading zero, got ${JSON.stringify(value)}: ${leadingZeroHint(written, 0, 65535, String)}`);
  if (n > 65535 || !(n >= 0)) throw new InvalidArgumentError(`expected a port 0..65535, got ${JSON.stringify(value)}`);
  return n;
}

/**
 * The largest `--token-file` read, in bytes (64 KiB): a run token is one line (`metatrain launch` makes 32 random
 * bytes in hex), and a device such as /dev/zero, or a large file given by mistake, was read until memory ran out.
 */
export const MAX_TOKEN_FILE_BYTES = 64 << 10;

/** What a FlagError for a `--token-file` that cannot be read says after the reader's reason. */
const TOKEN_FILE_ADVICE: Record<FileReadReason, string> = {
  unreadable: '',
  'not-a-file': ': give a file holding the run token',
  'too-large': ': a run token is one line (MAX_TOKEN_FILE_BYTES); give the file holding only the token',
};

/**
 * The run token: the trimmed text of `--token-file` (at most {@link MAX_TOKEN_FILE_BYTES}; a pipe, `--token-file
 * /dev/stdin`, is read without keeping Ctrl-C or SIGTERM waiting for its producer), else env `METATRAIN_TOKEN`.
 * @throws (rejects with) FlagError naming `--token-file` and the file when it cannot be read (`cannot read it: no such file`), is
 *   not a regular file or a pipe (`/dev/zero`: `not a regular file but a character device`), is larger than
 *   {@link MAX_TOKEN_FILE_BYTES} (`… bytes, more than the 65536 bytes (64 KiB) allowed`) or holds nothing but white
 *   space (`the file is empty`) or holds a character a gRPC header cannot carry (not visible ASCII); Error saying how
 *   to provide a token when neither is set, or naming METATRAIN_TOKEN when it holds such a character.
 */
export async function readToken(tokenFile: string | undefined): Promise<string> {
  if (tokenFile === undefined) {
    const token = process.env.METATRAIN_TOKEN;
    if (!token) throw new Error('no run token: set METATRAIN_TOKEN or pass --token-file FILE');
    const bad = runTokenProblem(token);
    if (bad) throw new Error(`METATRAIN_TOKEN: ${bad}`);
    return token;
  }
  const text = (await readBoundedFileAsync(tokenFile, MAX_TOKEN_FILE_BYTES, (err) => new FlagError('--token-file', tokenFile, `${err.detail}${TOKEN_FILE_ADVICE[err.reason]}`, { cause: err }))).toString('utf8');
  const token = text.trim();
  if (!token) throw new FlagError('--token-file', tokenFile, 'the file is empty');
  const bad = runTokenProblem(token);
  if (bad) throw new FlagError('--token-file', tokenFile, bad);
  return token;
}

/**
 * TLS files from `--tls-ca/--tls-cert/--tls-key`: all three or none, each checked here (src/wire/tls-material.ts),
 * so that a bad file is refused before the command starts anything.
 * @throws Error when only some are given; TlsFileError naming the flag, the file and what is wrong with it.
 */
export function tlsFiles(o: { tlsCa?: string; tlsCert?: string; tlsKey?: string }): TlsFiles | undefined {
  const given = [o.tlsCa, o.tlsCert, o.tlsKey].filter(Boolean).length;
  if (given === 0) return undefined;
  if (given !== 3) throw new Error('mutual TLS needs all of --tls-ca, --tls-cert and --tls-key');
  const files = { caFile: o.tlsCa!, certFile: o.tlsCert!, keyFile: o.tlsKey! };
  loadTlsMaterial(files);
  return files;
}

/** Parses a `host:port` address to connect to (port 1–65535), such as the worker's `--coordinator`. */
export const hostPort = addressParser(1, '');

/**
 * Parses the address of a coordinator's status: `host:port` (the status RPC, as {@link hostPort}) or an
 * `http://` / `https://` URL (its `/status` endpoint), each with its port written without a leading zero (the URL
 * reader takes `http://h:018080` as port 18080).
 * @throws InvalidArgumentError naming both forms and the value; for a leading zero, with the address to write
 *   (`expected host:port or http://host:port with a port from 1 to 65535 written without a leading zero (write
 *   http://h:18080), got "http://h:018080"`).
 */
export function statusAddress(value: string): string {
  if (!/^https?:\/\//i.test(value)) return hostPort(value);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidArgumentError(`expected host:port or http://host:port, got ${JSON.stringify(value)}`);
  }
  if (!url.hostname) throw new InvalidArgumentError(`expected host:port or http://host:port, got ${JSON.stringify(value)}`);
  const written = writtenUrlTail(value);
  const digits = digitsWithoutLeadingZero(written.port);
  if (digits !== undefined) {
    const range = 'expected host:port or http://host:port with a port from 1 to 65535';
    const fixed = `${value.slice(0, value.length - written.after.length - written.port.length)}${digits}${written.after}`;
    throw new InvalidArgumentError(`${range}${Number(digits) >= 1 ? ` written without a leading zero (write ${fixed})` : ''}, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** Parses a `host:port` address to listen on (port 0–65535, 0 = any free port), such as the coordinator's `--listen`. */
export const listenAddress = addressParser(0, LISTEN_PORT_NOTE);

/**
 * A parser of `host:port` (`[v6]:port` too) with a port from `minPort` to 65535 in digits.
 * @throws InvalidArgumentError naming the port range and the value (commander prefixes the flag).
 */
function addressParser(minPort: number, note: string): (value: string) => string {
  return (value: string) => {
    const problem = hostPortProblem(value, minPort, note);
    if (problem !== undefined) throw new InvalidArgumentError(`${problem}, got ${JSON.stringify(value)}`);
    return value;
  };
}

/** cli-table3 style: its default colours on a terminal, none when the output is redirected to a file or a pipe. */
export function tableStyle(): { head?: string[]; border?: string[] } {
  return process.stdout.isTTY ? {} : { head: [], border: [] };
}

/**
 * A parser of a path option such as `--out`: the path as given, refused when empty or only spaces (`--out ""`, e.g. an unset
 * shell variable: resolved, it would name the current directory, or be taken as the option's absence) or over 4096
 * bytes or with a component over 255 bytes (src/core/path-limits.ts).
 * @throws InvalidArgumentError for an empty path (commander prefixes the flag); FlagError naming `flag` and the path
 *   cut to 80 characters for a long one (not commander's InvalidArgumentError, whose message would echo the whole value).
 */
export function pathOption(flag: string): (value: string) => string {
  return (value: string) => {
    if (value.trim() === '') throw new InvalidArgumentError(`expected a path, got ${value === '' ? 'an empty string' : 'only spaces'}`);
    const problem = pathLengthProblem(value);
    if (problem) throw new FlagError(flag, value, `the path ${problem}`);
    return value;
  };
}

/**
 * A parser of NATS servers given as `flag` (`--nats` of `watch` and `compressor`, or the environment variable that
 * stands for it): the list as given, refused as a config's `nats.url` is (src/bus/nats-servers.ts: `natsUrlProblem`),
 * before anything is dialed.
 * @throws FlagError naming `flag`, the list and the server at fault, each password in them shown as `…` (not
 *   commander's InvalidArgumentError, whose message would echo the value whole):
 *   `--nats nats://h:04222: nats://h:04222: the port has a leading zero; write 4222`.
 */
export function natsServersOption(flag: string): (value: string) => string {
  return (value: string) => {
    const problem = natsUrlProblem(value);
    if (problem !== undefined) throw new FlagError(flag, natsUrlShown(value), problem);
    return value;
  };
}
