/**
 * Deterministic aggregation of per-task meta-gradients: the mean over tasks, summed in task-index order with
 * float64 accumulators and rounded to float32 once. The result is bitwise independent of the number of workers
 * and of the order in which results arrived (the caller passes them in task-index order).
 */
import { ShapeError } from '../core/errors';
import { paramSet, type ParamSet } from '../core/param-set';

/**
 * Mean of `gradients` (same spec each), in the order given.
 * @throws ShapeError when the list is empty or specs differ.
 */
export function meanGradient(gradients: readonly ParamSet[]): ParamSet {
  const first = gradients[0];
  if (!first) throw new ShapeError('meanGradient: no gradients to aggregate');
  const out: Array<[string, { shape: number[]; data: Float32Array }]> = [];
  for (const [name, t] of first) {
    const acc = new Float64Array(t.data.length);
    for (let g = 0; g < gradients.length; g++) {
      const other = gradients[g]!.get(name);
      if (!other || other.data.length !== acc.length) throw new ShapeError(`meanGradient: gradient ${g} lacks tensor ${name} of ${acc.length} values`);
      const d = other.data;
      for (let i = 0; i < acc.length; i++) acc[i]! += d[i]!;
    }
    const mean = new Float32Array(acc.length);
    for (let i = 0; i < acc.length; i++) mean[i] = acc[i]! / gradients.length;
    out.push([name, { shape: [...t.shape], data: mean }]);
  }
  return paramSet(out);
}
