/**
 * Reads a coordinator's run status for `metatrain watch`: over HTTP (`GET <url>/status` on its metrics port) when
 * the target is an `http(s)://` URL, else over the status RPC (`GetStatus`, gRPC, run token) at `host:port`.
 */
import * as grpc from '@grpc/grpc-js';
import { readCoordinatorStatusAnswer } from '../core/coordinator-status-answer';
import { ConnectionRefusedError } from '../core/errors';
import { httpGet, type HttpGetAnswer } from '../core/http-get';
import { channelCredentials, tokenMetadata, type TlsFiles } from '../wire/credentials';
import { grpcConnectionRefused, grpcFailureReason } from '../wire/grpc-failure-reason';
import { answersNotInGrpc } from '../wire/grpc-protocol-error';
import { refusedCredentials } from '../wire/refused-credentials';
import { metatrainProto, type CoordinatorClient, type StepEntryOutput } from '../wire/proto';
import { natsServerError, notCoordinatorError } from './not-coordinator';

/** A phase a run entered, and why. */
export interface PhaseEntered {
  phase: string;
  message: string;
}

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
  /** Every phase the run entered after `pending`, in order (the last is `phase`); empty from a coordinator that does not say. */
  phases: PhaseEntered[];
  /** The last steps done, oldest first (the last is `step`); empty from a coordinator that does not say. */
  recentSteps: StepDone[];
}

/** One step done, as a status lists it (RunStatus.recent_steps; unknown numbers are NaN). */
export type StepDone = StepEntryOutput;

/** Reads status snapshots of one coordinator. */
export interface StatusClient {
  /** Where it reads from, for messages. */
  readonly target: string;
  /**
   * One snapshot.
   * @throws NotCoordinatorError when something answers, but not as a coordinator's status endpoint (not gRPC, no
   *   Coordinator service, an HTTP 4xx, a body that is not a run status: a retry meets the same server); AuthError
   *   when the coordinator refuses the run token or certificate (the message a worker gives: ../wire/refused-credentials);
   *   ConnectionRefusedError (message `connection refused`) when nothing listens at its address; Error (timeout,
   *   HTTP 5xx, another gRPC status, in words without grpc-js's wrapping) when it cannot be read for now.
   */
  read(): Promise<StatusSnapshot>;
  close(): void;
}

const TIMEOUT_MS = 5000;

/** The message of a {@link ConnectionRefusedError}: nothing listens at the address. */
const CONNECTION_REFUSED = 'connection refused';

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
    phases: Array.isArray(raw.phases) ? raw.phases.map((p: Record<string, unknown>) => ({ phase: s(p.phase), message: s(p.message) })) : [],
    recentSteps: Array.isArray(raw.recentSteps) ? raw.recentSteps.map((e: Record<string, unknown>) => ({ step: n(e.step), metaLoss: n(e.metaLoss), tasksPerSecond: n(e.tasksPerSecond), workers: n(e.workers) })) : [],
  };
}

function httpClient(url: string): StatusClient {
  const statusUrl = new URL(url);
  if (statusUrl.pathname === '/' || statusUrl.pathname === '') statusUrl.pathname = '/status';
  return {
    target: statusUrl.href,
    async read() {
      let res: HttpGetAnswer;
      try {
        res = await httpGet(statusUrl, TIMEOUT_MS);
      } catch (err) {
        // node:http's parser (HPE_…) failed: something answers, but not in HTTP (NATS, a gRPC port).
        const code = String((err as { code?: unknown }).code ?? '');
        if (code.startsWith('HPE_')) throw await notCoordinatorError(url, `it does not answer in HTTP (${code})`, err);
        if (code === 'ECONNREFUSED') throw new ConnectionRefusedError(CONNECTION_REFUSED, { cause: err });
        throw err;
      }
      if (res.status >= 400 && res.status < 500) throw await notCoordinatorError(url, `HTTP ${res.status} from ${statusUrl.href}`);
      if (res.status < 200 || res.status >= 300) throw new Error(`HTTP ${res.status} from ${statusUrl.href}`);
      const type = res.contentType ?? 'no content type';
      let body: unknown;
      try {
        body = JSON.parse(res.body);
      } catch (err) {
        throw await notCoordinatorError(url, `HTTP ${res.status} with ${type.split(';')[0]}, not the JSON of a run status`, err);
      }
      return snapshot(await runStatus(body, url, `HTTP ${res.status} with JSON`));
    },
    close() {},
  };
}

/**
 * `body` when it is a run status (src/core/coordinator-status-answer.ts).
 * @throws NotCoordinatorError naming `target`, what answered and why it is not a run status (`missing "run"`).
 */
async function runStatus(body: unknown, target: string, what: string): Promise<Record<string, unknown>> {
  const read = readCoordinatorStatusAnswer(body);
  if (!('problem' in read)) return read;
  throw await notCoordinatorError(target, `${what} that is not a run status (${read.problem})`);
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
          const refused = refusedCredentials(err);
          if (refused) reject(refused);
          else if (err && answersNotInGrpc(err)) void notCoordinatorError(address, 'it answers, but not in gRPC: HTTP/2 protocol error', err).then(reject);
          else if (err?.code === grpc.status.UNIMPLEMENTED) void notCoordinatorError(address, 'a gRPC server without the metatrain Coordinator service', err).then(reject);
          else if (err && grpcConnectionRefused(err)) reject(new ConnectionRefusedError(CONNECTION_REFUSED, { cause: err }));
          else if (err) reject(new Error(grpcFailureReason(err), { cause: err }));
          else if (!status) reject(new Error(`empty status from ${address}`));
          else resolve(snapshot(status as Record<string, unknown>));
        });
      }),
    close: () => client.close(),
  };
}

/**
 * A status client for `target`: `http(s)://host:port[/status]` (HTTP) or `host:port` (gRPC; needs the run token,
 * which `token()` is called for).
 * @throws (rejects with) NotCoordinatorError when `token()` rejects and a NATS server answers at a gRPC target (asked
 *   only then, in up to about 2 s where something else answers: a token would not make a NATS server a coordinator); else
 *   what `token()` rejects with when a gRPC target is given without a token.
 */
export async function statusClient(target: string, token: () => Promise<string>, tls?: TlsFiles): Promise<StatusClient> {
  if (/^https?:\/\//.test(target)) return httpClient(target);
  let read: string;
  try {
    read = await token();
  } catch (err) {
    throw (await natsServerError(target, err)) ?? err;
  }
  return grpcClient(target, read, tls);
}
