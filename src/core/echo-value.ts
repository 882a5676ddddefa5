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

/** Code points a terminal would not show as themselves: controls, format, surrogate, private-use, unassigned, line and paragraph separators. */
const NON_PRINTABLE = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}]/gu;

/**
 * `json` (or any text an error message echoes) with every non-printable character escaped as `\uXXXX`
 * (JSON.stringify leaves C1 controls and format characters as they are; ESC, NUL … shown raw would move the cursor,
 * recolour or clear the terminal). Format characters (U+200B, U+200D …) are escaped too, so that the message shows
 * what the value holds; a table of results, which shows a text as it reads, uses `escapeTerminalControls`
 * (src/core/terminal-text.ts) instead.
 */
export function escapeNonPrintable(json: string): string {
  return json.replace(NON_PRINTABLE, (c) => Array.from({ length: c.length }, (_, i) => `\\u${c.charCodeAt(i).toString(16).padStart(4, '0')}`).join(''));
}

/**
 * `text` as a file writes it (a config value with its quotes and tag: `"10"`, `!!float 6`) for an error message, cut
 * as {@link echoValue} does, every non-printable character escaped as `\uXXXX` (a block scalar's line ends, U+202E …).
 */
export function echoWritten(text: string): string {
  return escapeNonPrintable(echoValue(text));
}

/**
 * `value` as JSON for an error message, cut as {@link echoValue} does; a string is cut before it is quoted, so that
 * the count is its own length (`"aaaa…" (5000 characters)` for 5000 a's, not the 5002 of its quoted form). Another
 * value (a number, an array, an object) is echoed as its JSON text, whose length the count is. Every non-printable
 * character is escaped (`\n`, `\u0000`, `\u0085`, `\u202e` …), so a value of any bytes (a line of a binary file)
 * reaches the terminal as text.
 */
export function echoJson(value: unknown): string {
  if (typeof value !== 'string') return escapeNonPrintable(echoValue(JSON.stringify(value)));
  const quoted = (text: string) => escapeNonPrintable(JSON.stringify(text));
  return value.length <= MAX_ECHOED_VALUE_CHARS ? quoted(value) : `${quoted(`${value.slice(0, MAX_ECHOED_VALUE_CHARS - 1)}…`)} (${value.length} characters)`;
}
