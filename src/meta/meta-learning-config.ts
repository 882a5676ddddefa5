/** The `algorithm` section of the run config (zod only; composed in src/core/config.ts): the meta-learning algorithm and its inner loop. */
import { z } from 'zod';
import { MAX_ADAPT_STEPS, MAX_META_BATCH_TASKS, positiveInt, positive } from '../core/config-fields';
import { algorithms } from './algorithm';

/** Meta-learning algorithm. */
export const algorithmSchema = z
  .object({
    /** `maml` (second order), `fomaml`, `reptile`, `metasgd` (second order, learned per-parameter inner lrs): the records of src/meta/algorithm.ts. @default fomaml */
    name: z.enum(algorithms.names()).default('fomaml'),
    /**
     * Which parameters the inner loop adapts: `all`, `head` (ANIL), `head+layernorm`, or `lora`: the head and
     * the low-rank adapters (`model.loraRank`), the body frozen in the outer loop too. @default all
     */
    adapt: z.enum(['all', 'head', 'head+layernorm', 'lora']).default('all'),
    /**
     * Where each task's head starts: `learned` (the meta-learned `head.*`) or `prototypes` (Proto-MAML: set from
     * the class means of the support set's features, src/meta/prototype-head.ts; classification only; not with
     * `reptile`). @default learned
     */
    headInit: z.enum(['learned', 'prototypes']).default('learned'),
    /** Inner-loop SGD steps during meta-training, at most {@link MAX_ADAPT_STEPS}. @default 1 */
    innerSteps: positiveInt.max(MAX_ADAPT_STEPS).default(1),
    /** Inner-loop learning rate (initial value for Meta-SGD). @default 0.01 */
    innerLr: positive.default(0.01),
    /** Outer-loop Adam learning rate. @default 0.001 */
    outerLr: positive.default(0.001),
    /** Tasks per meta-batch (independent of the number of workers). @default 4 */
    metaBatchSize: positiveInt.max(MAX_META_BATCH_TASKS).default(4),
  })
  .strict();
