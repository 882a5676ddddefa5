/**
 * The evaluation phase of a run, after meta-training: the baselines (`evaluation.baselines`: a random
 * initialization, the transfer baseline trained through the workers) and the few-shot evaluation of every
 * initialization on the meta-test tasks (./few-shot-eval.ts), with the classical baselines computed on the
 * coordinator meanwhile.
 */
import { deriveSeed } from '../core/rng';
import { initMetaParams } from '../meta/meta-params';
import { CLASSICAL_BASELINES, evaluateClassical, isTextFamily } from '../baselines/classical-eval';
import type { RunSummary } from '../summary';
import { evaluateFewShot, metaTestSpecs, type Initialization } from './few-shot-eval';
import type { MetaTrainResult } from './meta-train';
import type { RunContext } from './run-context';
import { trainTransferBaseline } from './transfer-baseline';

/** What {@link evaluateRun} measured; `baselinesAt` is `performance.now()` when the baselines were ready. */
export interface EvaluationResults {
  results: RunSummary['results'];
  classical: RunSummary['classical'];
  baselinesAt: number;
}

/**
 * Publishes the best meta-parameters (version `best`) and the baselines, then evaluates them all on the meta-test
 * tasks.
 * @throws RunFailedError when a task fails `maxAttempts` times, or when a graceful stop rejects the outstanding
 *   tasks (`dispatcher.abortAll`; the caller tells the two apart by `ctx.stopping()`).
 */
export async function evaluateRun(ctx: RunContext, trained: MetaTrainResult): Promise<EvaluationResults> {
  const { config, family, versions } = ctx;
  const inits: Initialization[] = [{ name: 'meta-learned', version: 'best', paramKind: 'meta', resetHead: false }];
  versions.publish('best', trained.best);
  const baselines = config.evaluation.baselines;
  if (baselines.includes('random')) {
    versions.publish('random', initMetaParams(config, family.outputs, deriveSeed(config.seed, 'random-baseline')));
    inits.push({ name: 'random', version: 'random', paramKind: 'meta', resetHead: false });
  }
  if (baselines.includes('transfer') && family.classCount('train') > 0) {
    const transfer = await trainTransferBaseline(ctx, trained.pretrained);
    inits.push({ name: 'transfer', version: transfer.version, paramKind: 'joint', resetHead: true });
  }
  const baselinesAt = performance.now();
  const classicalNames = CLASSICAL_BASELINES.filter((b) => baselines.includes(b));
  const [results, classical] = await Promise.all([
    evaluateFewShot(ctx, inits),
    // On the coordinator (plain TypeScript), while the workers evaluate the initializations.
    classicalNames.length > 0 && isTextFamily(family) ? evaluateClassical(family, metaTestSpecs(config, family), classicalNames) : [],
  ]);
  return { results, classical, baselinesAt };
}
