/**
 * What a worker computes, independent of the network: given a parameter set and a task spec, the per-task
 * meta-gradient (train), the adaptation curve (eval), or a supervised gradient on a joint batch (transfer
 * baseline). Implemented with the engine (src/model, src/meta, src/tasks) on the chosen tfjs backend.
 */
import type { ParamSet, ParamSpec } from '../core/param-set';
import type { TaskSpec } from '../tasks/task';

/** A gradient (same spec as the parameters it was taken at) with the query loss and metric. */
export interface GradientResult {
  gradient: ParamSet;
  loss: number;
  metric: number;
}

/** Query loss and metric after s = 0..steps adaptation steps, and the step count chosen on held-out examples. */
export interface EvalCurve {
  loss: number[];
  metric: number[];
  chosenSteps?: number;
}

/** The engine as a worker uses it. Methods may return promises (a simulated engine waits instead of computing: src/sim). */
export interface Engine {
  /** Spec of the meta-parameters (`meta/*`, `random` versions). */
  readonly metaSpec: ParamSpec;
  /** Spec of the transfer baseline's parameters (`transfer/*` versions, one output per meta-train class). */
  readonly jointSpec: ParamSpec;
  /** Per-task meta-gradient of the configured algorithm at `params`. */
  train(params: ParamSet, task: TaskSpec): GradientResult | Promise<GradientResult>;
  /**
   * Query loss and metric after s = 0..steps adaptation steps from `params`, and the step count chosen on held-out
   * support examples (`chooseSteps` of src/meta/choose-steps; undefined for 1-shot tasks).
   */
  evaluate(params: ParamSet, task: TaskSpec, steps: number, resetHead: boolean): EvalCurve | Promise<EvalCurve>;
  /**
   * Optional: the meta-gradients of several tasks at the same `params` (result i for `tasks[i]`), equal to `train` on
   * each, computed as task-vectorized batches where the engine can (src/meta/batched-meta-gradient).
   */
  trainBatch?(params: ParamSet, tasks: readonly TaskSpec[]): GradientResult[] | Promise<GradientResult[]>;
  /** Optional: `evaluate` of several tasks at the same `params` (result i for `tasks[i]`), batched likewise. */
  evaluateBatch?(params: ParamSet, tasks: readonly TaskSpec[], steps: number, resetHead: boolean): EvalCurve[] | Promise<EvalCurve[]>;
  /** Supervised gradient of the joint (all meta-train classes) model on batch `(seed, size)`. */
  joint(params: ParamSet, seed: number, size: number): GradientResult | Promise<GradientResult>;
  /** Live tfjs tensors and bytes (for leak checks and metrics). */
  memory(): { tensors: number; bytes: number };
}

/** An engine that computes in the calling thread (the tfjs engine): every result is immediate. */
export interface ComputeEngine extends Engine {
  train(params: ParamSet, task: TaskSpec): GradientResult;
  evaluate(params: ParamSet, task: TaskSpec, steps: number, resetHead: boolean): EvalCurve;
  joint(params: ParamSet, seed: number, size: number): GradientResult;
  trainBatch(params: ParamSet, tasks: readonly TaskSpec[]): GradientResult[];
  evaluateBatch(params: ParamSet, tasks: readonly TaskSpec[], steps: number, resetHead: boolean): EvalCurve[];
}
