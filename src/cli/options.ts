/** Option parsers shared by the subcommands (commander argument parsers that throw InvalidArgumentError). */
import { readFileSync } from 'node:fs';
import { InvalidArgumentError } from 'commander';
import { loadTlsMaterial, type TlsFiles } from '../wire/tls-material';

/** Parses a positive integer option. */
export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError(`expected a positive integer, got ${JSON.stringify(value)}`);
  return n;
}

/** Parses a non-negative integer option. */
export function nonNegativeInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`expected a non-negative integer, got ${JSON.stringify(value)}`);
  return n;
}

/** Parses a TCP port option: an integer 0..65535 (0 = any free port). */
export function portNumber(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError(`expected a port 0..65535, got ${JSON.stringify(value)}`);
  return n;
}

/**
 * The run token: `--token-file`, else env `METATRAIN_TOKEN`.
 * @throws Error saying how to provide one when neither is set.
 */
export function readToken(tokenFile: string | undefined): string {
  const token = tokenFile ? readFileSync(tokenFile, 'utf8').trim() : process.env.METATRAIN_TOKEN;
  if (!token) throw new Error('no run token: set METATRAIN_TOKEN or pass --token-file FILE');
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

/** Parses a `host:port` address (port 1–65535). */
export function hostPort(value: string): string {
  const m = /^(.+):(\d+)$/.exec(value);
  const port = m ? Number(m[2]) : NaN;
  if (!m || port < 1 || port > 65535) throw new InvalidArgumentError(`expected host:port with a port from 1 to 65535, got ${JSON.stringify(value)}`);
  return value;
}

/** cli-table3 style: its default colours on a terminal, none when the output is redirected to a file or a pipe. */
export function tableStyle(): { head?: string[]; border?: string[] } {
  return process.stdout.isTTY ? {} : { head: [], border: [] };
}
