/** The warning `adapt` and `predict` print about texts that give the tokenizer no token (src/model/text-tokenizer.ts, `tokenlessTexts`). */
import { firstNames } from '../core/first-names';
import { textTokenizerFor, tokenlessTexts, type TokenizerFields } from '../model/text-tokenizer';

/** Texts named in the warning; more are counted. */
const SHOWN = 5;

/** The texts that give a model's tokenizer no token, found by {@link findTokenless}. */
export interface Tokenless {
  /** How many of the texts have no token (at least 1). */
  readonly count: number;
  /** How many texts were checked. */
  readonly total: number;
  /**
   * The warning's common part, e.g. `2 of 10 texts (line 3, line 7) have no token the hashed-words tokenizer reads
   * (only punctuation or symbols)`; each command adds what follows for it.
   */
  readonly said: string;
}

/**
 * The texts of `texts` that the tokenizer of `model` reads as an empty text, named for the warning.
 * @param lines the 1-based file line of each text (`--data`): texts are named `line 3`; without, `text 2` (1-based).
 * @returns undefined when every text has a token.
 * @throws as `textTokenizerFor` (an `hf` tokenizer file that cannot be read).
 */
export function findTokenless(model: TokenizerFields, texts: readonly string[], lines?: readonly number[]): Tokenless | undefined {
  const tokenless = tokenlessTexts(textTokenizerFor(model), texts);
  if (tokenless.length === 0) return undefined;
  const where = tokenless.map((i) => (lines ? `line ${lines[i]!}` : `text ${i + 1}`));
  const shown = firstNames(where, SHOWN);
  const said = `${where.length} of ${texts.length} texts (${shown}) ${where.length === 1 ? 'has' : 'have'} no token the ${model.tokenizer} tokenizer reads (only punctuation or symbols)`;
  return { count: tokenless.length, total: texts.length, said };
}
