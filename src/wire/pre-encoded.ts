/**
 * Parameter chunks serialized once (issue 10): a published version is fetched by every worker, so its
 * `TensorChunk` messages are encoded to protobuf bytes once and the GetParameters stream writes those bytes as
 * they are. {@link coordinatorServiceWithPreEncodedChunks} is the Coordinator service definition whose
 * GetParameters response serializer passes such pre-encoded `Buffer`s through unchanged (and still encodes plain
 * message objects); the bytes on the wire are the same either way, so clients see no difference.
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

/** The Coordinator service definition, with GetParameters writing pre-encoded chunks ({@link encodeChunk}) as they are. */
export function coordinatorServiceWithPreEncodedChunks(): ServiceDefinition {
  const service = metatrainProto().Coordinator.service;
  const serialize = service.GetParameters.responseSerialize;
  return {
    ...service,
    GetParameters: { ...service.GetParameters, responseSerialize: (message: unknown) => (Buffer.isBuffer(message) ? message : serialize(message as Parameters<typeof serialize>[0])) },
  };
}
