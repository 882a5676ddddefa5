/**
 * The meta-parameters of a run: what the outer loop learns and the coordinator stores, sends and checkpoints.
 * For MAML, FOMAML and Reptile they are the model's parameters (the meta-initialization θ). For Meta-SGD
 * (Li et al. 2017, "Meta-SGD: Learning to Learn Quickly for Few-Shot Learning", §3) they are θ plus one learned
 * inner learning rate per adaptable parameter element, stored as a tensor `lr/<param name>` of the parameter's
 * shape and initialised to `algorithm.innerLr`.
 *
 * Which parameters the inner loop adapts comes from `algorithm.adapt`: `all` (MAML), `head` (ANIL, Raghu et al.
 * 2020, "Rapid Learning or Feature Reuse?"), `head+layernorm` (head plus every LayerNorm gain and bias), or
 * `lora` (head plus the low-rank adapters, Hu et al. 2021). Under `lora` the rest of the body is frozen: the
 * outer loop does not learn it either (its meta-gradient is zero, so Adam leaves it unchanged).
 *
 * No tfjs here: the coordinator builds and initializes the meta-parameters without loading it.
 */
import type { RunConfig } from '../core/config';
import { ShapeError } from '../core/errors';
import { fullFromSpec, paramSet, selectParams, type ParamSet, type ParamSpec } from '../core/param-set';
import { architectureOf, initParams } from '../model/architecture';
import { algorithms } from './algorithm';

/** The algorithm section of a run config. */
export type AlgorithmConfig = RunConfig['algorithm'];

/** What the meta-parameter layout needs to know about a model: satisfied by both `Architecture` and `Model`. */
export interface ModelLayout {
  /** Names and shapes of the model's parameters. */
  readonly spec: ParamSpec;
  /** Output head parameters (adapted with `adapt: head`). */
  readonly headNames: readonly string[];
  /** LayerNorm gains and biases (adapted, with the head, under `adapt: head+layernorm`). */
  readonly layerNormNames: readonly string[];
  /** LoRA adapters (adapted, with the head, under `adapt: lora`). */
  readonly loraNames: readonly string[];
}

/** Prefix of the names of Meta-SGD's learned learning-rate tensors: `lr/head.w` is the lr of `head.w`. */
export const LR_PREFIX = 'lr/';

/** The name of the learned learning-rate tensor of parameter `name` (`lr/<name>`). */
export function lrName(name: string): string {
  return LR_PREFIX + name;
}

/** True when `name` is a learned learning-rate tensor (`lr/…`), not a model parameter. */
export function isLrName(name: string): boolean {
  return name.startsWith(LR_PREFIX);
}

/**
 * The names of the parameters the inner loop adapts, in sorted-name order.
 * - `all`: every parameter of `layout.spec`;
 * - `head`: `layout.headNames` (ANIL);
 * - `head+layernorm`: the head and `layout.layerNormNames`;
 * - `lora`: the head and `layout.loraNames`.
 * @throws ShapeError when the subset is empty or names a parameter missing from `layout.spec`, or when `lora`
 *   finds no adapter (a model without `loraRank`).
 */
export function adaptableNames(layout: ModelLayout, adapt: AlgorithmConfig['adapt']): string[] {
  if (adapt === 'lora' && layout.loraNames.length === 0) throw new ShapeError('adapt: lora needs a model with LoRA adapters (model.loraRank ≥ 1)');
  const subsets: Record<AlgorithmConfig['adapt'], readonly string[]> = {
    all: [...layout.spec.keys()],
    head: layout.headNames,
    'head+layernorm': [...layout.headNames, ...layout.layerNormNames],
    lora: [...layout.headNames, ...layout.loraNames],
  };
  const names = subsets[adapt];
  for (const name of names) {
    if (!layout.spec.has(name)) throw new ShapeError(`adapt: ${adapt} names parameter ${name}, which the model does not have`);
  }
  if (names.length === 0) throw new ShapeError(`adapt: ${adapt} selects no parameter of this model`);
  return [...new Set(names)].sort();
}

/**
 * The model parameters the outer loop does not learn, in sorted-name order: under `adapt: lora` every
 * parameter but the head and the adapters (the frozen body); none otherwise. Their meta-gradient is zero.
 */
export function frozenNames(layout: ModelLayout, adapt: AlgorithmConfig['adapt']): string[] {
  if (adapt !== 'lora') return [];
  const learned = new Set(adaptableNames(layout, adapt));
  return [...layout.spec.keys()].filter((n) => !learned.has(n)).sort();
}

/**
 * The spec (names and shapes) of the meta-parameters: `layout.spec`, plus for an algorithm that learns its inner
 * rates (`metasgd`: `learnsInnerLr` in ./algorithm.ts) a tensor `lr/<name>` with the shape of `<name>` for each adaptable parameter. Sorted by name like every ParamSpec.
 * @throws ShapeError as {@link adaptableNames}.
 */
export function metaParamSpec(layout: ModelLayout, algorithm: Pick<AlgorithmConfig, 'name' | 'adapt'>): ParamSpec {
  const entries: Array<readonly [string, readonly number[]]> = [...layout.spec].map(([n, s]) => [n, [...s]] as const);
  if (algorithms.get(algorithm.name).learnsInnerLr) {
    for (const name of adaptableNames(layout, algorithm.adapt)) entries.push([lrName(name), [...layout.spec.get(name)!]]);
  }
  return new Map(entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/**
 * The initial meta-parameters of a run: the model's seeded initial parameters (`initParams(config.model,
 * outputs, seed)`), plus for `metasgd` every `lr/<name>` filled with `config.algorithm.innerLr`.
 * Deterministic: same config, outputs and seed ⇒ bitwise-identical values.
 * @param outputs model outputs: 1 for regression, N for N-way classification (`TaskFamily.outputs`).
 * @throws ShapeError when `outputs` is not a positive integer or the model widths are inconsistent.
 */
export function initMetaParams(config: RunConfig, outputs: number, seed: number): ParamSet {
  const params = initParams(config.model, outputs, seed);
  if (!algorithms.get(config.algorithm.name).learnsInnerLr) return params;
  const spec = metaParamSpec(architectureOf(config.model, outputs), config.algorithm);
  const lrs = fullFromSpec(new Map([...spec].filter(([n]) => isLrName(n))), config.algorithm.innerLr);
  return paramSet([...params, ...lrs]);
}

/** The model parameters of a meta-parameter set (drops the `lr/…` tensors). */
export function modelParamsOf(metaParams: ParamSet): ParamSet {
  return selectParams(metaParams, (n) => !isLrName(n));
}
