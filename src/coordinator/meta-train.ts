/**
 * The outer loop (Finn et al. 2017, Algorithm 1, distributed): for each step, sample a meta-batch of task specs
 * from the run seed and the step, dispatch them, aggregate the per-task meta-gradients deterministically, take
 * the Adam step, publish the new version; validate every `evalEverySteps` on a fixed set of meta-val tasks;
 * checkpoint every `checkpointEverySteps` and at every new best; stop at convergence (patience) or `maxSteps`.
 *
 * Determinism: task seeds are `deriveSeed(seed, 'train', step, index)`, aggregation is in task-index order in
 * float64, Adam is plain TypeScript; so the final parameters are bitwise identical whatever the number of workers,
 * the arrival order, worker deaths, or a coordinator restart from a checkpoint.
 */
import { configDifferences, recordedRunConfig } from '../core/config';
import { deriveSeed } from '../core/rng';
import { assertFinite, specOf, type ParamSet } from '../core/param-set';
import { CheckpointError, DivergedError, NonFiniteError, NonFiniteResultsError } from '../core/errors';
import { z } from 'zod';
import { initMetaParams } from '../meta/meta-params';
import { loadPretrainedBody, withPretrainedBody, type PretrainedBody } from '../pretrain/pretrained-body';
import { Adam } from '../meta/adam';
import { OrderedMean } from './aggregate';
import { trainItems } from './train-items';
import { ConvergenceTracker, type ConvergenceState } from './convergence';
import type { RunContext } from './run-context';
import { assertNoEarlierCheckpoints } from './earlier-checkpoints';
import type { TrainHistory } from '../summary';
import type { WorkItem, WorkResult } from './work-item';

/** Outcome of meta-training. */
export interface MetaTrainResult {
  /** Parameters of the best validation (the meta-initialization to use). */
  best: ParamSet;
  /** Step of `best`: that of the best validation, or the resumed step standing in for a best checkpoint that could not be loaded. */
  bestStep: number;
  /** Checkpoint directory of the best parameters. */
  bestCheckpoint: string;
  /** Last completed step. */
  step: number;
  /** `converged` (patience), `max-steps`, or `stopped` (graceful stop). */
  reason: 'converged' | 'max-steps' | 'stopped';
  history: TrainHistory;
  /** The pretrained body the run started from (`model.init`), when any. */
  pretrained?: PretrainedBody;
}

interface Extra {
  /** The run config, so that a checkpoint is self-describing (`metatrain adapt`, compression). */
  config: unknown;
  convergence: ConvergenceState;
  converged: boolean;
  history: TrainHistory;
}

const count = z.number().int().nonnegative();
const numbers = z.array(z.number());
/** What a meta-training checkpoint's `extra` must hold to be resumed. */
const extraSchema = z.object({
  config: z.unknown(),
  convergence: z.object({ bestLoss: z.number().nullable(), bestStep: count, sinceBest: count }),
  converged: z.boolean(),
  history: z.object({ steps: numbers, metaLoss: numbers, metaMetric: numbers, tasksPerSecond: numbers, workers: numbers, valSteps: numbers, valLoss: numbers, valMetric: numbers }),
});

/**
 * The training state recorded in a checkpoint's `extra` (convergence tracker, history), validated.
 * @throws CheckpointError naming the checkpoint and the first bad field (`extra.convergence.bestStep`, …).
 */
export function trainingStateOf(extra: unknown, path: string): Extra {
  const parsed = extraSchema.safeParse(extra);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new CheckpointError(`checkpoint ${path}: cannot resume: extra.${issue.path.join('.')}: ${issue.message}`);
  }
  return parsed.data as Extra;
}

/** A history of no step. */
export const emptyHistory = (): TrainHistory => ({ steps: [], metaLoss: [], metaMetric: [], tasksPerSecond: [], workers: [], valSteps: [], valLoss: [], valMetric: [] });

