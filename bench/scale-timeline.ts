/**
 * Where a meta-step's overhead goes in bench/scale.ts (`--timeline`): each training task's four moments, joined by
 * task key — the coordinator hands out its assignment (dispatcher `dispatched`), the simulated worker receives it,
 * the worker hands its result to the stream (src/sim/simulated-session.ts `onResultSent`), the coordinator accepts
 * the result (dispatcher `completed`) — all in Unix milliseconds of one machine's clock. Per step: how long the
 * coordinator took to hand out the step (first to last dispatch), how long assignments took to arrive, how late
 * the workers' task timers fired, how long results took to be accepted; then the mean over steps of each.
 */

/** When the coordinator handed out and accepted each task, by task key (`train/STEP/INDEX`), Unix ms. */
export interface CoordinatorTimes {
  dispatched: Map<string, number>;
  completed: Map<string, number>;
}

/** A p50 and a maximum over the tasks of one step, in milliseconds, averaged over steps. */
export interface Spread {
  p50: number;
  max: number;
}

/** Mean over the measured steps of each part of a step, in milliseconds. */
export interface StepTimeline {
  steps: number;
  /** First to last assignment handed out by the coordinator. */
  dispatch: number;
  /** Coordinator hands out → worker receives. */
  delivery: Spread;
  /** Worker receives → result handed to the stream, minus the task time (timer lateness and result encoding). */
  lateness: Spread;
  /** Result handed to the stream → coordinator accepts it (transport, reassembly, checks, the sum). */
  acceptance: Spread;
  /** First dispatch to last acceptance, minus the task time: the step's overhead as the timeline sees it. */
  overhead: number;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const spread = (perStep: number[][]): Spread => ({ p50: mean(perStep.map(median)), max: mean(perStep.map((xs) => Math.max(...xs))) });

/**
 * The timeline of training steps `fromStep` and later.
 * @param hostLines lines `ASSIGNMENT-ID TAB received TAB sent` written by bench/scale-workers.ts `--timeline`; an
 *   assignment id is the task key, `#`, the attempt (and `b` for a backup): the earliest result of a key counts.
 * @param taskMs the task time of the (fixed) time model, subtracted from lateness and overhead.
 * @throws Error when no step from `fromStep` on has every task in both the coordinator's and the workers' records.
 */
export function stepTimeline(coordinator: CoordinatorTimes, hostLines: readonly string[], taskMs: number, fromStep: number): StepTimeline {
  const worker = new Map<string, { received: number; sent: number }>();
  for (const line of hostLines) {
    const [id, received, sent] = line.split('\t');
    const key = id!.split('#')[0]!;
    const times = { received: Number(received), sent: Number(sent) };
    const seen = worker.get(key);
    if (!seen || times.sent < seen.sent) worker.set(key, times);
  }
  const byStep = new Map<number, string[]>();
  for (const key of coordinator.dispatched.keys()) {
    const [kind, step] = key.split('/');
    if (kind !== 'train' || Number(step) < fromStep) continue;
    const keys = byStep.get(Number(step));
    if (keys) keys.push(key);
    else byStep.set(Number(step), [key]);
  }
  const complete = [...byStep.values()].filter((keys) => keys.every((k) => worker.has(k) && coordinator.completed.has(k)));
  if (complete.length === 0) throw new Error(`no training step from ${fromStep} on has all its tasks in both timelines`);
  const parts = complete.map((keys) => {
    const t = keys.map((k) => ({ dispatched: coordinator.dispatched.get(k)!, completed: coordinator.completed.get(k)!, ...worker.get(k)! }));
    const firstDispatch = Math.min(...t.map((x) => x.dispatched));
    return {
      dispatch: Math.max(...t.map((x) => x.dispatched)) - firstDispatch,
      delivery: t.map((x) => x.received - x.dispatched),
      lateness: t.map((x) => x.sent - x.received - taskMs),
      acceptance: t.map((x) => x.completed - x.sent),
      overhead: Math.max(...t.map((x) => x.completed)) - firstDispatch - taskMs,
    };
  });
  return {
    steps: parts.length,
    dispatch: mean(parts.map((p) => p.dispatch)),
    delivery: spread(parts.map((p) => p.delivery)),
    lateness: spread(parts.map((p) => p.lateness)),
    acceptance: spread(parts.map((p) => p.acceptance)),
    overhead: mean(parts.map((p) => p.overhead)),
  };
}
