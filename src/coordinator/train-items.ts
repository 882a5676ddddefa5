/**
 * The work items of one meta-training step: one per task (`runtime.aggregation: per-task`), or one per group of
 * `group` consecutive task indices (`per-worker`, docs/wire.md "Aggregation"): group k holds tasks
 * k·G … min(B, (k+1)·G) − 1, so the grouping depends only on the meta-batch size B and G, never on the workers.
 */
import { ConfigError } from '../core/errors';
import type { TaskSpec } from '../tasks/task';
import type { WorkItem } from './work-item';

/**
 * Items of step `step` using parameter version `paramVersion`.
 * @param taskAt the task spec of task index i (0 ≤ i < metaBatchSize).
 * @param group tasks per group; undefined = one item per task.
 * @throws ConfigError when `metaBatchSize` or `group` is not a positive integer.
 */
export function trainItems(step: number, paramVersion: string, taskAt: (index: number) => TaskSpec, metaBatchSize: number, group?: number): WorkItem[] {
  if (!Number.isInteger(metaBatchSize) || metaBatchSize < 1) throw new ConfigError('algorithm.metaBatchSize', `must be a positive integer, got ${metaBatchSize}`);
  if (group === undefined) {
    return Array.from({ length: metaBatchSize }, (_, i) => ({ key: `train/${step}/${i}`, kind: 'train', step, index: i, paramVersion, task: taskAt(i) }));
  }
  if (!Number.isInteger(group) || group < 1) throw new ConfigError('runtime.aggregationGroup', `must be a positive integer, got ${group}`);
  return Array.from({ length: Math.ceil(metaBatchSize / group) }, (_, k) => ({
    key: `train/${step}/g${k}`,
    kind: 'train',
    step,
    index: k,
    paramVersion,
    group: Array.from({ length: Math.min(metaBatchSize, (k + 1) * group) - k * group }, (_, j) => taskAt(k * group + j)),
  }));
}
