/**
 * How long a simulated worker takes per task (issue 10, `bench/scale`): a fixed time or a lognormal one, and a
 * fraction of stragglers that take `factor` times longer. Deterministic: the base time is drawn from the task seed
 * (a property of the task), whether an attempt straggles from the task seed and the worker's name (a property of
 * the machine running it: a backup attempt on another worker is usually not slow).
 */
import { z } from 'zod';
import { deriveSeed, Rng } from '../core/rng';

/** A task-duration model, as JSON (`--time-model` of the simulated-worker host). */
export const timeModelSchema = z
  .object({
    /** `fixed`: every task takes `ms`; `lognormal`: median `ms`, log-space standard deviation `sigma`. */
    kind: z.enum(['fixed', 'lognormal']),
    /** Task time in milliseconds (the median for lognormal). */
    ms: z.number().nonnegative(),
    /** Log-space standard deviation of `lognormal`. @default 0.25 */
    sigma: z.number().nonnegative().default(0.25),
    /** Fraction of tasks that straggle, in [0, 1]. @default 0 */
    stragglerFraction: z.number().min(0).max(1).default(0),
    /** How many times longer a straggler takes. @default 10 */
    stragglerFactor: z.number().min(1).default(10),
  })
  .strict();

/** A validated time model. */
export type TimeModel = z.infer<typeof timeModelSchema>;

/** Milliseconds task `seed` takes on worker `worker` under `model` (the same every time for the same pair). */
export function taskMilliseconds(model: TimeModel, seed: number, worker: string): number {
  const base = model.kind === 'fixed' ? model.ms : model.ms * Math.exp(model.sigma * new Rng(deriveSeed('sim-time', seed)).normal());
  return new Rng(deriveSeed('sim-straggler', seed, worker)).next() < model.stragglerFraction ? base * model.stragglerFactor : base;
}
