/** Counted nouns for command-line messages: "1 worker", "2 workers", "1 has a label", "3 have labels". */

/**
 * `n` followed by `singular` when `n` is 1, else by `plural` (default: `singular` + "s").
 * Example: `countOf(1, 'wasm worker')` is "1 wasm worker"; `countOf(2, 'has a label', 'have labels')` is "2 have labels".
 */
export function countOf(n: number, singular: string, plural = `${singular}s`): string {
  return `${n} ${n === 1 ? singular : plural}`;
}
