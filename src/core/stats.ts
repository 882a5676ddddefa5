/** Summary statistics for evaluation over tasks. */

/** Mean with the half-width of its 95% confidence interval. */
export interface MeanCI {
  mean: number;
  /** Half-width of the 95% CI: 1.96 · s / √n (normal approximation; evaluations use ≥ 30 tasks). 0 when n < 2. */
  ci95: number;
  n: number;
}

/**
 * Mean and 95% confidence half-width of `values` (sample standard deviation, normal approximation,
 * as in Finn et al. 2017 and Chen et al. 2019 few-shot reporting).
 * @throws RangeError on an empty array.
 */
export function meanCI95(values: readonly number[]): MeanCI {
  const n = values.length;
  if (n === 0) throw new RangeError('meanCI95: no values');
  const mean = values.reduce((a, b) => a + b, 0) / n;
  if (n < 2) return { mean, ci95: 0, n };
  const variance = values.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1);
  return { mean, ci95: (1.96 * Math.sqrt(variance)) / Math.sqrt(n), n };
}
