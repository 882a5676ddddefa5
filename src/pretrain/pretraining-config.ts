/** The `pretraining` section of the run config (zod only; composed in src/core/config.ts). */
import { z } from 'zod';
import { distinctStrings, MAX_TRAINING_STEPS, pathField, positiveInt, positive } from '../core/config-fields';

/**
 * Masked-language-model pretraining of the Transformer's body (BERT, Devlin et al. 2019, §3.1) on unlabelled
 * text: the meta-train classes' text and the files in `texts` — never meta-val or meta-test text. Run by
 * `metatrain pretrain` (src/pretrain), used with `model.init: pretrained`.
 */
export const pretrainingSchema = z
  .object({
    /** Adam steps, at most {@link MAX_TRAINING_STEPS}. @default 300 */
    steps: positiveInt.max(MAX_TRAINING_STEPS).default(300),
    /** Texts per step. @default 32 */
    batchSize: positiveInt.max(65_536).default(32),
    /** Adam learning rate. @default 0.001 */
    lr: positive.max(1).default(0.001),
    /** Fraction of a text's tokens (CLS and padding excepted) that are predicted; at least one per text. @default 0.15 */
    maskRate: z.number().gt(0).max(0.5).default(0.15),
    /**
     * More unlabelled text: UTF-8 files, cut into passages of `task.passageChars` characters (relative paths
     * resolved against `runtime.baseDir`), each at most once. @default []
     */
    texts: distinctStrings(pathField('give the path of a text file, or remove the entry'), 1000, 'text files').default([]),
    /** Steps between checkpoints (the last step is always checkpointed). @default 100 */
    checkpointEverySteps: positiveInt.max(MAX_TRAINING_STEPS).default(100),
  })
  .strict();
