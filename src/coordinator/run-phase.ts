/**
 * The lifecycle of a run, with its legal transitions in one place.
 * - `pending`: coordinator up, waiting for workers;
 * - `training`: outer loop running;
 * - `evaluating`: meta-training ended (converged or max steps); baselines and meta-test evaluation;
 * - `compressing`: compression job enqueued and running;
 * - `succeeded` / `failed`: terminal.
 */
import { assertLegalTransition, type Transitions } from '../core/lifecycle';

/** Phase of a run. */
export type RunPhase = 'pending' | 'training' | 'evaluating' | 'compressing' | 'succeeded' | 'failed';

const NEXT: Transitions<RunPhase> = {
  pending: ['training', 'evaluating', 'failed'],
  training: ['evaluating', 'failed'],
  evaluating: ['compressing', 'succeeded', 'failed'],
  compressing: ['succeeded', 'failed'],
  succeeded: [],
  failed: [],
};

/** True for the terminal phases, `succeeded` and `failed` (no transition leaves them). */
export function isFinal(phase: RunPhase): boolean {
  return NEXT[phase].length === 0;
}

/**
 * Checks a transition.
 * @throws MetatrainError on an illegal transition (a bug, not a user error).
 */
export function assertTransition(from: RunPhase, to: RunPhase): void {
  assertLegalTransition('run phase', NEXT, from, to);
}
