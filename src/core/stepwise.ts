/**
 * Long synchronous work written once as a generator that yields between its steps ({@link Stepwise}), for two kinds
 * of caller: one that runs it to its end at once ({@link runStepwise}: a worker's inner loop, where a turn of the
 * event loop between steps would only cost time), and one that lets the event loop run between steps
 * ({@link runStepwiseAsync}: `metatrain adapt`'s fine-tuning, a run config read from a pipe), so that Ctrl-C or
 * SIGTERM is acted on during the work instead of after it. The values computed are the same either way.
 */

/** Work done in steps: a generator that yields (nothing) between two steps and returns the result. */
export type Stepwise<T> = Generator<void, T, void>;

/**
 * Runs `work` to its end synchronously and returns its result, calling `between()` (if given) at each of its yields.
 * Example: `runStepwise(innerLoopSteps(model, theta, support, options))`.
 * @throws what `work` throws.
 */
export function runStepwise<T>(work: Stepwise<T>, between?: () => void): T {
  for (let next = work.next(); ; next = work.next()) {
    if (next.done) return next.value;
    between?.();
  }
}

/**
 * Runs `work` to its end and resolves to its result, awaiting at each of its yields what `between()` returns when it
 * returns a promise (a turn of the event loop, a pause), going on at once when it returns undefined. `between` must
 * not throw or reject: `work` would be left unfinished, its `finally` blocks not run.
 * Example: `await runStepwiseAsync(adaptParamsSteps(model, theta, support, options), turnEvery(TURN_INTERVAL_MS))`.
 * @throws (rejects with) what `work` throws.
 */
export async function runStepwiseAsync<T>(work: Stepwise<T>, between: () => Promise<void> | undefined): Promise<T> {
  for (let next = work.next(); ; next = work.next()) {
    if (next.done) return next.value;
    const pause = between();
    if (pause) await pause;
  }
}

/**
 * The longest a stepwise run by {@link runStepwiseAsync} with {@link turnEvery} keeps the event loop waiting: 50 ms,
 * prompt for Ctrl-C, and a turn (some microseconds) that often costs nothing measurable.
 */
export const TURN_INTERVAL_MS = 50;

/**
 * A `between` for {@link runStepwiseAsync} that gives the event loop one turn (`setImmediate`: signals, timers and
 * I/O are handled) once `intervalMs` has passed since the last turn (or since this call), else nothing.
 */
export function turnEvery(intervalMs: number): () => Promise<void> | undefined {
  let last = performance.now();
  return () => {
    if (performance.now() - last < intervalMs) return undefined;
    return new Promise<void>((resolve) =>
      setImmediate(() => {
        last = performance.now();
        resolve();
      }),
    );
  };
}
