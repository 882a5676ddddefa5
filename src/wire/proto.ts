/**
 * Loads the wire contract `proto/metatrain/v1/coordinator.proto` with @grpc/proto-loader and exposes the
 * Coordinator service definition and client constructor, typed by the bindings that
 * `npm run gen:proto` (proto-loader-gen-types) writes to src/wire/generated.
 */
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { packageFile } from '../core/package-root';
import type { ProtoGrpcType } from './generated/coordinator';

const PROTO_RELATIVE = join('proto', 'metatrain', 'v1', 'coordinator.proto');

/** Absolute path of the .proto file. */
export function protoPath(): string {
  return packageFile(PROTO_RELATIVE);
}

let cached: ProtoGrpcType | undefined;

/** The loaded package `metatrain.v1` (longs as numbers, enums as strings, defaults filled, oneofs named). */
export function metatrainProto(): ProtoGrpcType['metatrain']['v1'] {
  if (!cached) {
    const definition = protoLoader.loadSync(protoPath(), { longs: Number, enums: String, defaults: true, oneofs: true });
    cached = grpc.loadPackageDefinition(definition) as unknown as ProtoGrpcType;
  }
  return cached.metatrain.v1;
}

/**
 * Steps a run status lists in `recent_steps` (RunStatus, the last ones done): at 1 s between two reads of
 * `watch --coordinator`, every step of a run doing up to 100 steps a second is shown.
 */
export const RECENT_STEPS = 100;

/** Largest gRPC message either side accepts: 1 MiB of tensor data per chunk plus headroom. */
export const MAX_MESSAGE_BYTES = 2 * 1024 * 1024;

/**
 * HTTP/2 flow-control window a worker's channel advertises (`grpc-node.flow_control_window`), per stream and per
 * connection: 16 MiB instead of HTTP/2's 64 KiB, so a parameter stream is not stalled every 64 KiB waiting for a
 * WINDOW_UPDATE (issue 10, bench/runtime.ts table 2).
 */
export const FLOW_CONTROL_WINDOW_BYTES = 16 * 1024 * 1024;

export type { CoordinatorClient } from './generated/metatrain/v1/Coordinator';
export type { CoordinatorHandlers } from './generated/metatrain/v1/Coordinator';
export type { Assignment__Output as Assignment } from './generated/metatrain/v1/Assignment';
export type { WorkerMessage__Output as WorkerMessage } from './generated/metatrain/v1/WorkerMessage';
export type { CoordinatorMessage__Output as CoordinatorMessage } from './generated/metatrain/v1/CoordinatorMessage';
export type { TaskSpec as TaskSpecMessage, TaskSpec__Output as TaskSpecMessageOutput } from './generated/metatrain/v1/TaskSpec';
export type { TaskKind__Output as TaskKind } from './generated/metatrain/v1/TaskKind';
export type { RunStatus } from './generated/metatrain/v1/RunStatus';
export type { PhaseEntry } from './generated/metatrain/v1/PhaseEntry';
export type { StepEntry, StepEntry__Output as StepEntryOutput } from './generated/metatrain/v1/StepEntry';
export type { TaskMetrics__Output as TaskMetrics } from './generated/metatrain/v1/TaskMetrics';
