/** The first few of a list of names, for a message: `a, b, c, …`. */

/**
 * The first `shown` of `names` joined by `, `, then `, …` when there are more; `''` for none.
 * Example: `firstNames(['notes.txt', 'src', 'README.md', 'package.json'])` is `notes.txt, src, README.md, …`.
 */
export function firstNames(names: readonly string[], shown = 3): string {
  return `${names.slice(0, shown).join(', ')}${names.length > shown ? ', …' : ''}`;
}
