/** The `task` section of the run config (zod only; composed in src/core/config.ts): which tasks are sampled. */
import { z } from 'zod';
import { pathString, positiveInt, positive } from '../core/config-fields';

/** Most classes of one task (`task.ways`). */
const MAX_WAYS = 1000;
/** Most support or query examples per class of one task (`task.shots`, `task.queryShots`). */
const MAX_SHOTS = 10_000;
import { taskFamilies } from './family';

/** How far the sum of `task.classSplit` may be from 1 (floating-point rounding: 0.7 + 0.2 + 0.1 is 0.9999999999999999). */
export const CLASS_SPLIT_SUM_TOLERANCE = 1e-9;

/** Task family: which tasks are sampled. */
export const taskSchema = z
  .object({
    /** `sinusoid` (Finn et al. 2017 regression), `sotu` (State of the Union authorship), `jsonl` (labelled text file): the records of src/tasks/family.ts. */
    family: z.enum(taskFamilies.names()),
    /** N of N-way (classification only), at least 2. @default 5 */
    ways: z.number().int().min(2).max(MAX_WAYS).default(5),
    /** K of K-shot: support examples per class (per task for sinusoid). @default 5 */
    shots: positiveInt.max(MAX_SHOTS).default(5),
    /** Query examples per class (per task for sinusoid). @default 10 */
    queryShots: positiveInt.max(MAX_SHOTS).default(10),
    /**
     * Path of the JSONL corpus (`{"text","label"}` per line), family `jsonl` only. A relative path is resolved
     * against `runtime.baseDir`: in a config file, against the file's directory (see `taskDataPath` in src/core/config.ts).
     */
    path: pathString.optional(),
    /**
     * Fractions of classes in meta-train / meta-val / meta-test (disjoint), summing to 1 (within
     * {@link CLASS_SPLIT_SUM_TOLERANCE}). @default [0.6, 0.2, 0.2]
     */
    classSplit: z
      // A list of another length or no list: one message saying what the field holds (zod's is "Too small: expected array to have >=3 items").
      .tuple([positive, positive, positive], { error: 'must be a list of 3 fractions of the classes, [meta-train, meta-val, meta-test], summing to 1, e.g. [0.6, 0.2, 0.2]' })
      .refine((f) => Math.abs(f[0] + f[1] + f[2] - 1) <= CLASS_SPLIT_SUM_TOLERANCE, {
        // 12 significant digits: 0.9 + 0.9 + 0.1 is shown as 1.9, not 1.9000000000000001.
        error: (issue) => {
          const f = issue.input as [number, number, number];
          return `fractions must sum to 1 (got ${Number((f[0] + f[1] + f[2]).toPrecision(12))})`;
        },
      })
      .default([0.6, 0.2, 0.2]),
    /** Characters per text example (passages are cut to this length). @default 256 */
    passageChars: positiveInt.max(1_000_000).default(256),
  })
  .strict();
