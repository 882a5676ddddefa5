/** Looking through an error and the errors it was caused by (`cause`, as `new Error(message, { cause })` chains them). */

/**
 * The first of `err` and its causes (`err.cause`, `err.cause.cause` …, objects only) for which `pick` gives a value,
 * that value; undefined when none does. A chain that loops back on itself is walked once.
 */
export function findInCauseChain<T>(err: unknown, pick: (e: object) => T | undefined): T | undefined {
  const seen = new Set<object>();
  for (let e: unknown = err; typeof e === 'object' && e !== null && !seen.has(e); e = (e as { cause?: unknown }).cause) {
    seen.add(e);
    const found = pick(e);
    if (found !== undefined) return found;
  }
  return undefined;
}
