/**
 * Fixtures for the src/meta tests (not a test file itself): tiny models, tasks, an independent evaluation of
 * the true meta-objective, and central finite differences over every parameter element.
 */
import * as tf from '@tensorflow/tfjs';
import { parseRunConfig, type RunConfig } from '../../src/core/config';
import { paramSet, type ParamSet } from '../../src/core/param-set';
import { Rng } from '../../src/core/rng';
import { createModel } from '../../src/model/create-model';
import type { EncodedBatch, Model, TensorMap } from '../../src/model/model';
import { fromTensors, toTensors } from '../../src/model/params-tf';
import { sinusoidFamily } from '../../src/tasks/sinusoid';
import type { ExampleSet, Task } from '../../src/tasks/task';
import { initMetaParams, isLrName, lrName, type AlgorithmConfig } from '../../src/meta/meta-params';

/** A validated sinusoid run config with the given MLP widths and algorithm fields. */
export function sinusoidConfig(hidden: number[], algorithm: Partial<AlgorithmConfig> = {}): RunConfig {
  return parseRunConfig({ name: 'meta-test', task: { family: 'sinusoid' }, model: { kind: 'sinusoid-mlp', hidden }, algorithm });
}

/** The real sinusoid MLP (src/model) with `hidden` widths and one output. */
export function sinusoidMlp(hidden: number[]): Model {
  return createModel(sinusoidConfig(hidden).model, 1);
}

/** Sinusoid task number `i` of the train split, with `shots` support and `queryShots` query points. */
export function sinusoidTask(i: number, shots = 5, queryShots = 10): Task {
  const family = sinusoidFamily({ shots, queryShots });
  return family.build(family.sampleSpec('train', i));
}

/**
 * Meta-parameters for `algorithm` on `config`'s MLP, seeded; for Meta-SGD the learned rates are drawn from
 * U[lrLo, lrHi] per element (not all equal, so a test sees whether each element's own rate is used).
 */
export function metaParamsFor(config: RunConfig, seed: number, lrRange: [number, number] = [0.05, 0.15]): ParamSet {
  const rng = new Rng(seed + 1000);
  const params = initMetaParams(config, 1, seed);
  return paramSet(
    [...params].map(([n, t]) =>
      isLrName(n) ? ([n, { shape: t.shape, data: Float32Array.from(t.data, () => rng.uniform(lrRange[0], lrRange[1])) }] as const) : ([n, t] as const),
    ),
  );
}

/**
 * A one-hidden-layer regression model with a tanh body: `body.w [1, h]`, `body.b [h]`, `head.w [h, 1]`,
 * `head.b [1]`; prediction tanh(x·W + b)·V + c, MSE loss. tfjs's tanh gradient reuses its saved output, so exact
 * second order through the body is impossible; the model declares `blockers` (default `tanh (hidden layer)`).
 */
export function tanhModel(hidden: number, blockers: readonly string[] = ['tanh (hidden layer)']): Model {
  const mse = (p: tf.Tensor, y: tf.Tensor): tf.Scalar => tf.mean(tf.square(tf.sub(p, y))) as tf.Scalar;
  const features = (params: TensorMap, x: tf.Tensor): tf.Tensor => tf.tanh(tf.add(tf.matMul(x as tf.Tensor2D, params['body.w'] as tf.Tensor2D), params['body.b']!));
  const head = (params: TensorMap, f: tf.Tensor): tf.Tensor => tf.add(tf.matMul(f as tf.Tensor2D, params['head.w'] as tf.Tensor2D), params['head.b']!);
  return {
    spec: new Map([
      ['body.b', [hidden]],
      ['body.w', [1, hidden]],
      ['head.b', [1]],
      ['head.w', [hidden, 1]],
    ]),
    headNames: ['head.b', 'head.w'],
    layerNormNames: [],
    loraNames: [],
    secondOrderBlockers: blockers,
    encode: (set) => regression(set),
    forward: (params, x) => head(params, features(params, x)),
    features,
    head,
    loss: mse,
    metric: mse,
  };
}

/** Seeded parameters for {@link tanhModel}: weights N(0, 1), biases N(0, 0.1²). */
export function tanhParams(hidden: number, seed: number): ParamSet {
  const rng = new Rng(seed);
  const draw = (n: number, s: number) => Float32Array.from({ length: n }, () => s * rng.normal());
  return paramSet([
    ['body.b', { shape: [hidden], data: draw(hidden, 0.1) }],
    ['body.w', { shape: [1, hidden], data: draw(hidden, 1) }],
    ['head.b', { shape: [1], data: draw(1, 0.1) }],
    ['head.w', { shape: [hidden, 1], data: draw(hidden, 1) }],
  ]);
}

/**
 * The one-parameter model of DESIGN.md: a single parameter `head.w [1]` and loss L(θ) = θ² on any data
 * (the prediction is θ for every example, the loss its mean square).
 */
