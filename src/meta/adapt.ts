/**
 * Test-time adaptation: fine-tune a meta-initialization on a handful of labelled examples (the inner loop run
 * for `steps` SGD steps, outside any gradient tape). Used by `metatrain adapt` (personalization for one user)
 * and, step by step, by ./evaluate.
 *
 * The inner rate is the learned `lr/…` tensors when the parameters carry them (Meta-SGD, Li et al. 2017),
 * otherwise `algorithm.innerLr`; the adapted subset is `algorithm.adapt`. `resetHead` replaces the head with
 * zeros of the shapes in `model.spec` — for the transfer baseline, whose head was trained with one output per
 * meta-train class and must become a `ways`-output head (Chen et al. 2019, "Baseline"): pass a `model` created
 * with `ways` outputs.
 */
import * as tf from '@tensorflow/tfjs';
import { assertMatchesSpec, paramSet, zerosFromSpec, type ParamSet } from '../core/param-set';
import { runStepwise, type Stepwise } from '../core/stepwise';
import type { Model } from '../model/model';
import { fromTensors, toTensors } from '../model/params-tf';
import type { ExampleSet } from '../tasks/task';
import type { FeatureCache } from './feature-cache';
import { disposeAdapted, innerLoopSteps, type InnerLr } from './inner-loop';
import { adaptableNames, isLrName, lrName, modelParamsOf, type AlgorithmConfig } from './meta-params';

/** What fine-tuning needs of an algorithm config: the adapted subset, the scalar rate, the head's start (@default learned). */
export type AdaptingAlgorithm = Pick<AlgorithmConfig, 'adapt' | 'innerLr'> & Partial<Pick<AlgorithmConfig, 'headInit'>>;

/** Options of {@link adaptParams} and `evaluateAdaptation`. */
export interface AdaptOptions {
  /** Fine-tuning SGD steps S ≥ 0. */
  readonly steps: number;
  /** Adapted subset (`adapt`) and scalar inner rate (`innerLr`, used when there are no learned rates). */
  readonly algorithm: AdaptingAlgorithm;
  /** Replace the head with zeros shaped as in `model.spec` before fine-tuning. @default false */
  readonly resetHead?: boolean;
  /** Reuse the frozen body's features across calls (`adapt: head` only; ./feature-cache). @default none */
  readonly featureCache?: FeatureCache;
}

/** Where fine-tuning starts: model parameters and inner rates as tensors (the caller disposes both). */
export interface AdaptationStart {
  readonly params: Record<string, tf.Tensor>;
  readonly lr: InnerLr;
  readonly adaptable: readonly string[];
}

/**
 * Prepares fine-tuning: drops the `lr/…` tensors from `metaParams` (keeping them as rates), resets the head if
 * asked, and checks the result against `model.spec`.
 * @throws ShapeError when the parameters do not match `model.spec` (e.g. a transfer head without `resetHead`),
 *   or when learned rates exist but not for exactly the adapted parameters.
 */
export function adaptationStart(model: Model, metaParams: ParamSet, options: AdaptOptions): AdaptationStart {
  const adaptable = adaptableNames(model, options.algorithm.adapt);
  let params = modelParamsOf(metaParams);
  if (options.resetHead) {
    const zeros = zerosFromSpec(new Map(model.headNames.map((n) => [n, model.spec.get(n)!] as const)));
    params = paramSet([...[...params].filter(([n]) => !zeros.has(n)), ...zeros]);
  }
  assertMatchesSpec(params, model.spec, 'parameters to adapt');
  const lrNames = [...metaParams.keys()].filter(isLrName);
  if (lrNames.length === 0) return { params: toTensors(params), lr: options.algorithm.innerLr, adaptable };
  const expected = new Map(adaptable.map((n) => [lrName(n), model.spec.get(n)!] as const));
  assertMatchesSpec(paramSet(lrNames.map((n) => [n, metaParams.get(n)!] as const)), expected, `learned learning rates for adapt: ${options.algorithm.adapt}`);
  const lrs = toTensors(paramSet(adaptable.map((n) => [n, metaParams.get(lrName(n))!] as const)));
  return { params: toTensors(params), lr: lrs, adaptable };
}

/**
 * The parameters after `options.steps` SGD steps on `support`, starting from `metaParams` (θ, plus `lr/…` for
 * Meta-SGD). Returns the model parameters only (spec `model.spec`, no rates).
 * Example: `const personal = adaptParams(model, checkpoint.params, userSet, { steps: 10, algorithm: config.algorithm })`.
 * @throws ShapeError as {@link adaptationStart}, or when `support` does not fit the model.
 */
export function adaptParams(model: Model, metaParams: ParamSet, support: ExampleSet, options: AdaptOptions): ParamSet {
  return runStepwise(adaptParamsSteps(model, metaParams, support, options));
}

/**
 * {@link adaptParams} as stepwise work (src/core/stepwise.ts): it yields after each SGD step, and returns the same
 * parameters. Its tensors are disposed only when it is run to its end.
 * @throws as {@link adaptParams}, when it is first run.
 */
export function* adaptParamsSteps(model: Model, metaParams: ParamSet, support: ExampleSet, options: AdaptOptions): Stepwise<ParamSet> {
  const encoded = model.encode(support); // first: it throws on a set that does not fit, before anything is held
  let start: AdaptationStart | undefined;
  try {
    start = adaptationStart(model, metaParams, options);
    const bodyFeatures = options.featureCache?.bodyFeatures(model, metaParams, start.params);
    const adapted = yield* innerLoopSteps(model, start.params, encoded, { steps: options.steps, lr: start.lr, adaptable: start.adaptable, createGraph: false, prototypeHead: options.algorithm.headInit === 'prototypes', bodyFeatures });
    const result = fromTensors(adapted);
    disposeAdapted(adapted, start.params);
    return result;
  } finally {
    if (start) disposeStart(start);
    tf.dispose([encoded.x, encoded.y]);
  }
}

/** Disposes the tensors of an {@link AdaptationStart}. */
export function disposeStart(start: AdaptationStart): void {
  tf.dispose(start.params);
  if (typeof start.lr !== 'number') tf.dispose(Object.values(start.lr));
}
