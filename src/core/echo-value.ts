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

/**
 * `value` as JSON for an error message, cut as {@link echoValue} does; a string is cut before it is quoted, so that
 * the count is its own length (`"aaaa…" (5000 characters)` for 5000 a's, not the 5002 of its quoted form). Another
 * value (a number, an array, an object) is echoed as its JSON text, whose length the count is.
 */
export function echoJson(value: unknown): string {
  if (typeof value !== 'string') return echoValue(JSON.stringify(value));
  return value.length <= MAX_ECHOED_VALUE_CHARS ? JSON.stringify(value) : `${JSON.stringify(`${value.slice(0, MAX_ECHOED_VALUE_CHARS - 1)}…`)} (${value.length} characters)`;
}