export function squareModel(): Model {
  const meanSquare = (p: tf.Tensor): tf.Scalar => tf.mean(tf.square(p)) as tf.Scalar;
  return {
    spec: new Map([['head.w', [1]]]),
    headNames: ['head.w'],
    layerNormNames: [],
    loraNames: [],
    secondOrderBlockers: [],
    encode: (set) => regression(set),
    forward: (params, x) => tf.mul(tf.onesLike(x), params['head.w']!),
    features: (_params, x) => tf.onesLike(x),
    head: (params, f) => tf.mul(f, params['head.w']!),
    loss: (p) => meanSquare(p),
    metric: (p) => meanSquare(p),
  };
}

function regression(set: ExampleSet): EncodedBatch {
  if (set.kind !== 'regression') throw new Error('regression fixtures only');
  return { x: tf.tensor2d(set.x, [set.x.length, 1]), y: tf.tensor2d(set.y, [set.y.length, 1]) };
}

/** Inner-loop settings of {@link trueMetaObjective}. */
export interface InnerSettings {
  readonly steps: number;
  /** Scalar rate, or `learned`: use the `lr/<name>` tensors of the meta-parameters (Meta-SGD). */
  readonly lr: number | 'learned';
  readonly adaptable: readonly string[];
  /** Start from the prototype head of the support features (Proto-MAML), computed here class by class. */
  readonly prototypeHead?: boolean;
}

/**
 * φ: `inner.steps` SGD steps on the support loss over `inner.adaptable` from the model parameters of `meta`,
 * computed directly with `tf.grads` (independently of src/meta's inner loop). Model parameters only.
 */
export function adaptedBySgd(model: Model, meta: ParamSet, task: Task, inner: InnerSettings): ParamSet {
  return fromTensors(tf.tidy(() => adaptedTensors(model, toTensors(meta), model.encode(task.support), inner)));
}

/** The true meta-objective L_query(φ(θ)) with φ as in {@link adaptedBySgd} (float32 arithmetic). */
export function trueMetaObjective(model: Model, meta: ParamSet, task: Task, inner: InnerSettings): number {
  return tf.tidy(() => {
    const phi = adaptedTensors(model, toTensors(meta), model.encode(task.support), inner);
    const query = model.encode(task.query);
    return model.loss(model.forward(phi, query.x), query.y).dataSync()[0]!;
  });
}

function adaptedTensors(model: Model, all: Record<string, tf.Tensor>, support: EncodedBatch, inner: InnerSettings): Record<string, tf.Tensor> {
  const params: Record<string, tf.Tensor> = Object.fromEntries(Object.entries(all).filter(([n]) => !isLrName(n)));
  if (inner.prototypeHead) {
    const features = model.features(params, support.x);
    const labels = Array.from(support.y.dataSync());
    const ways = params['head.b']!.shape[0]!;
    const prototypes = Array.from({ length: ways }, (_, c) => {
      const rows = labels.flatMap((l, i) => (l === c ? [i] : []));
      return tf.mean(tf.gather(features, rows), 0);
    });
    params['head.w'] = tf.mul(2, tf.stack(prototypes, 1));
    params['head.b'] = tf.neg(tf.stack(prototypes.map((p) => tf.sum(tf.square(p)))));
  }
  for (let k = 0; k < inner.steps; k++) {
    const xs = inner.adaptable.map((n) => params[n]!);
    const grads = tf.grads((...ts: tf.Tensor[]) => {
      const p = { ...params, ...Object.fromEntries(inner.adaptable.map((n, i) => [n, ts[i]!])) };
      return model.loss(model.forward(p, support.x), support.y);
    })(xs);
    inner.adaptable.forEach((n, i) => {
      const rate = inner.lr === 'learned' ? all[lrName(n)]! : inner.lr;
      params[n] = tf.sub(params[n]!, tf.mul(rate, grads[i]!));
    });
  }
  return params;
}

/** Query loss at fixed parameters (no adaptation). */
export function lossAt(model: Model, params: ParamSet, set: ExampleSet): number {
  return tf.tidy(() => {
    const batch = model.encode(set);
    return model.loss(model.forward(toTensors(params) as TensorMap, batch.x), batch.y).dataSync()[0]!;
  });
}

/** Finite-difference gradient and, per element, the spread of its estimates (see {@link finiteDifference}). */
export interface FiniteDifference {
  /** Median of the three estimates, spec of the parameters. */
  readonly gradient: ParamSet;
  /** max − min of the three estimates: large where f is not smooth at the scale of the steps (a ReLU kink). */
  readonly spread: ParamSet;
  /** Rounding allowance on the spread: 8 float32 ulps of |f(θ)| divided by the smallest step, ε/6. */
  readonly rounding: number;
}

