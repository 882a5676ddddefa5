/**
 * Adam (Kingma & Ba 2015, "Adam: A Method for Stochastic Optimization", Algorithm 1) on ParamSets, in plain
 * TypeScript — no tfjs: the coordinator takes the outer step on `Float32Array`s.
 *
 * Per element, at step t = 1, 2, …:
 *   m ← β₁m + (1 − β₁)g,  v ← β₂v + (1 − β₂)g²,  θ ← θ − lr · m̂ / (√v̂ + ε),  m̂ = m/(1 − β₁ᵗ), v̂ = v/(1 − β₂ᵗ)
 * (ε outside the root, as in the paper and PyTorch's `torch.optim.Adam`). Arithmetic is float64 per element,
 * results are stored as float32; the order of operations is fixed, so the same inputs give bitwise-identical
 * outputs on every machine. The state (t, m, v) is exactly what is stored: restoring it and stepping again
 * gives the same parameters as never having stopped.
 */
import { ConfigError } from '../core/errors';
import {
  assertFinite,
  assertMatchesSpec,
  cloneParamSet,
  paramSet,
  zerosFromSpec,
  type NamedTensor,
  type ParamSet,
  type ParamSpec,
} from '../core/param-set';

/** Hyper-parameters of Adam. */
export interface AdamOptions {
  /** Step size (`algorithm.outerLr`). */
  readonly lr: number;
  /** Decay of the first-moment average. @default 0.9 */
  readonly beta1?: number;
  /** Decay of the second-moment average. @default 0.999 */
  readonly beta2?: number;
  /** Added to √v̂ in the denominator. @default 1e-8 */
  readonly epsilon?: number;
}

/** Everything Adam carries between steps; checkpointed in the manifest/safetensors. */
export interface AdamState {
  /** Steps taken so far (t of the last step; 0 before the first). */
  readonly step: number;
  /** First-moment averages, spec of the parameters. */
  readonly m: ParamSet;
  /** Second-moment averages, spec of the parameters. */
  readonly v: ParamSet;
}

/** Adam over ParamSets with a fixed spec. Deterministic; no tfjs. */
export class Adam {
  private readonly lr: number;
  private readonly beta1: number;
  private readonly beta2: number;
  private readonly epsilon: number;
  private t: number;
  private readonly m: ParamSet;
  private readonly v: ParamSet;

  /**
   * A fresh optimizer (t = 0, m = v = 0) for parameters of `spec`, or one resumed from `state`.
   * @throws ConfigError naming the option (`adam.lr`, `adam.beta1`, …) when a hyper-parameter is out of range.
   * @throws ShapeError when `state.m` or `state.v` does not match `spec`; NonFiniteError when they hold NaN/Inf;
   *   ConfigError (`adam.state.step`) when the step count is not a non-negative integer.
   */
  constructor(
    readonly spec: ParamSpec,
    options: AdamOptions,
    state?: AdamState,
  ) {
    this.lr = options.lr;
    this.beta1 = options.beta1 ?? 0.9;
    this.beta2 = options.beta2 ?? 0.999;
    this.epsilon = options.epsilon ?? 1e-8;
    if (!(this.lr > 0 && Number.isFinite(this.lr))) throw new ConfigError('adam.lr', `must be a positive finite number, got ${this.lr}`);
    for (const [field, value] of [['beta1', this.beta1], ['beta2', this.beta2]] as const) {
      if (!(value >= 0 && value < 1)) throw new ConfigError(`adam.${field}`, `must lie in [0, 1), got ${value}`);
    }
    if (!(this.epsilon > 0 && Number.isFinite(this.epsilon))) throw new ConfigError('adam.epsilon', `must be a positive finite number, got ${this.epsilon}`);
    if (state) {
      if (!Number.isInteger(state.step) || state.step < 0) throw new ConfigError('adam.state.step', `must be a non-negative integer, got ${state.step}`);
      for (const [what, set] of [['m', state.m], ['v', state.v]] as const) {
        assertMatchesSpec(set, spec, `Adam state ${what}`);
        assertFinite(set, `Adam state ${what}`);
      }
    }
    this.t = state?.step ?? 0;
    this.m = state ? cloneParamSet(state.m) : zerosFromSpec(spec);
    this.v = state ? cloneParamSet(state.v) : zerosFromSpec(spec);
  }

  /**
   * One Adam step: returns the new parameters (new arrays; `params` and `gradient` are not modified) and
   * advances the state.
   * @throws ShapeError when `params` or `gradient` does not match the spec; NonFiniteError when `gradient`
   *   holds NaN/Inf (the state is left unchanged).
   */
  step(params: ParamSet, gradient: ParamSet): ParamSet {
    assertMatchesSpec(params, this.spec, 'parameters given to Adam');
    assertMatchesSpec(gradient, this.spec, 'gradient given to Adam');
    assertFinite(gradient, 'gradient given to Adam');
    const t = this.t + 1;
    const correction1 = 1 - Math.pow(this.beta1, t);
    const correction2 = 1 - Math.pow(this.beta2, t);
    const out: Array<[string, NamedTensor]> = [];
    for (const [name, p] of params) {
      const g = gradient.get(name)!.data;
      const m = this.m.get(name)!.data;
      const v = this.v.get(name)!.data;
      const next = new Float32Array(p.data.length);
      for (let i = 0; i < next.length; i++) {
        const gi = g[i]!;
        m[i] = this.beta1 * m[i]! + (1 - this.beta1) * gi;
        v[i] = this.beta2 * v[i]! + (1 - this.beta2) * gi * gi;
        const mHat = m[i]! / correction1;
        const vHat = v[i]! / correction2;
        next[i] = p.data[i]! - (this.lr * mHat) / (Math.sqrt(vHat) + this.epsilon);
      }
      out.push([name, { shape: [...p.shape], data: next }]);
    }
    this.t = t;
    return paramSet(out);
  }

  /** A deep copy of the state (step count, m, v); `new Adam(spec, options, state)` resumes from it exactly. */
  state(): AdamState {
    return { step: this.t, m: cloneParamSet(this.m), v: cloneParamSet(this.v) };
  }
}
