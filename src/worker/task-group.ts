/**
 * Worker side of per-worker aggregation (`runtime.aggregation: per-worker`, docs/wire.md "Aggregation"): an
 * assignment that carries a group of tasks is trained task by task and answered with one gradient, the sum of the
 * group's meta-gradients in float64 in group order, rounded to float32 once (the same arithmetic as the
 * coordinator's per-task sum, src/coordinator/aggregate.ts). The group's loss and metric are means over its tasks.
 */
import { OrderedMean } from '../coordinator/aggregate';
import type { ParamSet } from '../core/param-set';
import type { TaskSpec } from '../tasks/task';
import type { Engine, GradientResult } from './engine';

/**
 * Trains every task of `group` (all at once; the coordinator gives a worker ⌈concurrency / G⌉ groups at a time)
 * and sums their gradients in group order.
 * @throws Error when `group` is empty; whatever `engine.train` throws; ShapeError when the engine's gradients
 *   disagree in their tensors.
 */
export async function trainGroup(engine: Engine, params: ParamSet, group: readonly TaskSpec[]): Promise<GradientResult> {
  if (group.length === 0) throw new Error('an assignment group holds no task');
  const results = await Promise.all(group.map((task) => engine.train(params, task)));
  const sum = new OrderedMean(results.length, 1);
  results.forEach((r, i) => sum.add(i, r.gradient));
  const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
  return { gradient: sum.mean(), loss: mean(results.map((r) => r.loss)), metric: mean(results.map((r) => r.metric)) };
}
