/**
 * The sinusoid regression family of Finn et al. 2017 (MAML, §5.1) and Li et al. 2017 (Meta-SGD, §4.1):
 * each task is y = A·sin(x − φ) with amplitude A ~ U[0.1, 5], phase φ ~ U[0, π] and inputs x ~ U[−5, 5].
 * The phase enters as a shift, sin(x − φ), as in the reference MAML code (`amp * np.sin(x - phase)`).
 *
 * A task is fixed by its 32-bit spec seed alone. Seeds are partitioned by split (seed mod 3 = 0 train,
 * 1 val, 2 test), so a meta-val or meta-test task can never be a meta-train task, and `build` rejects a spec
 * whose seed is outside its split's class.
 */
import { ProtocolError } from '../core/errors';
import { Rng, deriveSeed } from '../core/rng';
import { SPLITS, checkSpecHeader } from './spec-check';
import type { RegressionSet, Split, Task, TaskFamily, TaskSpec } from './task';

/** Sampling ranges of the published protocol, as closed-open intervals [lo, hi). */
export const SINUSOID_RANGES = {
  amplitude: [0.1, 5],
  phase: [0, Math.PI],
  x: [-5, 5],
} as const;

/** Hidden parameters of one sinusoid task. */
export interface SinusoidParams {
  /** A in y = A·sin(x − φ), in [0.1, 5). */
  readonly amplitude: number;
  /** φ in y = A·sin(x − φ), radians in [0, π). */
  readonly phase: number;
}

/** Points per set: support (`shots`, K of K-shot) and query (`queryShots`). */
export interface SinusoidOptions {
  readonly shots: number;
  readonly queryShots: number;
}

const SPLIT_SEEDS = 1431655765; // ⌊2^32 / 3⌋: seeds 3q + k with q below it stay under 2^32

/**
 * The amplitude and phase of a sinusoid task, drawn first from the spec's seed (so they do not depend on the
 * numbers of support or query points).
 * @throws ProtocolError when the spec is not a valid sinusoid spec.
 */
export function sinusoidParams(spec: TaskSpec): SinusoidParams {
  checkSinusoidSpec(spec);
  return drawParams(new Rng(spec.seed));
}

/**
 * The sinusoid task family.
 * - `sampleSpec(split, seed)`: a spec whose seed is derived from (`split`, `seed`) and lies in the split's
 *   residue class mod 3.
 * - `build(spec)`: support `x, y` of shape `[shots, 1]`, query `[queryShots, 1]`, float32. Draw order: A, φ,
 *   the support xs, then the query xs, so a larger `queryShots` keeps the same task and support points.
 *   y is computed in float64 from the float32-rounded x, then rounded to float32.
 * - `jointBatch(seed, size)`: `size` points, each from its own random sinusoid (the pooled-data "pretrained"
 *   baseline of Finn et al. 2017).
 * @throws RangeError when `shots` or `queryShots` is not a positive integer.
 */
export function sinusoidFamily(options: SinusoidOptions): TaskFamily {
  const { shots, queryShots } = options;
  for (const [field, value] of Object.entries({ shots, queryShots })) {
    if (!Number.isInteger(value) || value <= 0) {
      throw new RangeError(`sinusoidFamily: ${field} must be a positive integer, got ${value}`);
    }
  }
  return {
    name: 'sinusoid',
    outputs: 1,
    classCount: () => 0,
    sampleSpec(split: Split, seed: number): TaskSpec {
      const k = SPLITS.indexOf(split);
      if (k < 0) throw new RangeError(`sinusoid.sampleSpec: unknown split ${JSON.stringify(split)}`);
      const q = Math.floor(deriveSeed('sinusoid', split, seed) / 3) % SPLIT_SEEDS;
      return { family: 'sinusoid', split, seed: 3 * q + k };
    },
    build(spec: TaskSpec): Task {
      checkSinusoidSpec(spec);
      const rng = new Rng(spec.seed);
      const { amplitude, phase } = drawParams(rng);
      const draw = (n: number): RegressionSet => {
        const set = { kind: 'regression', x: new Float32Array(n), y: new Float32Array(n) } as const;
        for (let i = 0; i < n; i++) drawPoint(rng, amplitude, phase, set, i);
        return set;
      };
      const support = draw(shots);
      const query = draw(queryShots);
      return { spec, support, query };
    },
    jointBatch(seed: number, size: number): RegressionSet {
      if (!Number.isInteger(size) || size <= 0) {
        throw new RangeError(`sinusoid.jointBatch: size must be a positive integer, got ${size}`);
      }
      const rng = new Rng(deriveSeed('sinusoid', 'joint', seed));
      const set = { kind: 'regression', x: new Float32Array(size), y: new Float32Array(size) } as const;
      for (let i = 0; i < size; i++) {
        const { amplitude, phase } = drawParams(rng);
        drawPoint(rng, amplitude, phase, set, i);
      }
      return set;
    },
  };
}

function drawParams(rng: Rng): SinusoidParams {
  const amplitude = rng.uniform(SINUSOID_RANGES.amplitude[0], SINUSOID_RANGES.amplitude[1]);
  const phase = rng.uniform(SINUSOID_RANGES.phase[0], SINUSOID_RANGES.phase[1]);
  return { amplitude, phase };
}

/** Draws x ~ U[−5, 5] into `set.x[i]` (float32) and stores A·sin(x − φ) of that rounded x into `set.y[i]`. */
function drawPoint(rng: Rng, amplitude: number, phase: number, set: RegressionSet, i: number): void {
  const x = (set.x[i] = rng.uniform(SINUSOID_RANGES.x[0], SINUSOID_RANGES.x[1]));
  set.y[i] = amplitude * Math.sin(Math.fround(x) - phase);
}

function checkSinusoidSpec(spec: TaskSpec): void {
  checkSpecHeader(spec, 'sinusoid');
  for (const field of ['classes', 'support', 'query'] as const) {
    const value = spec[field];
    if (value !== undefined && !(Array.isArray(value) && value.length === 0)) {
      throw new ProtocolError(`invalid task spec: spec.${field} must be absent for family sinusoid`);
    }
  }
  const k = SPLITS.indexOf(spec.split);
  if (spec.seed % 3 !== k) {
    throw new ProtocolError(
      `invalid task spec: spec.seed = ${spec.seed} belongs to split ${SPLITS[spec.seed % 3]}, not ${spec.split} (seed mod 3 must be ${k})`,
    );
  }
}
