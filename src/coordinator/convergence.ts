/**
 * Convergence by patience on the meta-validation loss (early stopping, Prechelt 1998): a validation improves
 * when its loss is below the best so far by at least `minDelta`; the run has converged after `patience`
 * validations in a row without improvement. The state is plain JSON and goes into checkpoints, so a resumed run
 * stops at the same step as an uninterrupted one.
 */

/** Serializable tracker state. */
export interface ConvergenceState {
  bestLoss: number | null;
  bestStep: number;
  sinceBest: number;
}

/** Outcome of one validation. */
export interface ConvergenceUpdate {
  improved: boolean;
  converged: boolean;
}

/** Patience-based convergence detector. */
export class ConvergenceTracker {
  private s: ConvergenceState;

  constructor(
    private readonly patience: number,
    private readonly minDelta: number,
    state?: ConvergenceState,
  ) {
    this.s = state ? { ...state } : { bestLoss: null, bestStep: 0, sinceBest: 0 };
  }

  /** Records the validation loss of `step`. A NaN loss never improves. */
  update(step: number, loss: number): ConvergenceUpdate {
    const improved = Number.isFinite(loss) && (this.s.bestLoss === null || loss < this.s.bestLoss - this.minDelta);
    if (improved) this.s = { bestLoss: loss, bestStep: step, sinceBest: 0 };
    else this.s = { ...this.s, sinceBest: this.s.sinceBest + 1 };
    return { improved, converged: this.s.sinceBest >= this.patience };
  }

  /** Copy of the state, for checkpoints. */
  state(): ConvergenceState {
    return { ...this.s };
  }
}
