/**
 * The inner loop of MAML-family algorithms: K steps of plain SGD on a task's support set, on a subset of the
 * parameters, with one scalar learning rate (MAML, Finn et al. 2017, eq. 1) or one learned rate per parameter
 * element (Meta-SGD, Li et al. 2017, eq. 2: φ = θ − α ⊙ ∇L(θ)).
 *
 * With `createGraph: true` every step is recorded on the enclosing gradient tape, so an outer `tf.grad` of the
 * query loss differentiates through the updates (second order). With `createGraph: false` the steps run on
 * plain values and the intermediate tensors are freed after each step (FOMAML, Reptile, evaluation).
 *
 * When only head parameters adapt (ANIL), the body's features of the support set are computed once and the steps
 * run the head alone (./frozen-body): the same values and gradients, without re-running the body K times.
 */
import * as tf from '@tensorflow/tfjs';
import { ShapeError } from '../core/errors';
import { runStepwise, type Stepwise } from '../core/stepwise';
import type { EncodedBatch, Model, TensorMap } from '../model/model';
import type { BodyFeatures } from './feature-cache';
import { frozenBodyView, type FrozenBodyView } from './frozen-body';
import { withPrototypeHead } from './prototype-head';

/** Inner learning rate: one scalar, or a tensor per adaptable parameter (keyed by the parameter's name, same shape). */
export type InnerLr = number | TensorMap;

/** Options of {@link innerLoop}. */
export interface InnerLoopOptions {
  /** SGD steps K ≥ 0 (0 returns the parameters unchanged). */
  readonly steps: number;
  /** Scalar learning rate, or per-parameter learned rates keyed by parameter name (Meta-SGD). */
  readonly lr: InnerLr;
  /** Names of the parameters to adapt; the others stay fixed (ANIL: only the head). */
  readonly adaptable: readonly string[];
  /**
   * Keep the graph of the updates for differentiation through them (second order). `true` requires the call to
   * run inside the function given to `tf.grad`/`tf.valueAndGrads` (whose scope frees the intermediates).
   */
  readonly createGraph: boolean;
  /**
   * Set the head from the support set's class prototypes before the first step (Proto-MAML, ./prototype-head).
   * @default false
   */
  readonly prototypeHead?: boolean;
  /** The frozen body's features from a cache (./feature-cache), used when only head parameters adapt; never with `createGraph`. */
  readonly bodyFeatures?: BodyFeatures;
}

/**
 * Adapts `params` to the support set: for k = 1..K, θᵢ ← θᵢ − lrᵢ · ∂L_support/∂θᵢ for every adaptable name i,
 * where L_support = `model.loss(model.forward(θ, support.x), support.y)`.
 *
 * Arguments: `params` holds every model parameter (shapes of `model.spec`); `support` is the encoded support set
 * (`x` `[n, …]`, `y` `[n, …]`). Returns a map with the same names: the adapted entries are new tensors, the
 * others are the very tensors of `params`. With `createGraph: false` the caller owns (and disposes) the new
 * tensors — {@link disposeAdapted} does it; with `createGraph: true` the enclosing gradient scope does.
 *
 * Example: `const phi = innerLoop(model, theta, support, { steps: 1, lr: 0.01, adaptable: ['head.w', 'head.b'], createGraph: false })`.
 * @throws ShapeError when an adaptable name is missing from `params`, when a per-parameter rate is missing or
 *   mis-shaped; RangeError when `steps` is not a non-negative integer.
 */
export function innerLoop(model: Model, params: TensorMap, support: EncodedBatch, options: InnerLoopOptions): TensorMap {
  return runStepwise(innerLoopSteps(model, params, support, options));
}

/**
 * {@link innerLoop} as stepwise work (src/core/stepwise.ts): it yields after each SGD step, and returns the same
 * tensors. Its tensors are disposed as in `innerLoop` only when it is run to its end.
 * @throws as {@link innerLoop}, when it is first run.
 */
