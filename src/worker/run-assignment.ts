/**
 * What one assignment asks of an engine, by its kind (proto/metatrain/v1/coordinator.proto, TaskKind): TRAIN — the
 * meta-gradient of its task, or the summed one of its group (./task-group.ts); EVAL — the adaptation curve of its task
 * after 0..S steps; JOINT — the transfer baseline's supervised gradient. Shared by the worker's executor
 * (./task-executor.ts) and the simulated benchmark client (src/sim/simulated-client.ts).
 */
import type { ParamSet } from '../core/param-set';
import type { Assignment } from '../wire/proto';
import type { TaskMetrics } from '../wire/generated/metatrain/v1/TaskMetrics';
import { taskSpecFromMessage } from '../wire/task-spec-codec';
import type { Engine } from './engine';
import { trainGroup } from './task-group';

/** An assignment's outcome: the gradient (TRAIN, JOINT) and the metrics of its final result part, less the duration. */
export interface AssignmentOutcome {
  gradient?: ParamSet;
  metrics: Omit<TaskMetrics, 'durationSeconds'>;
}

/**
 * Runs assignment `a` on `engine` at `params`.
 * @throws Error naming the kind when it is unknown; whatever the engine throws.
 */
export async function runAssignment(engine: Engine, params: ParamSet, a: Assignment): Promise<AssignmentOutcome> {
  if (a.kind === 'TASK_KIND_TRAIN') {
    const r = a.group.length > 0 ? await trainGroup(engine, params, a.group.map(taskSpecFromMessage)) : await engine.train(params, taskSpecFromMessage(a.task));
    return { gradient: r.gradient, metrics: { queryLoss: r.loss, queryMetric: r.metric } };
  }
  if (a.kind === 'TASK_KIND_EVAL') {
    const r = await engine.evaluate(params, taskSpecFromMessage(a.task), a.evalSteps, a.resetHead);
    return { metrics: { evalLoss: r.loss, evalMetric: r.metric, queryLoss: r.loss.at(-1), queryMetric: r.metric.at(-1), chosenSteps: r.chosenSteps } };
  }
  if (a.kind === 'TASK_KIND_JOINT') {
    const r = await engine.joint(params, a.batchSeed, a.batchSize);
    return { gradient: r.gradient, metrics: { queryLoss: r.loss, queryMetric: r.metric } };
  }
  throw new Error(`unknown task kind ${a.kind}`);
}
