/** The `compression` section of the run config (zod only; composed in src/core/config.ts): what runs after convergence. */
import { z } from 'zod';
import { MAX_EVALUATION_TASKS, MAX_TRAINING_STEPS, positiveInt, nonNegativeInt, positive } from '../core/config-fields';

/** Compression after convergence. */
export const compressionSchema = z
  .object({
    /** Run compression after convergence. @default true */
    enabled: z.boolean().default(true),
    /** Target fraction of zero weights after pruning (of each pruned tensor). @default 0.75 */
    sparsity: z.number().min(0).max(0.99).default(0.75),
    /** Student width as a fraction of the teacher's dModel/dFf (1 = no distillation). @default 0.5 */
    studentWidth: z.number().gt(0).max(1).default(0.5),
    /** Distillation temperature (Hinton et al. 2015). @default 2 */
    temperature: positive.default(2),
    /** Distillation steps of the dense student, one meta-train task each. @default 300 */
    distillSteps: nonNegativeInt.max(MAX_TRAINING_STEPS).default(300),
    /** Steps of gradual magnitude pruning up to `sparsity` (Zhu & Gupta 2017 cubic schedule). @default 200 */
    pruneSteps: nonNegativeInt.max(MAX_TRAINING_STEPS).default(200),
    /** Recovery steps after pruning, masks fixed. @default 100 */
    recoverySteps: nonNegativeInt.max(MAX_TRAINING_STEPS).default(100),
    /** Adam learning rate of distillation, pruning and recovery. @default 0.003 */
    learningRate: positive.default(0.003),
    /** Meta-test tasks of the before/after few-shot evaluation (the run's first `evalTasks` test tasks). @default 50 */
    evalTasks: positiveInt.max(MAX_EVALUATION_TASKS).default(50),
  })
  .strict();