/** Mean of a list of numbers, in order. */
function mean(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

/** Version name of the meta-parameters after `step` outer steps. */
export function metaVersion(step: number): string {
  return `meta/${step}`;
}

/**
 * Validation on the fixed meta-val tasks: query loss and metric after `innerSteps` adaptation steps.
 * @throws RunFailedError when a task exhausts its attempts.
 */
async function validate(ctx: RunContext, version: string, step: number): Promise<{ loss: number; metric: number }> {
  const { config, family } = ctx;
  const items: WorkItem[] = Array.from({ length: config.training.evalTasks }, (_, i) => ({
    key: `val/${step}/${i}`,
    kind: 'eval',
    step,
    index: i,
    paramVersion: version,
    task: family.sampleSpec('val', deriveSeed(config.seed, 'val', i)),
    evalSteps: config.algorithm.innerSteps,
  }));
  const results = await ctx.dispatcher.runBatch(items);
  return {
    loss: mean(results.map((r) => r.metrics.evalLoss.at(-1)!)),
    metric: mean(results.map((r) => r.metrics.evalMetric.at(-1)!)),
  };
}

/**
 * Runs (or resumes) meta-training. A fresh run starts from the seeded initialization, its body replaced by the
 * pretrained one when `model.init` names one (src/pretrain/pretrained-body.ts).
 * @param resume continue from the newest valid checkpoint of this config (a corrupt newest one is skipped with a
 *   warning event; so is a best checkpoint that cannot be loaded, the resumed parameters standing in for it).
 * @throws RunFailedError when a task fails `maxAttempts` times (checkpoints stay intact), DivergedError when
 *   training diverges; CheckpointError when resuming from a checkpoint of another config, or when starting afresh
 *   (no `resume`) where checkpoints already exist (nothing is overwritten: src/coordinator/earlier-checkpoints.ts),
 *   or when the `model.init` checkpoint is missing or does not fit the model.
 * @param pretrained the `model.init` body when the caller has read it already; @default read here
 */
export async function metaTrain(ctx: RunContext, resume: boolean, pretrained?: PretrainedBody): Promise<MetaTrainResult> {
  const { config, family, dispatcher, versions, store, log, events } = ctx;
  const { training, algorithm } = config;
  pretrained ??= await loadPretrainedBody(config);
  const seeded = initMetaParams(config, family.outputs, deriveSeed(config.seed, 'init'));
  let params = pretrained ? withPretrainedBody(seeded, pretrained) : seeded;
  if (pretrained) log.info({ path: pretrained.path, step: pretrained.step }, 'meta-initialization body from the pretrained checkpoint');
  let adam = new Adam(specOf(params), { lr: algorithm.outerLr });
  let step = 0;
  let extra: Extra = { config, convergence: { bestLoss: null, bestStep: 0, sinceBest: 0 }, converged: false, history: emptyHistory() };
  let best = params;
  /** The step of `best`: the tracker's best step, or the resumed step standing in for a lost best checkpoint. */
  let bestStep = 0;
  let bestCheckpoint = '';

  /** A warning of the checkpoint store (a corrupt checkpoint skipped, an old one kept for a user's files, a best one lost): the coordinator logs it. */
  const warn = (w: string) => events.emit('warning', w);
  if (!resume) await assertNoEarlierCheckpoints(config, store);
  if (resume) {
    const found = await store.loadLatest(ctx.configHash, (recorded) => configDifferences(recorded, config));
    for (const w of found?.warnings ?? []) warn(w);
    if (found) {
      const c = found.checkpoint;
      params = c.params;
      adam = new Adam(specOf(params), { lr: algorithm.outerLr }, c.optimizer);
      step = c.step;
      extra = trainingStateOf(c.extra, c.path);
      // The best checkpoint is the one of the tracker's best step (never newer than the resumed step), so a
      // corrupt newer checkpoint that best.json may point to does not matter. That newer one, once the best, may
      // have had the tracker's best step pruned: the resumed parameters stand in for it.
      bestStep = extra.convergence.bestStep;
      if (bestStep > 0) {
        const b = await store.loadStep(bestStep).catch((err: unknown) => {
          if (!(err instanceof CheckpointError)) throw err;
          warn(`the best checkpoint so far, step ${bestStep}, cannot be loaded (${err.message}): the resumed step ${step}'s parameters stand in for it until a better validation`);
          bestStep = step;
          return c;
        });
        best = b.params;
        bestCheckpoint = b.path;
      }
      log.info({ step, path: c.path }, 'resumed from checkpoint');
      events.emit('warning', `resumed from ${c.path} (step ${step})`);
    }
  }
  const tracker = new ConvergenceTracker(training.patience, training.minDelta, extra.convergence);
  const history = extra.history;
  let converged = extra.converged;

  const checkpoint = async (isBest: boolean, metrics: Record<string, number>) => {
    const saved = await store.save({
      step,
      params,
      optimizer: adam.state(),
      configHash: ctx.configHash,
      rng: { seed: config.seed, derivation: 'deriveSeed(seed, kind, step, index)', nextStep: step + 1 },
      metrics,
      extra: { config: recordedRunConfig(config), convergence: tracker.state(), converged, history } satisfies Extra as unknown as Record<string, unknown>,
      best: isBest,
    }).catch((err: Error) => {
      events.emit('checkpointFailed', step, err.message);
      throw err;
    });
    for (const w of saved.warnings) warn(w);
    if (isBest) bestCheckpoint = saved.path;
    events.emit('checkpoint', { step, path: saved.path, bytes: saved.bytesWritten, durationSeconds: saved.totalSeconds, best: isBest });
  };

  /** The train items of step `s` (parameter version of step s − 1). */
  const itemsOf = (s: number): WorkItem[] =>
    trainItems(s, metaVersion(s - 1), (i) => family.sampleSpec('train', deriveSeed(config.seed, 'train', s, i)), algorithm.metaBatchSize, config.runtime.aggregation === 'per-worker' ? config.runtime.aggregationGroup : undefined);
  const prepared = new Map<number, WorkItem[]>();
  versions.publish(metaVersion(step), params);
  let lastCheckpointed = step;
  while (!converged && step < training.maxSteps) {
    if (ctx.stopping()) break;
    const next = step + 1;
    const started = performance.now();
    const items = prepared.get(next) ?? itemsOf(next);
    prepared.clear();
    let results: WorkResult[];
    // Summed in index order as results arrive (./aggregate.ts): the same bits as summing at the end. Per-worker
    // aggregation: the items are groups whose results are sums; the mean divides by the task count.
    const sum = new OrderedMean(items.length, algorithm.metaBatchSize);
    try {
      const batch = dispatcher.runBatch(items, (i, r) => sum.add(i, r.gradient!));
      // Sampling a step's task specs takes ~0.7 ms per text task: the next step's are sampled while this one
      // runs (after the assignments went out), not between steps.
      if (next < training.maxSteps) setImmediate(() => prepared.set(next + 1, itemsOf(next + 1)));
      results = await batch;
    } catch (err) {
      if (ctx.stopping()) break;
      throw divergence(err);
    }
    const gradient = sum.mean();
    try {
      params = adam.step(params, gradient);
      assertFinite(params, `parameters after the update of step ${next}`);
    } catch (err) {
      throw divergence(err);
    }
    step = next;
    versions.publish(metaVersion(step), params);
    const durationSeconds = (performance.now() - started) / 1000;
    // A group's metrics are the means over its tasks: weighted by its task count, these are means over all tasks.
    const tasksOf = (i: number) => items[i]!.group?.length ?? 1;
    const metaLoss = results.reduce((a, r, i) => a + r.metrics.queryLoss * tasksOf(i), 0) / algorithm.metaBatchSize;
    const metaMetric = results.reduce((a, r, i) => a + r.metrics.queryMetric * tasksOf(i), 0) / algorithm.metaBatchSize;
    if (!Number.isFinite(metaLoss)) throw new DivergedError(`meta-loss is ${metaLoss} at step ${step}`, DIVERGED);
    const tasksPerSecond = algorithm.metaBatchSize / durationSeconds;
    history.steps.push(step);
    history.metaLoss.push(metaLoss);
    history.metaMetric.push(metaMetric);
    history.tasksPerSecond.push(tasksPerSecond);
    history.workers.push(dispatcher.workerCount);
    events.emit('step', { step, maxSteps: training.maxSteps, metaLoss, metaMetric, durationSeconds, tasksPerSecond, workers: dispatcher.workerCount });

    let isBest = false;
    let valMetrics: Record<string, number> = {};
    if (step % training.evalEverySteps === 0 || step === training.maxSteps) {
      let val;
      try {
        val = await validate(ctx, metaVersion(step), step);
      } catch (err) {
        if (ctx.stopping()) break;
        throw divergence(err);
      }
      const u = tracker.update(step, val.loss);
      converged = u.converged;
      isBest = u.improved;
      if (isBest) {
        best = params;
        bestStep = step;
      }
      history.valSteps.push(step);
      history.valLoss.push(val.loss);
      history.valMetric.push(val.metric);
      valMetrics = { valLoss: val.loss, valMetric: val.metric };
      events.emit('validation', { step, loss: val.loss, metric: val.metric, improved: u.improved });
    }
    if (isBest || converged || step % training.checkpointEverySteps === 0 || step === training.maxSteps) {
      await checkpoint(isBest, { metaLoss, metaMetric, ...valMetrics });
      lastCheckpointed = step;
    }
  }
  if (step !== lastCheckpointed) await checkpoint(false, history.metaLoss.length > 0 ? { metaLoss: history.metaLoss.at(-1)! } : {});
  const reason = converged ? 'converged' : step >= training.maxSteps ? 'max-steps' : 'stopped';
  return { best, bestStep: bestStep || step, bestCheckpoint, step, reason, history, pretrained };
}

/** What a run that met non-finite values says: the advice that follows its cause. */
const DIVERGED = 'training diverged (lower algorithm.outerLr or algorithm.innerLr)';

/**
 * A non-finite value met by meta-training as the run's failure, saying what to lower: a NaN or ±Inf meta-gradient or
 * parameter after an update (NonFiniteError), or a task whose every attempt gave a non-finite result
 * (NonFiniteResultsError: deterministic workers agree, so the parameters are at fault). Any other error as it is.
 */
function divergence(err: unknown): unknown {
  if (!(err instanceof NonFiniteError || err instanceof NonFiniteResultsError)) return err;
  return new DivergedError(err.message, DIVERGED, { cause: err });
}
