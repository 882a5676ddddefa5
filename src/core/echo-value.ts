/** How error messages echo a value a user gave (a config value, a flag's argument, a path): cut when long. */

/** Longest value an error message echoes, in characters; a longer one is cut there and ends in `…`. */
export const MAX_ECHOED_VALUE_CHARS = 80;

/**
 * `text` cut to {@link MAX_ECHOED_VALUE_CHARS} characters, ending in `…` and the full length (in characters) when
 * it was longer, e.g. `aaaa… (5000 characters)`.
 */
export function echoValue(text: string): string {
  return text.length <= MAX_ECHOED_VALUE_CHARS ? text : `${text.slice(0, MAX_ECHOED_VALUE_CHARS - 1)}… (${text.length} characters)`;
}
