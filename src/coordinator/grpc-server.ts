/**
 * The Coordinator gRPC service (proto/metatrain/v1/coordinator.proto): authentication, membership through the
 * Join stream, reassembly and validation of chunked results, parameter streaming and status. The run logic lives
 * elsewhere; this file only translates between the wire and the dispatcher.
 */
import * as grpc from '@grpc/grpc-js';
import { ProtocolError } from '../core/errors';
import type { Logger } from '../core/logger';
import type { ParamSet } from '../core/param-set';
import { ChunkAssembler } from '../core/tensor-chunks';
import { RateLimitedLog } from '../core/rate-limited-log';
import { checkToken, type TlsFiles } from '../wire/credentials';
import type { TensorChunk } from '../wire/generated/metatrain/v1/TensorChunk';
import { MAX_MESSAGE_BYTES, type CoordinatorHandlers, type CoordinatorMessage, type RunStatus, type WorkerMessage } from '../wire/proto';
import { taskSpecToMessage } from '../wire/task-spec-codec';
import { coordinatorServiceWithPreEncoded, withParameterChunks, type EncodedChunk } from '../wire/pre-encoded';
import type { TaskDispatcher } from './task-dispatcher';
import { MAX_WORKER_CONCURRENCY } from './runtime-config';
import { GrpcListener } from './grpc-listener';
import { InlineParameters, type ParameterRoute } from './inline-parameters';
import { encodeJoinMessage, MAX_WORKER_NAME_CHARS, type JoinMessage } from './message-size';
import type { ParamVersions } from './param-versions';
import { rejectionOf, type ResultRejection } from './result-rejection';
import type { WorkItem, WorkMetrics } from './work-item';

const KIND = { train: 'TASK_KIND_TRAIN', eval: 'TASK_KIND_EVAL', joint: 'TASK_KIND_JOINT' } as const;
const PARAM_KIND = { meta: 'PARAM_KIND_META', joint: 'PARAM_KIND_JOINT' } as const;

/** What the server needs from the rest of the coordinator. */
export interface CoordinatorServerOptions {
  /** Shared run token every call must present. */
  token: string;
  /** Mutual TLS (optional). */
  tls?: TlsFiles;
  /** gRPC keepalive ping interval and timeout; a peer silent for about twice this is dropped. */
  keepaliveMs: number;
  /** Time a new Join stream has to send `hello`. @default 10000 */
  helloTimeoutMs?: number;
  runName: string;
  configJson: string;
  dispatcher: TaskDispatcher;
  versions: ParamVersions;
  /** Checks a reassembled result against its item (shapes, finiteness); returns why it is rejected, if it is. */
  validateResult(item: WorkItem, gradient: ParamSet | undefined, metrics: WorkMetrics): ResultRejection | undefined;
  status(): RunStatus;
  log: Logger;
  /**
   * Tasks one train assignment holds (`runtime.aggregationGroup` with per-worker aggregation): a worker of
   * concurrency c gets ⌈c / this⌉ slots, so that it runs about c tasks at once. @default 1
   */
  tasksPerAssignment?: number;
  /** Called when a worker joins or leaves (for metrics and progress). */
  onMembership?(workers: number): void;
  /**
   * Versions of at most this many payload bytes go inside the first assignment of the version to each worker
   * (`runtime.inlineParametersMaxBytes`; Assignment.parameters). @default 0 (never)
   */
  inlineParametersMaxBytes?: number;
  /** Called when a parameter version has been sent to a worker (a GetParameters stream or inside an assignment), with its payload bytes (for metrics). */
  onParametersSent?(bytes: number, via: ParameterRoute): void;
  /** Called when a result is refused (reassembly or validation), before the attempt is failed (for metrics). */
  onResultRejected?(item: WorkItem, rejection: ResultRejection): void;
}

function unauthenticated(reason: string): Partial<grpc.StatusObject> {
  return { code: grpc.status.UNAUTHENTICATED, details: `${reason}: present the run token (METATRAIN_TOKEN or --token-file), which every call needs, client certificate or not` };
}

