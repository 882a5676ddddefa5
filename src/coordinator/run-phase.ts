/**
 * The lifecycle of a run, with its legal transitions in one place.
 * - `pending`: coordinator up, waiting for workers;
 * - `training`: outer loop running;
 * - `evaluating`: meta-training ended (converged or max steps); baselines and meta-test evaluation;
 * - `compressing`: compression job enqueued and running;
 * - `succeeded` / `failed` / `stopped`: terminal for this process. `stopped` is a graceful stop (SIGINT / SIGTERM)
 *   before the end (during meta-training, evaluation or compression), with the last completed step checkpointed:
 *   not a failure, and the run continues with `--resume`.
 */
import { assertLegalTransition, type Transitions } from '../core/lifecycle';

/** Phase of a run. */
export type RunPhase = 'pending' | 'training' | 'evaluating' | 'compressing' | 'succeeded' | 'failed' | 'stopped';

const NEXT: Transitions<RunPhase> = {
  pending: ['training', 'evaluating', 'failed'],
  training: ['evaluating', 'failed', 'stopped'],
  evaluating: ['compressing', 'succeeded', 'failed', 'stopped'],
  compressing: ['succeeded', 'failed', 'stopped'],
  succeeded: [],
  failed: [],
  stopped: [],
};

/** True for the terminal phases, `succeeded`, `failed` and `stopped` (no transition leaves them). */
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
