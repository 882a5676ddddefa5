/**
 * Why the coordinator refuses a worker's result. Each refusal carries a `reason` from a small fixed set, used as
 * the `reason` label of `metatrain_task_results_rejected_total`, and a message that names what is wrong (logged
 * and recorded as the attempt's failure).
 */
import { NonFiniteError, ShapeError } from '../core/errors';

/**
 * `non_finite`: a gradient value, the query loss or an evaluation curve holds NaN or ±Inf;
 * `shape`: a tensor is missing, unexpected or of the wrong shape, or an evaluation curve has the wrong length;
 * `malformed`: anything else that breaks the protocol (bad dtype, chunking, an out-of-range chosen step count).
 */
export type RejectionReason = 'non_finite' | 'shape' | 'malformed';

/** Every rejection reason, in the order metrics initialise them. */
export const REJECTION_REASONS: readonly RejectionReason[] = ['non_finite', 'shape', 'malformed'];

/** A refused result: the reason label and the message naming what is wrong. */
export interface ResultRejection {
  readonly reason: RejectionReason;
  readonly message: string;
}

/** The rejection of a result whose check threw `err`: NonFiniteError → non_finite, ShapeError → shape, else malformed. */
export function rejectionOf(err: unknown): ResultRejection {
  const message = err instanceof Error ? err.message : String(err);
  if (err instanceof NonFiniteError) return { reason: 'non_finite', message };
  if (err instanceof ShapeError) return { reason: 'shape', message };
  return { reason: 'malformed', message };
}
