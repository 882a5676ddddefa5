/**
 * The sizes of the messages the coordinator sends on a worker's Join stream. gRPC refuses to send a message larger
 * than `MAX_MESSAGE_BYTES`: grpc-js ends the worker's stream with RESOURCE_EXHAUSTED, the worker rejoins and gets the
 * same message again, and the run fails later with `worker left (stream cancelled)`, which does not say why.
 * - The `Welcome` gives a worker the run config (`config_json`, src/coordinator/coordinator.ts `workerConfig`). A
 *   config file is at most 1 MiB, but YAML aliases repeat an anchor's value in full (`texts: [&t "…", *t, *t]`) and
 *   JSON escapes can triple a string, so a valid config can exceed the limit: {@link assertWelcomeFits} refuses it
 *   before the run starts, naming its largest fields.
 * - Any other message (an assignment whose task spec lists very many examples) is measured before it is written
 *   ({@link encodeJoinMessage}, once: the server writes the measured bytes); the server fails the run naming it, its
 *   size and the limit (./grpc-server).
 */
import { ConfigError } from '../core/errors';
import { MAX_MESSAGE_BYTES, metatrainProto, type CoordinatorMessage } from '../wire/proto';

/** Longest worker name a worker id carries, in characters (a Kubernetes pod name has at most 253). */
export const MAX_WORKER_NAME_CHARS = 253;

/** Fields {@link assertWelcomeFits} names when the message is too large. */
const FIELDS_NAMED = 3;

/** A message for the Join stream. */
export type JoinMessage = CoordinatorMessage | { welcome: object } | { assignment: object };

/** `message` serialized as the Join stream sends it (the server writes these bytes as they are: src/wire/pre-encoded.ts). */
export function encodeJoinMessage(message: JoinMessage): Buffer {
  return metatrainProto().Coordinator.service.Join.responseSerialize(message);
}

/**
 * Bytes of the serialized `CoordinatorMessage{welcome}` a worker gets, with the longest worker id
 * (`<name of MAX_WORKER_NAME_CHARS characters>#<10 digits>`, three bytes per character: the most one UTF-16 code unit
 * takes in UTF-8).
 */
export function welcomeBytes(runName: string, configJson: string): number {
  const workerId = `${'\u0800'.repeat(MAX_WORKER_NAME_CHARS)}#4294967295`;
  return encodeJoinMessage({ welcome: { workerId, runName, configJson } }).length;
}

/**
 * Checks that the `Welcome` message carrying `workerConfig` fits in one gRPC message.
 * @param runName the run's name.
 * @param workerConfig the config as workers get it.
 * @throws ConfigError at the largest field, naming the message, its size, the limit and the largest fields.
 */
export function assertWelcomeFits(runName: string, workerConfig: object): void {
  const configJson = JSON.stringify(workerConfig);
  const bytes = welcomeBytes(runName, configJson);
  if (bytes <= MAX_MESSAGE_BYTES) return;
  const largest = fieldSizes(workerConfig, '')
    .sort((a, b) => b.bytes - a.bytes)
    .slice(0, FIELDS_NAMED);
  throw new ConfigError(
    largest[0]?.path ?? '',
    `the Welcome message that gives workers the run config (config_json) would be ${bytes} bytes, more than the ${MAX_MESSAGE_BYTES} bytes a gRPC message may carry (MAX_MESSAGE_BYTES); largest fields: ${largest.map((f) => `${f.path} (${f.bytes} bytes of JSON)`).join(', ')}. A YAML alias (*name) repeats its anchor's value in full`,
  );
}

/** Bytes of the JSON of every leaf of `value` (an array counts as one leaf), with its dotted path. */
function fieldSizes(value: unknown, path: string): Array<{ path: string; bytes: number }> {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    return Object.entries(value).flatMap(([key, v]) => fieldSizes(v, path ? `${path}.${key}` : key));
  }
  return [{ path, bytes: Buffer.byteLength(JSON.stringify(value) ?? '') }];
}
