/**
 * Public surface of src/meta: meta-parameters, inner loop, per-task meta-gradients, joint gradient, adaptation,
 * evaluation, Adam. Importing this index loads tfjs; tfjs-free code (the coordinator) imports `./meta-params` and
 * `./adam` directly, which load no tfjs (checked in test/meta/meta-params.test.ts).
 */
export { Adam } from './adam';
export { adaptParams } from './adapt';
export { algorithms } from './algorithm';
export { blockingOps, checkAlgorithmSupported, isSecondOrder } from './algorithm-support';
export { evaluateAdaptation } from './evaluate';
export { innerLoop } from './inner-loop';
export { jointGradient } from './joint-gradient';
export { computeMetaGradient } from './meta-gradient';
export { adaptableNames, initMetaParams, isLrName, LR_PREFIX, lrName, metaParamSpec, modelParamsOf } from './meta-params';
export type { AdamOptions, AdamState } from './adam';
export type { AdaptOptions } from './adapt';
export type { MetaAlgorithm } from './algorithm';
export type { AdaptationCurve, EvaluateOptions } from './evaluate';
export type { InnerLoopOptions, InnerLr } from './inner-loop';
export type { MetaGradient } from './meta-gradient';
export type { AlgorithmConfig, ModelLayout } from './meta-params';
export type { ObjectiveGradient } from './objective-gradient';