function metricsFrom(m: WorkerMessage['result']): WorkMetrics {
  const x = m?.metrics;
  return {
    queryLoss: x?.queryLoss ?? NaN,
    queryMetric: x?.queryMetric ?? NaN,
    evalLoss: x?.evalLoss ?? [],
    evalMetric: x?.evalMetric ?? [],
    chosenSteps: x?.chosenSteps ?? undefined,
    durationSeconds: x?.durationSeconds ?? 0,
  };
}

/** The gRPC server of a coordinator. */
export class CoordinatorServer {
  private readonly server: grpc.Server;
  private readonly listener: GrpcListener;
  /** Refused calls and connections, at most one line per kind per 10 s (a refused worker retries). */
  private readonly refusedLog: RateLimitedLog;
  private nextWorker = 0;
  /** Join streams of welcomed workers, open. */
  private readonly joined = new Set<Parameters<CoordinatorHandlers['Join']>[0]>();
  /** The `Finished` message, once the run has ended for good ({@link CoordinatorServer.finish}). */
  private finished?: { phase: string; message: string };

  constructor(private readonly o: CoordinatorServerOptions) {
    this.server = new grpc.Server({
      'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
      'grpc.max_send_message_length': MAX_MESSAGE_BYTES,
      'grpc.keepalive_time_ms': o.keepaliveMs,
      'grpc.keepalive_timeout_ms': o.keepaliveMs,
      'grpc.keepalive_permit_without_calls': 1,
      'grpc.http2.min_ping_interval_without_data_ms': Math.floor(o.keepaliveMs / 2),
      'grpc.http2.max_ping_strikes': 0,
    });
    const handlers: CoordinatorHandlers = {
      Join: (call) => this.join(call),
      GetParameters: (call) => this.getParameters(call),
      GetStatus: (call, callback) => {
        const denied = this.refused(call, 'GetStatus');
        if (denied) return callback(denied);
        callback(null, this.o.status());
      },
    };
    this.server.addService(coordinatorServiceWithPreEncoded(), handlers as unknown as grpc.UntypedServiceImplementation);
    this.refusedLog = new RateLimitedLog(o.log);
    this.listener = new GrpcListener({ server: this.server, tls: o.tls, log: this.refusedLog });
  }

  /** Binds and starts; resolves with the bound port. @throws Error when the address cannot be bound. */
  listen(address: string): Promise<number> {
    return this.listener.listen(address);
  }

  /**
   * The run ended for good: sends `Finished{phase, message}` on every open Join stream, and from now on right after
   * the `welcome` of a worker that joins; the streams stay open (a worker leaves by closing its own). A second call
   * does nothing.
   * @param phase the final phase, `succeeded` or `failed`.
   * @param message why, as the status's message.
   */
  finish(phase: string, message: string): void {
    if (this.finished) return;
    this.finished = { phase, message };
    for (const call of this.joined) call.write({ finished: this.finished });
  }

