/** The `task` section of the run config (zod only; composed in src/core/config.ts): which tasks are sampled. */
import { z } from 'zod';
import { pathString, positiveInt, positive } from '../core/config-fields';
import { taskFamilies } from './family';

/** Task family: which tasks are sampled. */
export const taskSchema = z
  .object({
    /** `sinusoid` (Finn et al. 2017 regression), `sotu` (State of the Union authorship), `jsonl` (labelled text file): the records of src/tasks/family.ts. */
    family: z.enum(taskFamilies.names()),
    /** N of N-way (classification only), at least 2. @default 5 */
    ways: z.number().int().min(2).default(5),
    /** K of K-shot: support examples per class (per task for sinusoid). @default 5 */
    shots: positiveInt.default(5),
    /** Query examples per class (per task for sinusoid). @default 10 */
    queryShots: positiveInt.default(10),
    /**
     * Path of the JSONL corpus (`{"text","label"}` per line), family `jsonl` only. A relative path is resolved
     * against `runtime.baseDir`: in a config file, against the file's directory (see `taskDataPath` in src/core/config.ts).
     */
    path: pathString.optional(),
    /** Fractions of classes in meta-train / meta-val / meta-test (disjoint). @default [0.6, 0.2, 0.2] */
    classSplit: z.tuple([positive, positive, positive]).default([0.6, 0.2, 0.2]),
    /** Characters per text example (passages are cut to this length). @default 256 */
    passageChars: positiveInt.default(256),
  })
  .strict();
