/**
 * Parameters as data: the one representation of model weights shared by models, algorithms, the outer optimizer,
 * checkpoints and the wire. No tfjs here: the coordinator does plain `Float32Array` math.
 */
import { NonFiniteError, ShapeError } from './errors';

/** One named tensor: row-major float32 `data` with `shape` (product of `shape` = `data.length`). */
export interface NamedTensor {
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

/** Named tensors. Always built with {@link paramSet}, so iteration is in sorted-name order (determinism). */
export type ParamSet = ReadonlyMap<string, NamedTensor>;

/** Names and shapes of a model's parameters, in sorted-name order. */
export type ParamSpec = ReadonlyMap<string, readonly number[]>;

/** Number of elements of a shape (1 for a scalar `[]`). */
export function sizeOfShape(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/**
 * Builds a ParamSet with names sorted, checking each `data.length` against its shape.
 * @throws ShapeError when a tensor's data length differs from the product of its shape.
 */
export function paramSet(entries: Iterable<readonly [string, NamedTensor]>): ParamSet {
  const sorted = [...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  for (const [name, t] of sorted) {
    if (t.data.length !== sizeOfShape(t.shape)) {
      throw new ShapeError(`tensor ${name}: shape [${t.shape.join(', ')}] needs ${sizeOfShape(t.shape)} values, got ${t.data.length}`);
    }
  }
  return new Map(sorted);
}

/** The spec (names and shapes) of a ParamSet. */
export function specOf(params: ParamSet): ParamSpec {
  return new Map([...params].map(([name, t]) => [name, [...t.shape]] as const));
}

/**
 * Checks that `params` has exactly the names and shapes of `spec`.
 * @param what names the thing checked in the error, e.g. `result of task 3 from worker w1`.
 * @throws ShapeError naming the first missing, extra or mis-shaped tensor.
 */
export function assertMatchesSpec(params: ParamSet, spec: ParamSpec, what: string): void {
  for (const [name, shape] of spec) {
    const t = params.get(name);
    if (!t) throw new ShapeError(`${what}: missing tensor ${name}`);
    if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
      throw new ShapeError(`${what}: tensor ${name} has shape [${t.shape.join(', ')}], expected [${shape.join(', ')}]`);
    }
    if (t.data.length !== sizeOfShape(shape)) {
      throw new ShapeError(`${what}: tensor ${name} has ${t.data.length} values, expected ${sizeOfShape(shape)}`);
    }
  }
  for (const name of params.keys()) {
    if (!spec.has(name)) throw new ShapeError(`${what}: unexpected tensor ${name}`);
  }
}

/**
 * Checks that every value is finite.
 * @throws NonFiniteError naming the tensor and flat index of the first NaN/±Inf.
 */
export function assertFinite(params: ParamSet, what: string): void {
  for (const [name, t] of params) {
    for (let i = 0; i < t.data.length; i++) {
      if (!Number.isFinite(t.data[i])) {
        throw new NonFiniteError(`${what}: tensor ${name} holds ${t.data[i]} at index ${i}`);
      }
    }
  }
}

/** Deep copy. */
export function cloneParamSet(params: ParamSet): ParamSet {
  return paramSet([...params].map(([n, t]) => [n, { shape: [...t.shape], data: Float32Array.from(t.data) }] as const));
}

/** A ParamSet of zeros with the given spec. */
export function zerosFromSpec(spec: ParamSpec): ParamSet {
  return paramSet([...spec].map(([n, shape]) => [n, { shape: [...shape], data: new Float32Array(sizeOfShape(shape)) }] as const));
}

/** A ParamSet with every entry filled with `value`, with the given spec. */
export function fullFromSpec(spec: ParamSpec, value: number): ParamSet {
  return paramSet([...spec].map(([n, shape]) => [n, { shape: [...shape], data: new Float32Array(sizeOfShape(shape)).fill(value) }] as const));
}

/** Total number of scalar parameters. */
export function countParams(params: ParamSet): number {
  let n = 0;
  for (const t of params.values()) n += t.data.length;
  return n;
}

/** Total number of scalar parameters of a spec (the product of each shape, summed). */
export function countSpecParams(spec: ParamSpec): number {
  let n = 0;
  for (const shape of spec.values()) n += sizeOfShape(shape);
  return n;
}

/** The subset of `params` whose names satisfy `keep`. */
export function selectParams(params: ParamSet, keep: (name: string) => boolean): ParamSet {
  return paramSet([...params].filter(([n]) => keep(n)));
}
