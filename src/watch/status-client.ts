/**
 * Reads a coordinator's run status for `metatrain watch`: over HTTP (`GET <url>/status` on its metrics port) when
 * the target is an `http(s)://` URL, else over the status RPC (`GetStatus`, gRPC, run token) at `host:port`.
 */
import * as grpc from '@grpc/grpc-js';
import { channelCredentials, tokenMetadata, type TlsFiles } from '../wire/credentials';
import { metatrainProto, type CoordinatorClient } from '../wire/proto';

/** A status snapshot; unknown numbers are NaN. */
export interface StatusSnapshot {
  run: string;
  phase: string;
  step: number;
  maxSteps: number;
  metaLoss: number;
  metaValLoss: number;
  metaValMetric: number;
  workers: number;
  lastCheckpoint: string;
  tasksPerSecond: number;
  message: string;
}

/** Reads status snapshots of one coordinator. */
export interface StatusClient {
  /** Where it reads from, for messages. */
  readonly target: string;
  /** One snapshot. @throws Error (connection refused, timeout, HTTP status, gRPC status) when it cannot be read. */
  read(): Promise<StatusSnapshot>;
  close(): void;
}

const TIMEOUT_MS = 5000;

function snapshot(raw: Record<string, unknown>): StatusSnapshot {
  const n = (v: unknown) => (typeof v === 'number' ? v : typeof v === 'string' && v !== '' ? Number(v) : NaN);
  const s = (v: unknown) => (typeof v === 'string' ? v : '');
  return {
    run: s(raw.run),
    phase: s(raw.phase),
    step: n(raw.step),
    maxSteps: n(raw.maxSteps),
    metaLoss: n(raw.metaLoss),
    metaValLoss: n(raw.metaValLoss),
    metaValMetric: n(raw.metaValMetric),
    workers: n(raw.workers),
    lastCheckpoint: s(raw.lastCheckpoint),
    tasksPerSecond: n(raw.tasksPerSecond),
    message: s(raw.message),
  };
}

function httpClient(url: string): StatusClient {
  const statusUrl = new URL(url);
  if (statusUrl.pathname === '/' || statusUrl.pathname === '') statusUrl.pathname = '/status';
  return {
    target: statusUrl.href,
    async read() {
      const res = await fetch(statusUrl, { signal: AbortSignal.timeout(TIMEOUT_MS) });
      if (!res.ok) throw new Error(`HTTP ${res.status} from ${statusUrl.href}`);
      return snapshot((await res.json()) as Record<string, unknown>);
    },
    close() {},
  };
}

function grpcClient(address: string, token: string, tls?: TlsFiles): StatusClient {
  const Client = metatrainProto().Coordinator;
  const client = new Client(address, channelCredentials(tls)) as unknown as CoordinatorClient;
  const metadata = tokenMetadata(token);
  return {
    target: address,
    read: () =>
      new Promise((resolve, reject) => {
        client.GetStatus({}, metadata, { deadline: Date.now() + TIMEOUT_MS }, (err: grpc.ServiceError | null, status?: unknown) => {
          if (err || !status) reject(err ?? new Error(`empty status from ${address}`));
          else resolve(snapshot(status as Record<string, unknown>));
        });
      }),
    close: () => client.close(),
  };
}

/**
 * A status client for `target`: `http(s)://host:port[/status]` (HTTP) or `host:port` (gRPC; needs the run token).
 * @throws Error when a gRPC target is given without a token.
 */
export function statusClient(target: string, token: () => string, tls?: TlsFiles): StatusClient {
  return /^https?:\/\//.test(target) ? httpClient(target) : grpcClient(target, token(), tls);
}
