/** The `training` section of the run config (zod only; composed in src/core/config.ts): outer loop, validation, convergence, checkpoints. */
import { z } from 'zod';
import { MAX_EVALUATION_TASKS, MAX_TRAINING_STEPS, positiveInt } from '../core/config-fields';

/** Outer loop, validation, convergence and checkpoints. */
export const trainingSchema = z
  .object({
    /** Hard limit on outer steps, at most {@link MAX_TRAINING_STEPS}. @default 1000 */
    maxSteps: positiveInt.max(MAX_TRAINING_STEPS).default(1000),
    /** Validate on meta-val tasks every this many steps. @default 50 */
    evalEverySteps: positiveInt.max(MAX_TRAINING_STEPS).default(50),
    /** Meta-val tasks per validation. @default 20 */
    evalTasks: positiveInt.max(MAX_EVALUATION_TASKS).default(20),
    /** Stop after this many validations without improvement of at least minDelta. @default 5 */
    patience: positiveInt.max(MAX_TRAINING_STEPS).default(5),
    /** Minimum decrease of meta-val loss that counts as improvement. @default 0.001 */
    minDelta: z.number().nonnegative().default(0.001),
    /** Checkpoint every this many steps. @default 50 */
    checkpointEverySteps: positiveInt.max(MAX_TRAINING_STEPS).default(50),
    /** Checkpoints kept (the best one is kept in addition). @default 3 */
    keepCheckpoints: positiveInt.max(MAX_TRAINING_STEPS).default(3),
  })
  .strict();
