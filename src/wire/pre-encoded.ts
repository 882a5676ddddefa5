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
import type { TensorChunkData } from '../core/tensor-chunks';
import { metatrainProto } from './proto';

/** A `TensorChunk` message already encoded to its protobuf bytes (proto/metatrain/v1/coordinator.proto). */
export type EncodedChunk = Buffer & { readonly __encodedTensorChunk: true };

/** Encodes one chunk as the protobuf `TensorChunk` message the GetParameters stream carries (copies its data once). */
export function encodeChunk(chunk: TensorChunkData): EncodedChunk {
  const data = Buffer.from(chunk.data.buffer, chunk.data.byteOffset, chunk.data.byteLength);
  return metatrainProto().Coordinator.service.GetParameters.responseSerialize({ ...chunk, data }) as EncodedChunk;
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
