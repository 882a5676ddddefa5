/**
 * Messages serialized once (issue 10). A published parameter version is fetched by every worker, so its
 * `TensorChunk` messages are encoded to protobuf bytes once and the GetParameters stream writes those bytes as they
 * are; and the coordinator encodes each Join-stream message once, measures it against the gRPC limit and writes the
 * same bytes (src/coordinator/message-size.ts), instead of encoding it a second time in grpc-js.
 * {@link coordinatorServiceWithPreEncoded} is the Coordinator service definition whose GetParameters and Join
 * response serializers pass such pre-encoded `Buffer`s through unchanged (and still encode plain message objects);
 * the bytes on the wire are the same either way, so clients see no difference.
 */
import type { ServiceDefinition } from '@grpc/grpc-js';
import { Reader, Writer } from 'protobufjs';
import type { TensorChunkData } from '../core/tensor-chunks';
import { metatrainProto } from './proto';

/** Wire type of a length-delimited field (protobuf encoding spec, "Message Structure"). */
const LENGTH_DELIMITED = 2;
/** The key of `CoordinatorMessage.assignment` (field 2, proto/metatrain/v1/coordinator.proto). */
const COORDINATOR_ASSIGNMENT_KEY = (2 << 3) | LENGTH_DELIMITED;
/** The key of `Assignment.parameters` (field 15, repeated TensorChunk). */
const ASSIGNMENT_PARAMETERS_KEY = (15 << 3) | LENGTH_DELIMITED;

/** A `TensorChunk` message already encoded to its protobuf bytes (proto/metatrain/v1/coordinator.proto). */
export type EncodedChunk = Buffer & { readonly __encodedTensorChunk: true };

/** Encodes one chunk as the protobuf `TensorChunk` message the GetParameters stream carries (copies its data once). */
export function encodeChunk(chunk: TensorChunkData): EncodedChunk {
  const data = Buffer.from(chunk.data.buffer, chunk.data.byteOffset, chunk.data.byteLength);
  return metatrainProto().Coordinator.service.GetParameters.responseSerialize({ ...chunk, data }) as EncodedChunk;
}

/**
 * `encoded`, a `CoordinatorMessage{assignment}` encoded without parameters, with `chunks` appended as its
 * `Assignment.parameters`, spliced from bytes encoded once: a version sent inside many assignments is not encoded
 * again for each (issue 10). A parser merges the fields of a message in whatever order they come and appends the
 * elements of a repeated field (protobuf encoding spec, "Last One Wins" and "Repeated Elements"), so the result is
 * the same message as encoding the assignment with `parameters: chunks`.
 * @param encoded bytes of `Join.responseSerialize({ assignment })` (src/coordinator/message-size.ts).
 * @throws Error when `encoded` is not a CoordinatorMessage holding only an assignment.
 */
export function withParameterChunks(encoded: Buffer, chunks: readonly EncodedChunk[]): Buffer {
  if (chunks.length === 0) return encoded;
  const reader = Reader.create(encoded);
  if (reader.uint32() !== COORDINATOR_ASSIGNMENT_KEY) throw new Error('withParameterChunks: the message is not a CoordinatorMessage{assignment}');
  const assignment = reader.bytes();
  if (reader.pos !== encoded.length) throw new Error('withParameterChunks: the CoordinatorMessage holds more than its assignment');
  const parts: Uint8Array[] = [assignment];
  let length = assignment.length;
  for (const chunk of chunks) {
    const key = Writer.create().uint32(ASSIGNMENT_PARAMETERS_KEY).uint32(chunk.length).finish();
    parts.push(key, chunk);
    length += key.length + chunk.length;
  }
  const head = Writer.create().uint32(COORDINATOR_ASSIGNMENT_KEY).uint32(length).finish();
  return Buffer.concat([head, ...parts], head.length + length);
}

/** The Coordinator service definition, with GetParameters and Join writing pre-encoded messages as they are. */
export function coordinatorServiceWithPreEncoded(): ServiceDefinition {
  const service = metatrainProto().Coordinator.service;
  const passBuffers = <M>(serialize: (message: M) => Buffer) => (message: unknown) => (Buffer.isBuffer(message) ? message : serialize(message as M));
  return {
    ...service,
    GetParameters: { ...service.GetParameters, responseSerialize: passBuffers(service.GetParameters.responseSerialize) },
    Join: { ...service.Join, responseSerialize: passBuffers(service.Join.responseSerialize) },
  };
}
