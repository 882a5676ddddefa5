/**
 * A lifecycle as a documented string union with its legal transitions in one table (as Temporal's worker
 * `State`): the run phases (src/coordinator/run-phase.ts), a worker (src/worker/worker-state.ts) and the local
 * cluster (src/local/local-cluster-state.ts) each declare their table once and move only through it.
 */
import { MetatrainError } from './errors';

/** Legal next states of each state; a state with no next state is terminal. */
export type Transitions<S extends string> = Readonly<Record<S, readonly S[]>>;

/**
 * Checks one transition of the lifecycle `what` (e.g. `run phase`).
 * @throws MetatrainError `illegal <what> transition <from> → <to>` when `to` is not in `next[from]` (a bug, not a
 *   user error).
 */
export function assertLegalTransition<S extends string>(what: string, next: Transitions<S>, from: S, to: S): void {
  if (!next[from].includes(to)) throw new MetatrainError(`illegal ${what} transition ${from} → ${to}`);
}

/** The current state of one object's lifecycle, changed only along `next`. */
export class Lifecycle<S extends string> {
  private current: S;

  /**
   * @param what the lifecycle's name in error messages (`worker`, `local cluster`).
   * @param next the transition table.
   * @param initial the state it starts in.
   */
  constructor(
    private readonly what: string,
    private readonly next: Transitions<S>,
    initial: S,
  ) {
    this.current = initial;
  }

  /** The current state. */
  get state(): S {
    return this.current;
  }

  /** Whether `to` is a legal next state. */
  can(to: S): boolean {
    return this.next[this.current].includes(to);
  }

  /**
   * Moves to `to`.
   * @throws MetatrainError on an illegal transition ({@link assertLegalTransition}).
   */
  to(to: S): void {
    assertLegalTransition(this.what, this.next, this.current, to);
    this.current = to;
  }
}
