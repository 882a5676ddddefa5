/**
 * The worker's engine on tfjs: rebuilds tasks from specs (src/tasks), runs the configured algorithm's per-task
 * meta-gradient, adaptation curves and joint gradients (src/meta) with the functional models (src/model) on the
 * chosen backend. Several tasks at once (`trainBatch`, `evaluateBatch`) run as task-vectorized batches
 * (src/meta/batched-meta-gradient, src/meta/batched-evaluate), one per group of tasks with equal set sizes — except
 * for a text model whose body adapts, which runs them one by one (faster there). Unsupported algorithm/model combinations are refused when the engine is built, before any
 * task runs (never a silent first-order fallback).
 */
import * as tf from '@tensorflow/tfjs';
import { runModelConfig, type RunConfig } from '../core/config';
import { initBackend, type BackendName } from '../model/backend';
import { createModel } from '../model/create-model';
import { architectureOf } from '../model/architecture';
import { taskBatched } from '../model/task-batched';
import { checkAlgorithmSupported } from '../meta/algorithm-support';
import { computeMetaGradient } from '../meta/meta-gradient';
import { computeMetaGradients } from '../meta/batched-meta-gradient';
import { evaluateAdaptations } from '../meta/batched-evaluate';
import { bestStepCount, chooseSteps, heldOutSplit } from '../meta/choose-steps';
import { evaluateAdaptation } from '../meta/evaluate';
import { FeatureCache } from '../meta/feature-cache';
import { jointGradient } from '../meta/joint-gradient';
import { adaptableNames, metaParamSpec } from '../meta/meta-params';
import type { ParamSet } from '../core/param-set';
import type { ExampleSet, Task, TaskSpec } from '../tasks/task';
import { taskFamilyFor } from '../tasks/task-family';
import type { ComputeEngine, EvalCurve, GradientResult } from './engine';

/**
 * Builds the engine for a run.
 * @throws BackendError when the backend cannot be loaded; UnsupportedGradientError when the algorithm needs
 *   second-order gradients through an op tfjs cannot differentiate twice; DatasetError when the task family
 *   cannot be built.
 */
export async function createTfjsEngine(config: RunConfig, backend: BackendName): Promise<ComputeEngine> {
  await initBackend(backend);
  const family = taskFamilyFor(config);
  const modelConfig = runModelConfig(config);
  const model = createModel(modelConfig, family.outputs);
  checkAlgorithmSupported(model, config.algorithm);
  const jointClasses = Math.max(1, family.classCount('train'));
  let jointModel: ReturnType<typeof createModel> | undefined;
  const joint = () => (jointModel ??= createModel(modelConfig, jointClasses));
  const featureCache = new FeatureCache(); // this run's frozen-body features (adapt: head), across evaluation tasks
  const batched = taskBatched(model, modelConfig);
  // A body run once per task (text models) is only worth batching when frozen (adapt: head): otherwise the batched
  // path slices tiled body parameters every inner step, slower than one task at a time (bench/quickstart-speed.ts).
  const vectorize = !batched.bodyPerTask || adaptableNames(model, config.algorithm.adapt).every((n) => model.headNames.includes(n));
  const train = (params: ParamSet, spec: TaskSpec): GradientResult => {
    const r = computeMetaGradient(model, params, family.build(spec), config.algorithm);
    return { gradient: r.gradient, loss: r.queryLoss, metric: r.queryMetric };
  };
  const evaluate = (params: ParamSet, spec: TaskSpec, steps: number, resetHead: boolean): EvalCurve => {
    const task = family.build(spec);
    const options = { steps, algorithm: config.algorithm, resetHead, featureCache };
    return { ...evaluateAdaptation(model, params, task, options), chosenSteps: chooseSteps(model, params, task, options) };
  };
  return {
    metaSpec: metaParamSpec(model, config.algorithm),
    jointSpec: architectureOf(config.model, jointClasses).spec,
    train,
    evaluate,
    trainBatch(params, specs) {
      if (!vectorize) return specs.map((spec) => train(params, spec));
      return inSizeGroups(specs.map((spec) => family.build(spec)), (tasks) =>
        computeMetaGradients(batched, params, tasks, config.algorithm).map((r) => ({ gradient: r.gradient, loss: r.queryLoss, metric: r.queryMetric })),
      );
    },
    evaluateBatch(params, specs, steps, resetHead) {
      if (!vectorize) return specs.map((spec) => evaluate(params, spec, steps, resetHead));
      const tasks = specs.map((spec) => family.build(spec));
      const options = { steps, algorithm: config.algorithm, resetHead };
      const curves = inSizeGroups(tasks, (group) => evaluateAdaptations(batched, params, group, options));
      const splits = tasks.map(heldOutSplit);
      const defined = splits.flatMap((s) => (s ? [s] : []));
      const chosen = defined.length === 0 ? [] : inSizeGroups(defined, (group) => evaluateAdaptations(batched, params, group, options).map((c) => bestStepCount(c.metric, true)));
      let next = 0;
      return curves.map((curve, i) => ({ ...curve, chosenSteps: splits[i] ? chosen[next++] : undefined }));
    },
    joint(params, seed, size) {
      return jointGradient(joint(), params, family.jointBatch(seed, size));
    },
    memory() {
      const m = tf.memory();
      return { tensors: m.numTensors, bytes: m.numBytes };
    },
  };
}

/**
 * `run` on each group of `tasks` whose support and query sets have equal sizes (tasks of one batch must stack), results
 * back in the order of `tasks`.
 */
function inSizeGroups<R>(tasks: readonly Task[], run: (group: Task[]) => R[]): R[] {
  const size = (set: ExampleSet) => (set.kind === 'text' ? set.texts.length : set.x.length);
  const groups = new Map<string, number[]>();
  tasks.forEach((t, i) => {
    const key = `${t.support.kind}:${size(t.support)}:${size(t.query)}`;
    groups.set(key, [...(groups.get(key) ?? []), i]);
  });
  const results: R[] = new Array(tasks.length);
  for (const indices of groups.values()) run(indices.map((i) => tasks[i]!)).forEach((r, j) => (results[indices[j]!] = r));
  return results;
}
