/**
 * Training of the student in three phases, every step one meta-distillation gradient (./distill) and one Adam
 * step on the student's initialization:
 * 1. `distillSteps` dense steps;
 * 2. `pruneSteps` steps of gradual magnitude pruning (./prune): ten pruning events spread over the phase raise
 *    each prunable tensor's sparsity along the cubic schedule to `sparsity`, the last at the phase's final step
 *    (with `pruneSteps` = 0 the tensors are pruned at once, one-shot);
 * 3. `recoverySteps` steps with the final masks fixed.
 * Pruned weights are held at zero after every step. The event loop is yielded to between steps (heartbeats of a
 * queue lease keep running) and the abort signal checked.
 */
import type { ParamSet } from '../core/param-set';
import { paramSet, specOf } from '../core/param-set';
import { CompressionError } from '../core/errors';
import type { Model } from '../model/model';
import { Adam } from '../meta/adam';
import { isLrName, modelParamsOf } from '../meta/meta-params';
import { distillGradient, type DistillAlgorithm, type DistillTarget } from './distill';
import { magnitudeMask, scheduledSparsity } from './prune';

/** Step counts and rates (the `compression` config section). */
export interface TrainingPlan {
  readonly distillSteps: number;
  readonly pruneSteps: number;
  readonly recoverySteps: number;
  /** Target fraction of zeros in each prunable tensor, [0, 1). */
  readonly sparsity: number;
  readonly learningRate: number;
  readonly temperature: number;
}

/** Pruning events in the pruning phase (Zhu & Gupta prune every Δt steps; here Δt = pruneSteps / 10). */
export const PRUNING_EVENTS = 10;

/** Training phase of a step. */
export type TrainingPhase = 'distill' | 'prune' | 'recover';

/** Reported after every step. */
export interface TrainingProgress {
  readonly phase: TrainingPhase;
  /** 1-based step within the whole training. */
  readonly step: number;
  readonly totalSteps: number;
  readonly loss: number;
  /** Current target sparsity of the prunable tensors. */
  readonly sparsity: number;
}

/** The trained student. */
export interface StudentTrainingResult {
  /** Meta-parameters (θ and any `lr/…`), pruned tensors holding exact zeros. */
  readonly params: ParamSet;
  /** Mean distillation loss of the first and last 10 steps of each phase that ran. */
  readonly losses: Partial<Record<TrainingPhase, { first: number; last: number }>>;
  /** Wall time of each phase. */
  readonly seconds: Record<TrainingPhase, number>;
}

/**
 * Trains `init` (student meta-parameters) on `targets`, cycled in order.
 * @param prunable names of the tensors to prune (2-D weights outside the head).
 * @throws CompressionError (aborted) when `signal` aborts; ShapeError / NonFiniteError when a gradient is invalid.
 */
export async function trainStudent(
  student: Model,
  init: ParamSet,
  targets: readonly DistillTarget[],
  prunable: readonly string[],
  plan: TrainingPlan,
  algorithm: DistillAlgorithm,
  classification: boolean,
  signal: AbortSignal,
  onProgress: (p: TrainingProgress) => void = () => undefined,
): Promise<StudentTrainingResult> {
  const adam = new Adam(specOf(modelParamsOf(init)), { lr: plan.learningRate });
  const lrs = [...init].filter(([n]) => isLrName(n));
  let params = init;
  let masks = new Map<string, Uint8Array>();
  let sparsity = 0;
  const total = plan.distillSteps + plan.pruneSteps + plan.recoverySteps;
  const losses: Record<TrainingPhase, number[]> = { distill: [], prune: [], recover: [] };
  const seconds: Record<TrainingPhase, number> = { distill: 0, prune: 0, recover: 0 };
  const every = Math.max(1, Math.round(plan.pruneSteps / PRUNING_EVENTS));
  const schedule = { initialSparsity: 0, finalSparsity: plan.sparsity, beginStep: 0, endStep: Math.max(0, plan.pruneSteps - 1) };

  const prune = (target: number) => {
    sparsity = target;
    masks = new Map(prunable.map((name) => [name, magnitudeMask(params.get(name)!.data, target)]));
    params = applyMasks(params, masks);
  };

  for (let t = 0; t < total; t++) {
    const phase: TrainingPhase = t < plan.distillSteps ? 'distill' : t < plan.distillSteps + plan.pruneSteps ? 'prune' : 'recover';
    if (phase === 'prune') {
      const local = t - plan.distillSteps;
      if (local % every === 0 || local === plan.pruneSteps - 1) prune(scheduledSparsity(schedule, local));
    } else if (phase === 'recover' && sparsity !== plan.sparsity) {
      prune(plan.sparsity); // no pruning phase: one-shot
    }
    await new Promise((resolve) => setImmediate(resolve));
    if (signal.aborted) throw new CompressionError('compression aborted during student training', true);
    const started = performance.now();
    const { gradient, loss } = distillGradient(student, params, targets[t % targets.length]!, algorithm, plan.temperature, classification);
    params = applyMasks(paramSet([...adam.step(modelParamsOf(params), gradient), ...lrs]), masks);
    seconds[phase] += (performance.now() - started) / 1000;
    losses[phase].push(loss);
    onProgress({ phase, step: t + 1, totalSteps: total, loss, sparsity });
  }
  if (sparsity !== plan.sparsity && plan.sparsity > 0) prune(plan.sparsity); // no step ran after pruning was due
  const summary: StudentTrainingResult['losses'] = {};
  for (const phase of ['distill', 'prune', 'recover'] as const) {
    const l = losses[phase];
    if (l.length > 0) summary[phase] = { first: mean(l.slice(0, 10)), last: mean(l.slice(-10)) };
  }
  return { params, losses: summary, seconds };
}

function mean(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

/** `params` with every masked tensor multiplied by its mask. */
function applyMasks(params: ParamSet, masks: ReadonlyMap<string, Uint8Array>): ParamSet {
  if (masks.size === 0) return params;
  return paramSet(
    [...params].map(([name, t]) => {
      const mask = masks.get(name);
      return [name, mask ? { shape: t.shape, data: t.data.map((v, i) => (mask[i] ? v : 0)) } : t] as const;
    }),
  );
}
