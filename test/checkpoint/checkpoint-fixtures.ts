/** Deterministic checkpoint inputs for the checkpoint-store tests and their crash child process. */
import type { CheckpointInput, OptimizerState } from '../../src/checkpoint';
import { paramSet, type ParamSet } from '../../src/core/param-set';

/** Values that depend on the step and the tensor, so a checkpoint's content tells which step wrote it. */
function filled(step: number, salt: number, shapes: ReadonlyArray<readonly [string, number[]]>): ParamSet {
  return paramSet(
    shapes.map(([name, shape], k) => {
      const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
      for (let i = 0; i < data.length; i++) data[i] = step + salt * 0.25 + k * 0.5 + i * 1e-3;
      return [name, { shape, data }] as const;
    }),
  );
}

/**
 * The input saved for `step`: tensors `enc.w` [rows, 8] and `enc.b` [8], Adam moments with the same spec.
 * @param rows rows of `enc.w` (makes the files bigger for the crash test).
 */
export function inputFor(step: number, rows = 4, configHash = 'hash-a'): CheckpointInput & { readonly optimizer: OptimizerState } {
  const shapes = [['enc.w', [rows, 8]], ['enc.b', [8]]] as const satisfies ReadonlyArray<readonly [string, number[]]>;
  return {
    step,
    params: filled(step, 0, shapes),
    optimizer: { step, m: filled(step, 1, shapes), v: filled(step, 2, shapes) },
    configHash,
    rng: { seed: 7, draws: step * 3 },
    metrics: { loss: 1 / (step + 1), tasksPerSecond: 12.5 },
    extra: { note: `step ${step}` },
  };
}
