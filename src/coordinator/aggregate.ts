/**
 * Deterministic aggregation of per-task meta-gradients: the mean over tasks, summed in task-index order with
 * float64 accumulators and rounded to float32 once. The result is bitwise independent of the number of workers
 * and of the order in which results arrived: {@link OrderedMean} takes results in any order and adds each one as
 * soon as all lower indices have been added, so the sum runs while the step's tasks are still coming in (issue 10:
 * at 256 workers the sum of a 1 MB model is ~70 M float64 additions, too much to leave to the end of the step)
 * yet in exactly the order of {@link meanGradient}.
 */
import { ShapeError } from '../core/errors';
import { paramSet, type ParamSet } from '../core/param-set';

/**
 * Mean of `count` gradients added by index in any order, summed in index order in float64.
 * Hierarchical aggregation (`runtime.aggregation: per-worker`) adds partial sums of groups of tasks and divides
 * by the number of tasks: `divisor`.
 */
export class OrderedMean {
  private readonly waiting = new Map<number, ParamSet>();
  private readonly seen = new Set<number>();
  private acc: Array<{ name: string; shape: number[]; sum: Float64Array }> | undefined;
  private next = 0;

  /**
   * @param count gradients to add (indices 0..count−1).
   * @param divisor what the sum is divided by. @default count
   * @throws ShapeError when `count` is not a positive integer or `divisor` not a positive number.
   */
  constructor(
    private readonly count: number,
    private readonly divisor = count,
  ) {
    if (!Number.isInteger(count) || count < 1) throw new ShapeError('meanGradient: no gradients to aggregate');
    if (!(divisor > 0)) throw new ShapeError(`meanGradient: divisor must be positive, got ${divisor}`);
  }

  /**
   * Adds gradient `index`; sums every gradient that is now next in index order.
   * @throws RangeError on an index out of range or added twice; ShapeError when a gradient lacks a tensor of the
   *   first one, or a tensor's size differs.
   */
  add(index: number, gradient: ParamSet): void {
    if (!Number.isInteger(index) || index < 0 || index >= this.count) throw new RangeError(`meanGradient: index ${index} is outside 0..${this.count - 1}`);
    if (this.seen.has(index)) throw new RangeError(`meanGradient: gradient ${index} was added twice`);
    this.seen.add(index);
    this.waiting.set(index, gradient);
    for (let g = this.waiting.get(this.next); g; g = this.waiting.get(this.next)) {
      this.waiting.delete(this.next);
      this.accumulate(this.next, g);
      this.next++;
    }
  }

  /**
   * The mean, rounded to float32 once.
   * @throws ShapeError when some gradient has not been added.
   */
  mean(): ParamSet {
    if (this.next !== this.count) throw new ShapeError(`meanGradient: ${this.next} of ${this.count} gradients summed (gradient ${this.next} missing)`);
    return paramSet(
      this.acc!.map(({ name, shape, sum }) => {
        const mean = new Float32Array(sum.length);
        for (let i = 0; i < sum.length; i++) mean[i] = sum[i]! / this.divisor;
        return [name, { shape: [...shape], data: mean }] as const;
      }),
    );
  }

  private accumulate(index: number, gradient: ParamSet): void {
    this.acc ??= [...gradient].map(([name, t]) => ({ name, shape: [...t.shape], sum: new Float64Array(t.data.length) }));
    for (const { name, sum } of this.acc) {
      const other = gradient.get(name);
      if (!other || other.data.length !== sum.length) throw new ShapeError(`meanGradient: gradient ${index} lacks tensor ${name} of ${sum.length} values`);
      const d = other.data;
      for (let i = 0; i < sum.length; i++) sum[i]! += d[i]!;
    }
  }
}

/**
 * Mean of `gradients` (same spec each), in the order given.
 * @throws ShapeError when the list is empty or specs differ.
 */
export function meanGradient(gradients: readonly ParamSet[]): ParamSet {
  const mean = new OrderedMean(gradients.length);
  gradients.forEach((g, i) => mean.add(i, g));
  return mean.mean();
}
