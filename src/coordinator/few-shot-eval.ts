/**
 * Few-shot evaluation on held-out meta-test tasks: every initialization (the meta-learned one and the baselines)
 * is fine-tuned on the support set of the SAME tasks for s = 0..S steps and scored on the query set; results are
 * the mean with a 95% confidence interval over tasks, at every s (Finn et al. 2017; Chen et al. 2019 protocol).
 */
import { DivergedError, NonFiniteResultsError } from '../core/errors';
import { deriveSeed } from '../core/rng';
import { meanCI95 } from '../core/stats';
import type { FewShotResult } from '../summary';
import type { TaskSpec } from '../tasks/task';
import type { RunContext } from './run-context';
import type { ParamKind, WorkItem } from './work-item';

/** An initialization to evaluate. */
export interface Initialization {
  /** `meta-learned`, `random`, `transfer`. */
  name: string;
  /** Published parameter version. */
  version: string;
  /** Layout of `version`: `joint` for the transfer baseline, `meta` for the others. */
  paramKind: ParamKind;
  /** Replace the head by a zero N-way head before fine-tuning (transfer baseline). */
  resetHead: boolean;
}

/** The run's meta-test tasks: `evaluation.testTasks` specs drawn with `deriveSeed(seed, 'test', i)`; every initialization and baseline is scored on these. */
export function metaTestSpecs(config: RunContext['config'], family: RunContext['family']): TaskSpec[] {
  return Array.from({ length: config.evaluation.testTasks }, (_, i) => family.sampleSpec('test', deriveSeed(config.seed, 'test', i)));
}

/**
 * Evaluates each initialization on the meta-test tasks of {@link metaTestSpecs}.
 * @throws RunFailedError when a task fails `maxAttempts` times; DivergedError, saying that fine-tuning diverged and
 *   what to lower, when every attempt of a task gave a non-finite curve (NonFiniteResultsError).
 */
export async function evaluateFewShot(ctx: RunContext, inits: readonly Initialization[]): Promise<FewShotResult[]> {
  const { config, family, dispatcher, events } = ctx;
  const { testTasks, adaptSteps } = config.evaluation;
  const specs = metaTestSpecs(config, family);
  const items: WorkItem[] = inits.flatMap((init, m) =>
    specs.map((task, i) => ({
      key: `test/${init.name}/${i}`,
      kind: 'eval' as const,
      step: m,
      index: i,
      paramVersion: init.version,
      paramKind: init.paramKind,
      task,
      evalSteps: adaptSteps,
      resetHead: init.resetHead,
    })),
  );
  let done = 0;
  // Counted in runs of a task by an initialization, which the name says: `5/20` of 10 tasks × 2 initializations.
  const name = `meta-test evaluation (${testTasks} tasks × ${inits.length} initialization${inits.length === 1 ? '' : 's'})`;
  const onDone = () => events.emit('progress', name, ++done, items.length);
  dispatcher.on('completed', onDone);
  try {
    const results = await dispatcher.runBatch(items);
    return inits.map((init, m) => {
      const mine = results.slice(m * testTasks, (m + 1) * testTasks);
      const chosen = mine.map((r) => r.metrics.chosenSteps);
      const allChosen = chosen.every((s): s is number => s !== undefined);
      return {
        name: init.name,
        loss: Array.from({ length: adaptSteps + 1 }, (_, s) => meanCI95(mine.map((r) => r.metrics.evalLoss[s]!))),
        metric: Array.from({ length: adaptSteps + 1 }, (_, s) => meanCI95(mine.map((r) => r.metrics.evalMetric[s]!))),
        ...(allChosen ? { chosen: { metric: meanCI95(mine.map((r, i) => r.metrics.evalMetric[chosen[i]!]!)), steps: meanCI95(chosen) } } : {}),
      };
    });
  } catch (err) {
    // Deterministic workers agree: fine-tuning from this initialization overflows at test time.
    if (err instanceof NonFiniteResultsError) throw new DivergedError(err.message, TEST_TIME_DIVERGED, { cause: err });
    throw err;
  } finally {
    dispatcher.off('completed', onDone);
  }
}

/** What a meta-test evaluation whose tasks all gave non-finite curves says to lower. */
const TEST_TIME_DIVERGED = 'fine-tuning at test time diverged (lower algorithm.innerLr, its step size, or evaluation.adaptSteps)';
