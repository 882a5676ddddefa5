/**
 * A hand-driven worker over real gRPC for tests: joins with a token, hands each assignment to a callback that
 * decides what to answer (a bad gradient, NaN, an oversized message, nothing, or a cancel). Not a mock: it speaks
 * the real protocol to the real coordinator.
 */
import * as grpc from '@grpc/grpc-js';
import { tokenMetadata } from '../../src/wire/credentials';
import { metatrainProto, type Assignment, type CoordinatorClient, type CoordinatorMessage } from '../../src/wire/proto';

/** A joined raw worker. */
export interface RawWorker {
  client: CoordinatorClient;
  stream: grpc.ClientDuplexStream<unknown, CoordinatorMessage>;
  workerId: Promise<string>;
  /** Resolves with the stream's final error or undefined on clean end. */
  closed: Promise<grpc.ServiceError | undefined>;
  send(message: unknown): void;
}

/** Connects to `address` and joins with `token`; calls `onAssignment` for every assignment. */
export function rawWorker(address: string, token: string, name: string, onAssignment: (a: Assignment, w: RawWorker) => void): RawWorker {
  const Client = metatrainProto().Coordinator;
  const client = new Client(address, grpc.credentials.createInsecure(), { 'grpc.max_send_message_length': 16 * 1024 * 1024 }) as unknown as CoordinatorClient;
  const stream = client.Join(tokenMetadata(token)) as unknown as grpc.ClientDuplexStream<unknown, CoordinatorMessage>;
  let resolveId!: (id: string) => void;
  const w: RawWorker = {
    client,
    stream,
    workerId: new Promise((r) => (resolveId = r)),
    closed: new Promise((resolve) => {
      stream.on('error', (err: grpc.ServiceError) => resolve(err));
      stream.on('end', () => resolve(undefined));
    }),
    send: (message) => stream.write(message),
  };
  stream.on('data', (msg: CoordinatorMessage) => {
    if (msg.welcome) resolveId(msg.welcome.workerId);
    if (msg.assignment) onAssignment(msg.assignment, w);
  });
  stream.write({ hello: { workerName: name, concurrency: 1, backend: 'test' } });
  return w;
}
