/** The warning `adapt` and `predict` print about texts that give the tokenizer no token (src/model/text-tokenizer.ts, `tokenlessTexts`). */

/** Texts named in the warning; more are counted. */
const SHOWN = 5;

/**
 * E.g. `2 of 10 texts (line 3, line 7) have no token the hashed-words tokenizer reads (only punctuation or symbols)`.
 * @param where how each such text is named (`line 3`, `text 2`), in order.
 */
export function tokenlessWarning(where: readonly string[], total: number, tokenizer: string): string {
  const shown = `${where.slice(0, SHOWN).join(', ')}${where.length > SHOWN ? ', …' : ''}`;
  return `${where.length} of ${total} texts (${shown}) ${where.length === 1 ? 'has' : 'have'} no token the ${tokenizer} tokenizer reads (only punctuation or symbols)`;
}