/**
 * Finite-difference gradient of `f` for every element i of every tensor of `params`, with a smoothness check.
 * - Truncation: the meta-objective of a ReLU MLP on x ∈ [−5, 5] is sharply curved (plain central differences
 *   at ε = 3e-3 measured ~1e-3 off, scaling as ε²), so each estimate is Richardson's fourth-order
 *   R(h) = (4·D(h/2) − D(h)) / 3 of the central difference D(h) = (f(θ + h·eᵢ) − f(θ − h·eᵢ)) / 2h
 *   (h as rounded to float32).
 * - Kinks: a ReLU net is piecewise smooth; where a pre-activation crosses zero within h of θ (along eᵢ, also
 *   after the inner steps), no difference quotient estimates the derivative. Three estimates, h = 3ε, ε, ε/3,
 *   are taken: their median is the result and their spread flags such elements (see {@link compareWithFd}).
 */
export function finiteDifference(params: ParamSet, f: (p: ParamSet) => number, eps: number): FiniteDifference {
  const gradient: Array<[string, { shape: readonly number[]; data: Float32Array }]> = [];
  const spread: typeof gradient = [];
  for (const [name, t] of params) {
    const median = new Float32Array(t.data.length);
    const range = new Float32Array(t.data.length);
    for (let i = 0; i < t.data.length; i++) {
      const estimate = derivativeAlong((h) => {
        const data = Float32Array.from(t.data);
        data[i] = Math.fround(t.data[i]! + h);
        return { value: f(paramSet([...params].map(([n, u]) => [n, n === name ? { shape: u.shape, data } : u] as const))), step: data[i]! - t.data[i]! };
      }, eps);
      median[i] = estimate.median;
      range[i] = estimate.spread;
    }
    gradient.push([name, { shape: t.shape, data: median }]);
    spread.push([name, { shape: t.shape, data: range }]);
  }
  const rounding = (8 * 2 ** -24 * Math.abs(f(params))) / (eps / 6);
  return { gradient: paramSet(gradient), spread: paramSet(spread), rounding };
}

/**
 * The derivative of h ↦ f(θ + h·v) at 0 by the estimator of {@link finiteDifference} (median and spread of
 * Richardson estimates at 3ε, ε, ε/3). `at(h)` evaluates f and returns the step actually taken (after rounding
 * θ + h·v to float32; for a direction over many elements, pass h itself).
 */
export function derivativeAlong(at: (h: number) => { value: number; step: number }, eps: number): { median: number; spread: number } {
  const central = (h: number): number => {
    const plus = at(h);
    const minus = at(-h);
    return (plus.value - minus.value) / (plus.step - minus.step);
  };
  const estimates = [3 * eps, eps, eps / 3].map((h) => (4 * central(h / 2) - central(h)) / 3).sort((a, b) => a - b);
  return { median: estimates[1]!, spread: estimates[2]! - estimates[0]! };
}

/** Result of {@link compareWithFd}. */
export interface FdComparison {
  /** ‖g − g_fd‖₂ / ‖g_fd‖₂ over the smooth elements. */
  readonly relError: number;
  /** Fraction of elements where the estimates agree: spread ≤ 1e-3 · (|g_fd| + rms g_fd) + rounding allowance. */
  readonly smoothFraction: number;
}

/**
 * Compares an analytic gradient with finite differences on the elements where f is smooth at the scale of the
 * steps (the three estimates agree to 1e-3 of the element's value plus the gradient's RMS, plus rounding).
 */
export function compareWithFd(actual: ParamSet, fd: FiniteDifference): FdComparison {
  let sumSq = 0;
  let count = 0;
  for (const t of fd.gradient.values()) for (const v of t.data) (sumSq += v * v), count++;
  const rms = Math.sqrt(sumSq / count);
  let diff = 0;
  let norm = 0;
  let smooth = 0;
  for (const [name, t] of fd.gradient) {
    const spread = fd.spread.get(name)!.data;
    const u = actual.get(name)!.data;
    for (let i = 0; i < t.data.length; i++) {
      if (spread[i]! > 1e-3 * (Math.abs(t.data[i]!) + rms) + fd.rounding) continue;
      smooth++;
      diff += (u[i]! - t.data[i]!) ** 2;
      norm += t.data[i]! ** 2;
    }
  }
  return { relError: Math.sqrt(diff / norm), smoothFraction: smooth / count };
}

/** ‖a − b‖₂ / ‖b‖₂ over all elements (b is the reference). */
export function relativeError(a: ParamSet, b: ParamSet): number {
  let diff = 0;
  let norm = 0;
  for (const [name, t] of b) {
    const u = a.get(name)!.data;
    for (let i = 0; i < t.data.length; i++) {
      diff += (u[i]! - t.data[i]!) ** 2;
      norm += t.data[i]! ** 2;
    }
  }
  return Math.sqrt(diff / norm);
}
