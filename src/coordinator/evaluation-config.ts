/** The `evaluation` section of the run config (zod only; composed in src/core/config.ts): the final few-shot evaluation and its baselines. */
import { z } from 'zod';
import { distinctStrings, MAX_ADAPT_STEPS, MAX_EVALUATION_TASKS, MAX_TRAINING_STEPS, positiveInt, nonNegativeInt } from '../core/config-fields';

/** The baselines an evaluation can run (`evaluation.baselines`, each at most once). */
const BASELINES = ['random', 'transfer', 'tfidf-char', 'tfidf-word', 'tfidf-char-lr', 'tfidf-word-lr'] as const;

/** Final few-shot evaluation on meta-test tasks. */
export const evaluationSchema = z
  .object({
    /** Meta-test tasks. @default 100 */
    testTasks: positiveInt.max(MAX_EVALUATION_TASKS).default(100),
    /** Fine-tuning steps S at test time, at most {@link MAX_ADAPT_STEPS}; results are reported for 0..S. @default 10 */
    adaptSteps: nonNegativeInt.max(MAX_ADAPT_STEPS).default(10),
    /**
     * Baselines evaluated in the same run, on the same meta-test tasks: `random` (a fresh initialization) and
     * `transfer` (joint training on meta-train classes, new head) are fine-tuned like the meta-learned one;
     * `tfidf-char` and `tfidf-word` are classical TF-IDF nearest-centroid classifiers, `tfidf-char-lr` and
     * `tfidf-word-lr` TF-IDF logistic regressions fitted on each task's support set (text families only,
     * src/baselines/classical-eval.ts). Each at most once. @default ['random', 'transfer']
     */
    baselines: distinctStrings(z.enum(BASELINES), BASELINES.length, 'baselines (each of the choices at most once)').default(['random', 'transfer']),
    /** Outer steps of joint training for the transfer baseline, at most {@link MAX_TRAINING_STEPS}. @default 200 */
    transferSteps: positiveInt.max(MAX_TRAINING_STEPS).default(200),
  })
  .strict();
