/**
 * The worker's engine on tfjs: rebuilds tasks from specs (src/tasks), runs the configured algorithm's per-task
 * meta-gradient, adaptation curves and joint gradients (src/meta) with the functional models (src/model) on the
 * chosen backend. Unsupported algorithm/model combinations are refused when the engine is built, before any
 * task runs (never a silent first-order fallback).
 */
import * as tf from '@tensorflow/tfjs';
import { runModelConfig, type RunConfig } from '../core/config';
import { initBackend, type BackendName } from '../model/backend';
import { createModel } from '../model/create-model';
import { architectureOf } from '../model/architecture';
import { checkAlgorithmSupported } from '../meta/algorithm-support';
import { computeMetaGradient } from '../meta/meta-gradient';
import { chooseSteps } from '../meta/choose-steps';
import { evaluateAdaptation } from '../meta/evaluate';
import { FeatureCache } from '../meta/feature-cache';
import { jointGradient } from '../meta/joint-gradient';
import { metaParamSpec } from '../meta/meta-params';
import { taskFamilyFor } from '../tasks/task-family';
import type { ComputeEngine } from './engine';

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
  return {
    metaSpec: metaParamSpec(model, config.algorithm),
    jointSpec: architectureOf(config.model, jointClasses).spec,
    train(params, spec) {
      const r = computeMetaGradient(model, params, family.build(spec), config.algorithm);
      return { gradient: r.gradient, loss: r.queryLoss, metric: r.queryMetric };
    },
    evaluate(params, spec, steps, resetHead) {
      const task = family.build(spec);
      const options = { steps, algorithm: config.algorithm, resetHead, featureCache };
      return { ...evaluateAdaptation(model, params, task, options), chosenSteps: chooseSteps(model, params, task, options) };
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
