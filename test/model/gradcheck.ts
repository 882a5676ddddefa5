/**
 * Finite-difference gradient checking for the model tests (not a test file itself).
 * Directional central differences: for a direction v over one parameter tensor, compare the analytic
 * ⟨∇f, v⟩ with (f(θ + εv) − f(θ − εv)) / 2ε. float32 loss evaluations carry ~1e-7 relative rounding, so ε
 * trades truncation (∝ ε²·f''') against rounding (∝ 1e-7/ε).
 *
 * The models are piecewise smooth (ReLU), and the MAML objective is even discontinuous (the inner gradient holds
 * ReLU's step function). A kink or jump within ±ε of θ spoils a central difference, and at a kink the analytic
 * gradient is one of the two one-sided derivatives. Measured on the test transformer's MAML objective (inner
 * lr 0.5, 12 seeds × 36 tensors): 5% of directions had a kink within ±1e-3; line scans showed the analytic value
 * equal to the slope on one side of θ in every such case, and to the slopes within ±1e-4. So a check accepts the
 * closest of five estimates: central differences at ε = 1e-3, 3e-4 and 1e-4, and second-order one-sided
 * differences (3f(0) − 4f(∓ε) + f(∓2ε)) / ±2ε at ε = 1e-3 on each side. A wrong gradient fails all five; a kink
 * spoils some of them (with four estimates, 4 of 432 directions still failed: jumps on both sides within ±2e-3).
 */
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../src/core/rng';
import type { TensorMap } from '../../src/model';

/** A scalar function of named parameter tensors. */
export type ParamFn = (params: TensorMap) => tf.Scalar;

/** Analytic gradients of `f` w.r.t. every tensor of `params`, by name. The caller disposes them. */
export function gradients(f: ParamFn, params: TensorMap): Record<string, tf.Tensor> {
  const names = Object.keys(params);
  const grads = tf.grads((...ts: tf.Tensor[]) => f(Object.fromEntries(names.map((n, i) => [n, ts[i]!]))))(names.map((n) => params[n]!));
  return Object.fromEntries(names.map((n, i) => [n, grads[i]!]));
}

/** Second-order MAML objective (Finn et al. 2017): query loss after one inner SGD step of size `lr` on the support loss. */
export function mamlObjective(support: ParamFn, query: ParamFn, lr: number): ParamFn {
  return (params) => {
    const g = gradients(support, params);
    return query(Object.fromEntries(Object.entries(params).map(([n, t]) => [n, tf.sub(t, tf.mul(g[n]!, lr))])));
  };
}

/** Result of one directional check. */
export interface DirectionalCheck {
  readonly analytic: number;
  readonly numeric: number;
  /**
   * |analytic − numeric| / max(|analytic|, |numeric|, 0.1). The floor 0.1 makes small derivatives compare
   * absolutely: float32 rounding of the loss alone puts up to ~8·1e-7·|f|/2ε ≈ 4e-4·|f| of noise on the estimates.
   */
  readonly relError: number;
}

/**
 * Checks ⟨grad, v⟩ against central differences of `f` along v, a unit-norm direction over tensor `name` made of
 * the gradient itself plus an equal-norm random part (so ⟨grad, v⟩ stays away from 0 while every element is probed).
 */
export function checkDirection(f: ParamFn, params: TensorMap, grad: tf.Tensor, name: string, seed: number): DirectionalCheck {
  const rng = new Rng(seed);
  const g = grad.dataSync() as Float32Array;
  const gNorm = Math.hypot(...g);
  const r = Float64Array.from(g, () => rng.normal());
  const rNorm = Math.hypot(...r);
  // Direction: gradient plus a random vector of the same norm; for a 1-element tensor the two can cancel, then
  // the random vector alone is used.
  const mixed = Float64Array.from(g, (gi, i) => gi + (r[i]! * (gNorm || 1)) / rNorm);
  const v = Math.hypot(...mixed) > 1e-6 * (gNorm || 1) ? mixed : r;
  const vNorm = Math.hypot(...v);
  const unit = Float32Array.from(v, (x) => x / vNorm);
  let analytic = 0;
  for (let i = 0; i < g.length; i++) analytic += g[i]! * unit[i]!;
  const at = (step: number): number =>
    tf.tidy(() => {
      const shifted = tf.add(params[name]!, tf.mul(tf.tensor(unit, params[name]!.shape), step));
      return f({ ...params, [name]: shifted }).dataSync()[0]!;
    });
  const f0 = at(0);
  const [m2, m1, p1, p2] = [-2e-3, -1e-3, 1e-3, 2e-3].map(at) as [number, number, number, number];
  const estimates = [
    (p1 - m1) / 2e-3,
    (at(3e-4) - at(-3e-4)) / 6e-4,
    (at(1e-4) - at(-1e-4)) / 2e-4,
    (-3 * f0 + 4 * p1 - p2) / 2e-3,
    (3 * f0 - 4 * m1 + m2) / 2e-3,
  ];
  return estimates
    .map((numeric) => ({ analytic, numeric, relError: Math.abs(analytic - numeric) / Math.max(Math.abs(analytic), Math.abs(numeric), 0.1) }))
    .reduce((best, c) => (c.relError < best.relError ? c : best));
}
