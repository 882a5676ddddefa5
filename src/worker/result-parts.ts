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