  /** Stops accepting calls and ends open ones after `graceMs`. */
  stop(graceMs = 2000): Promise<void> {
    this.listener.close();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.server.forceShutdown();
        resolve();
      }, graceMs);
      this.server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private join(call: Parameters<CoordinatorHandlers['Join']>[0]): void {
    const log = this.o.log;
    const peer = call.getPeer();
    const denied = this.refused(call, 'Join');
    if (denied) {
      call.emit('error', denied);
      return;
    }
    let workerId: string | undefined;
    const inline = new InlineParameters(this.o.versions, this.o.inlineParametersMaxBytes ?? 0, this.o.onParametersSent);
    const assembling = new Map<string, { assembler: ChunkAssembler; error?: ResultRejection }>();
    const helloTimer = setTimeout(() => {
      log.warn({ peer }, 'worker sent no hello in time; closing its stream');
      call.emit('error', { code: grpc.status.DEADLINE_EXCEEDED, details: 'no hello received' });
    }, this.o.helloTimeoutMs ?? 10_000);
    let left = false;
    const leave = (reason: string) => {
      clearTimeout(helloTimer);
      if (left) return;
      left = true;
      this.joined.delete(call);
      if (workerId) {
        log.info({ workerId, reason }, 'worker left');
        this.o.dispatcher.removeWorker(workerId, reason);
        this.o.onMembership?.(this.o.dispatcher.workerCount);
      }
    };
    call.on('data', (msg: WorkerMessage) => {
      try {
        if (msg.hello) {
          if (workerId) throw new ProtocolError('second hello on one stream');
          clearTimeout(helloTimer);
          workerId = `${msg.hello.workerName.slice(0, MAX_WORKER_NAME_CHARS) || 'worker'}#${++this.nextWorker}`;
          if (!this.send(call, { welcome: { workerId, runName: this.o.runName, configJson: this.o.configJson } }, 'the Welcome message')) return;
          const id = workerId;
          this.o.dispatcher.addWorker({
            id,
            name: msg.hello.workerName,
            capacity: Math.ceil(Math.max(1, Math.min(MAX_WORKER_CONCURRENCY, msg.hello.concurrency || 1)) / (this.o.tasksPerAssignment ?? 1)),
            assign: (item, assignmentId, attempt, deadline) => this.send(call, { assignment: toAssignment(item, assignmentId, attempt, deadline) }, `the Assignment of task ${item.key}`, inline.chunksFor(item.paramVersion)),
            cancel: (assignmentId) => call.write({ cancel: { assignmentId } }),
          });
          log.info({ workerId, peer, backend: msg.hello.backend, concurrency: msg.hello.concurrency }, 'worker joined');
          this.o.onMembership?.(this.o.dispatcher.workerCount);
          this.joined.add(call);
          if (this.finished) call.write({ finished: this.finished });
          return;
        }
        if (!workerId) throw new ProtocolError('first message must be hello');
        if (msg.failure) {
          this.o.dispatcher.fail(workerId, msg.failure.assignmentId, msg.failure.message || 'worker reported a failure');
          assembling.delete(msg.failure.assignmentId);
          return;
        }
        if (msg.result) this.resultPart(workerId, msg.result, assembling);
      } catch (err) {
        log.warn({ workerId, peer, err: (err as Error).message }, 'protocol error; closing worker stream');
        call.emit('error', { code: grpc.status.INVALID_ARGUMENT, details: (err as Error).message });
        leave((err as Error).message);
      }
    });
    call.on('end', () => {
      leave('stream ended');
      call.end();
    });
    call.on('cancelled', () => leave('stream cancelled'));
    call.on('error', (err) => leave(`stream error: ${err.message}`));
    call.on('close', () => leave('stream closed'));
  }

  private resultPart(workerId: string, part: NonNullable<WorkerMessage['result']>, assembling: Map<string, { assembler: ChunkAssembler; error?: ResultRejection }>): void {
    const id = part.assignmentId;
    const item = this.o.dispatcher.itemOf(id);
    if (!item) {
      // Late or duplicate: drop its parts silently until its final part.
      assembling.delete(id);
      if (part.final) this.o.log.debug({ workerId, assignmentId: id }, 'ignored late or duplicate result');
      return;
    }
    let entry = assembling.get(id);
    if (!entry) {
      entry = { assembler: new ChunkAssembler(`result of task ${item.key} from worker ${workerId}`) };
      assembling.set(id, entry);
    }
    if (!entry.error) {
      try {
        for (const chunk of part.gradient) entry.assembler.add(chunk);
      } catch (err) {
        entry.error = rejectionOf(err);
      }
    }
    if (!part.final) return;
    assembling.delete(id);
    let rejection = entry.error;
    let gradient: ParamSet | undefined;
    const metrics = metricsFrom(part);
    if (!rejection) {
      try {
        gradient = item.kind === 'eval' ? undefined : entry.assembler.finish();
      } catch (err) {
        rejection = rejectionOf(err);
      }
    }
    rejection ??= this.o.validateResult(item, gradient, metrics);
    if (rejection) {
      this.o.log.warn({ workerId, task: item.key, reason: rejection.reason, detail: rejection.message }, 'rejected result; task will be retried');
      this.o.onResultRejected?.(item, rejection);
      this.o.dispatcher.fail(workerId, id, `rejected result: ${rejection.message}`, rejection.reason === 'non_finite');
    } else {
      this.o.dispatcher.complete(workerId, id, { gradient, metrics, workerId });
    }
  }

  /**
   * Writes `message` on a worker's Join stream and returns true, unless it is larger than a gRPC message may be
   * (./message-size): then nothing is written, it returns false, and the run fails (every pending task,
   * `dispatcher.abortAll`) with the message's name, its size and the limit, also logged: no worker could receive it.
   * @param parameters an assignment's inline parameter chunks (./inline-parameters.ts), spliced in encoded.
   */
  private send(call: Parameters<CoordinatorHandlers['Join']>[0], message: JoinMessage, what: string, parameters: readonly EncodedChunk[] = []): boolean {
    const encoded = withParameterChunks(encodeJoinMessage(message), parameters);
    const bytes = encoded.length;
    if (bytes <= MAX_MESSAGE_BYTES) {
      // Pre-encoded: the service's Join serializer writes these bytes as they are (src/wire/pre-encoded.ts).
      call.write(encoded as unknown as CoordinatorMessage);
      return true;
    }
    const reason = `cannot send ${what}: it is ${bytes} bytes, more than the ${MAX_MESSAGE_BYTES} bytes a gRPC message may carry (MAX_MESSAGE_BYTES)`;
    this.o.log.error({ message: what, bytes, limitBytes: MAX_MESSAGE_BYTES }, `${reason}; failing the run`);
    // Not from inside the dispatcher's assign call, which is in the middle of handing out tasks.
    setImmediate(() => this.o.dispatcher.abortAll(reason));
    return false;
  }

  /** The UNAUTHENTICATED status of a call without the run token (logged, rate-limited), or undefined when it has it. */
  private refused(call: { metadata: grpc.Metadata; getPeer(): string }, method: string): Partial<grpc.StatusObject> | undefined {
    const denied = checkToken(call.metadata, this.o.token);
    if (!denied) return undefined;
    this.refusedLog.warn(`${method}: ${denied}`, { method, peer: call.getPeer(), reason: denied }, `refused a ${method} call: UNAUTHENTICATED`);
    return unauthenticated(denied);
  }

  private getParameters(call: Parameters<CoordinatorHandlers['GetParameters']>[0]): void {
    const denied = this.refused(call, 'GetParameters');
    if (denied) {
      call.emit('error', denied);
      return;
    }
    const chunks = this.o.versions.encoded(call.request.version);
    if (!chunks) {
      call.emit('error', { code: grpc.status.NOT_FOUND, details: `parameter version ${JSON.stringify(call.request.version)} is not published` });
      return;
    }
    const bytes = this.o.versions.bytes(call.request.version);
    let i = 0;
    const pump = () => {
      while (i < chunks.length) {
        // A pre-encoded TensorChunk: the service's serializer writes it as it is (src/wire/pre-encoded.ts).
        if (!call.write(chunks[i++]! as unknown as TensorChunk)) {
          call.once('drain', pump);
          return;
        }
      }
      call.end();
      this.o.onParametersSent?.(bytes, 'stream');
    };
    pump();
  }
}

function toAssignment(item: WorkItem, assignmentId: string, attempt: number, deadlineUnixMs: number) {
  return {
    assignmentId,
    kind: KIND[item.kind],
    step: item.step,
    index: item.index,
    attempt,
    paramVersion: item.paramVersion,
    paramKind: PARAM_KIND[item.paramKind ?? 'meta'],
    task: item.task ? taskSpecToMessage(item.task) : null,
    group: (item.group ?? []).map(taskSpecToMessage),
    evalSteps: item.evalSteps ?? 0,
    resetHead: item.resetHead ?? false,
    batchSeed: item.batchSeed ?? 0,
    batchSize: item.batchSize ?? 0,
    deadlineUnixMs,
  };
}
