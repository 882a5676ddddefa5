/**
 * Gradual magnitude pruning (Zhu & Gupta 2017, "To prune, or not to prune", eq. 1): the sparsity target rises
 * from s_i to s_f over n pruning events Δt steps apart, starting at step t₀,
 *   s_t = s_f + (s_i − s_f) · (1 − (t − t₀) / (n Δt))³,
 * fast at first (when redundant weights abound) and slowly near the end; at each event the weights of smallest
 * magnitude in each tensor are masked to zero until the tensor reaches s_t, and training goes on between events
 * (and afterwards, to recover) with masked weights held at zero.
 */
import { ShapeError } from '../core/errors';

/** The pruning schedule. */
export interface PruningSchedule {
  /** s_i, sparsity at t₀ (usually 0). */
  readonly initialSparsity: number;
  /** s_f, the target, in [0, 1). */
  readonly finalSparsity: number;
  /** t₀, the step of the first pruning event. */
  readonly beginStep: number;
  /** t₀ + n Δt, the step of the last event; the sparsity stays at s_f after it. */
  readonly endStep: number;
}

/**
 * s_t of the cubic schedule at `step` (s_i before `beginStep`, s_f from `endStep` on).
 * @throws RangeError when the sparsities are outside [0, 1) or `endStep` < `beginStep`.
 */
export function scheduledSparsity(schedule: PruningSchedule, step: number): number {
  const { initialSparsity: si, finalSparsity: sf, beginStep, endStep } = schedule;
  if (!(si >= 0 && si < 1 && sf >= 0 && sf < 1)) throw new RangeError(`pruning schedule: sparsities must lie in [0, 1), got ${si} → ${sf}`);
  if (endStep < beginStep) throw new RangeError(`pruning schedule: endStep ${endStep} is before beginStep ${beginStep}`);
  if (step <= beginStep) return step < beginStep || endStep > beginStep ? si : sf;
  if (step >= endStep) return sf;
  return sf + (si - sf) * (1 - (step - beginStep) / (endStep - beginStep)) ** 3;
}

/**
 * A keep-mask (1 keep, 0 pruned) zeroing the ⌊sparsity · n⌋ entries of smallest |value| (ties: lower index first).
 * @throws RangeError when `sparsity` is outside [0, 1); ShapeError when a value is NaN.
 */
export function magnitudeMask(values: Float32Array, sparsity: number): Uint8Array {
  if (!(sparsity >= 0 && sparsity < 1)) throw new RangeError(`magnitude mask: sparsity must lie in [0, 1), got ${sparsity}`);
  const n = values.length;
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < n; i++) if (Number.isNaN(values[i])) throw new ShapeError(`magnitude mask: NaN at index ${i}`);
  order.sort((a, b) => Math.abs(values[a]!) - Math.abs(values[b]!) || a - b);
  const mask = new Uint8Array(n).fill(1);
  const pruned = Math.floor(sparsity * n);
  for (let k = 0; k < pruned; k++) mask[order[k]!] = 0;
  return mask;
}

/** Fraction of zeros in `values` (0 for an empty array). */
export function sparsityOf(values: ArrayLike<number>): number {
  if (values.length === 0) return 0;
  let zeros = 0;
  for (let i = 0; i < values.length; i++) if (values[i] === 0) zeros++;
  return zeros / values.length;
}