export function* innerLoopSteps(model: Model, params: TensorMap, support: EncodedBatch, options: InnerLoopOptions): Stepwise<TensorMap> {
  const { steps, lr, adaptable, createGraph } = options;
  if (!Number.isInteger(steps) || steps < 0) throw new RangeError(`inner loop: steps must be a non-negative integer, got ${steps}`);
  checkAdaptable(params, adaptable, lr);
  if (steps === 0 && !options.prototypeHead) return params;
  const view = frozenBodyView(model, params, adaptable, [support], options.bodyFeatures);
  const batch = view.batches[0]!;
  let current: TensorMap = params;
  try {
    if (options.prototypeHead) current = startHead(model, view, params, support, adaptable);
    for (let k = 0; k < steps; k++) {
      const previous = current;
      const next = createGraph ? sgdStep(view.model, previous, batch, lr, adaptable) : tf.tidy(() => sgdStep(view.model, previous, batch, lr, adaptable));
      if (!createGraph) disposeAdapted(previous, params);
      current = { ...previous, ...next };
      yield;
    }
    return current;
  } finally {
    if (!createGraph) tf.dispose(view.made);
  }
}

/**
 * `params` with the prototype head of the support set (./prototype-head), from the features the frozen-body view
 * already computed, or from `model.features` when the body adapts too. In that case the adaptable body tensors
 * are replaced by identity copies: tfjs records nested gradients on the enclosing tape, so without the copies the
 * first inner step's ∂L/∂θ would also run through the prototypes (θ → head) — a total derivative where the
 * inner SGD step takes the partial one, with the head held as its own variable.
 */
function startHead(model: Model, view: FrozenBodyView, params: TensorMap, support: EncodedBatch, adaptable: readonly string[]): TensorMap {
  if (view.model !== model) return tf.tidy(() => withPrototypeHead(params, view.batches[0]!.x, support.y));
  return tf.tidy(() => {
    const headed = withPrototypeHead(params, model.features(params, support.x), support.y);
    const body = adaptable.filter((n) => !model.headNames.includes(n));
    return { ...headed, ...Object.fromEntries(body.map((n) => [n, tf.clone(headed[n]!)])) };
  });
}

/** Disposes the tensors of `adapted` that are not tensors of `original` (the new tensors an inner loop made). */
export function disposeAdapted(adapted: TensorMap, original: TensorMap): void {
  for (const [name, t] of Object.entries(adapted)) if (original[name] !== t) t.dispose();
}

/** One SGD step on the adaptable parameters; returns the updated tensors by name. */
function sgdStep(model: Model, params: TensorMap, support: EncodedBatch, lr: InnerLr, adaptable: readonly string[]): Record<string, tf.Tensor> {
  const xs = adaptable.map((n) => params[n]!);
  const supportLoss = (...ts: tf.Tensor[]): tf.Scalar => {
    const current: Record<string, tf.Tensor> = { ...params };
    adaptable.forEach((n, i) => (current[n] = ts[i]!));
    return model.loss(model.forward(current, support.x), support.y);
  };
  const grads = tf.grads(supportLoss)(xs);
  const out: Record<string, tf.Tensor> = {};
  adaptable.forEach((n, i) => {
    const rate = typeof lr === 'number' ? lr : lr[n]!;
    out[n] = tf.sub(xs[i]!, tf.mul(rate, grads[i]!));
  });
  return out;
}

function checkAdaptable(params: TensorMap, adaptable: readonly string[], lr: InnerLr): void {
  if (adaptable.length === 0) throw new ShapeError('inner loop: no adaptable parameter given');
  for (const n of adaptable) {
    const p = params[n];
    if (!p) throw new ShapeError(`inner loop: adaptable parameter ${n} is not among the parameters`);
    if (typeof lr === 'number') continue;
    const rate = lr[n];
    if (!rate) throw new ShapeError(`inner loop: no learned learning rate for parameter ${n}`);
    if (!tf.util.arraysEqual(rate.shape, p.shape)) {
      throw new ShapeError(`inner loop: learning rate of ${n} has shape [${rate.shape.join(', ')}], parameter has [${p.shape.join(', ')}]`);
    }
  }
}
