/**
 * A task's result as Join-stream `result` messages (proto/metatrain/v1/coordinator.proto, ResultPart): the
 * gradient's wire chunks (src/core/tensor-chunks.ts: ≤ 1 MiB of float32 data each, tensor-name order), then the
 * metrics in the part with `final: true`. A gradient of at most {@link MAX_CHUNK_BYTES} in all rides in the final
 * part itself, so a small model's task costs one message instead of one per tensor plus one (the sinusoid MLP's six
 * tensors: 1 instead of 7; issue 10); a larger gradient goes one chunk per part. The coordinator reads chunks from
 * any part, the final one included (docs/wire.md), so both shapes are the same result.
 */
import type { ParamSet } from '../core/param-set';
import { chunkParamSet, MAX_CHUNK_BYTES } from '../core/tensor-chunks';
import type { ResultPart } from '../wire/generated/metatrain/v1/ResultPart';
import type { TaskMetrics } from '../wire/generated/metatrain/v1/TaskMetrics';
import type { SessionLink } from './coordinator-connection';
import type { AssignmentOutcome } from './run-assignment';

/**
 * The result parts of one task, in sending order.
 * @param gradient the meta-gradient (TRAIN, JOINT), or undefined (EVAL).
 * @param metrics the task's metrics, sent in the final part.
 */
export function resultParts(assignmentId: string, gradient: ParamSet | undefined, metrics: TaskMetrics): ResultPart[] {
  const chunks = (gradient ? chunkParamSet(gradient) : []).map((chunk) => ({ ...chunk, data: Buffer.from(chunk.data.buffer, chunk.data.byteOffset, chunk.data.byteLength) }));
  const bytes = chunks.reduce((sum, chunk) => sum + chunk.data.byteLength, 0);
  if (bytes <= MAX_CHUNK_BYTES) return [{ assignmentId, gradient: chunks, final: true, metrics }];
  return [...chunks.map((chunk) => ({ assignmentId, gradient: [chunk], final: false })), { assignmentId, final: true, metrics }];
}

/**
 * Sends a finished task's result parts on the session's link, in order, with its duration in the metrics.
 * @param started `performance.now()` when the task was taken up (ms).
 * @throws Error `stream closed` when the session ended meanwhile (SessionLink.send).
 */
export async function sendResult(link: SessionLink, assignmentId: string, outcome: AssignmentOutcome, started: number): Promise<void> {
  const durationSeconds = (performance.now() - started) / 1000;
  for (const part of resultParts(assignmentId, outcome.gradient, { ...outcome.metrics, durationSeconds })) await link.send({ result: part });
}

/** Tells the coordinator that a task failed, with the error's message; a session that has ended is ignored (never rejects). */
export async function sendFailure(link: SessionLink, assignmentId: string, err: unknown): Promise<void> {
  await link.send({ failure: { assignmentId, message: (err as Error).message } }).catch(() => undefined);
}
