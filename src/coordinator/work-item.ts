/**
 * Units of work the coordinator hands to workers, and what comes back. A work item is what the run needs done;
 * an assignment (wire) is one attempt at it, with a lease.
 */
import type { ParamSet } from '../core/param-set';
import type { TaskSpec } from '../tasks/task';

/** `train`: per-task meta-gradient; `eval`: adaptation curve 0..S; `joint`: supervised gradient (transfer baseline). */
export type WorkKind = 'train' | 'eval' | 'joint';

/**
 * Layout of a parameter version: `meta` (the meta-parameters: `meta/*`, `best`, `random`) or `joint` (the transfer
 * baseline's, one output per meta-train class: `transfer/*`). Sent as the assignment's `param_kind`.
 */
export type ParamKind = 'meta' | 'joint';

/** One unit of work. `key` is unique within the run, e.g. `train/12/3` (kind/step/index). */
export interface WorkItem {
  readonly key: string;
  readonly kind: WorkKind;
  readonly step: number;
  readonly index: number;
  /** Parameter version the worker must use (fetched once per version, cached). */
  readonly paramVersion: string;
  /** Layout of `paramVersion`. @default 'meta' */
  readonly paramKind?: ParamKind;
  /** `train` and `eval`. */
  readonly task?: TaskSpec;
  /**
   * `train` with `runtime.aggregation: per-worker`, instead of `task`: a group of the tasks of consecutive indices
   * whose summed meta-gradient comes back as one result (`index` is then the group's index).
   */
  readonly group?: readonly TaskSpec[];
  /** `eval`: adaptation steps S. */
  readonly evalSteps?: number;
  /** `eval`: replace the head by a zero head of the task's ways (transfer baseline). */
  readonly resetHead?: boolean;
  /** `joint`: batch seed and size. */
  readonly batchSeed?: number;
  readonly batchSize?: number;
}

/** Metrics of one completed item. Arrays are indexed by adaptation steps taken (eval only). */
export interface WorkMetrics {
  queryLoss: number;
  queryMetric: number;
  evalLoss: number[];
  evalMetric: number[];
  /** Eval: step count chosen on held-out support examples, in [0, evalSteps]; undefined for 1-shot tasks. */
  chosenSteps?: number;
  durationSeconds: number;
}

/** A validated result: the gradient (train/joint) and metrics, and which worker produced it. */
export interface WorkResult {
  readonly gradient?: ParamSet;
  readonly metrics: WorkMetrics;
  readonly workerId: string;
}
