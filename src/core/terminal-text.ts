/**
 * How a text a user gave (a text to classify, a label) is shown on a terminal, in a table cell: as it is, except the
 * characters that would act on the terminal instead of showing, and cut without breaking a character.
 *
 * Error messages use the broader rule of `escapeNonPrintable` (src/core/echo-value.ts), which also escapes every
 * format character (U+200B, U+200D …): there the point is to show exactly what a value holds, invisible characters
 * included (`c1` + U+200B and `c1` must differ). A table of results shows the text as the user reads it: emoji
 * sequences (👨‍👩‍👧, joined by U+200D), Persian words (`می‌خواهم`, U+200C), soft hyphens and flag tag sequences stay.
 */

/**
 * Code points that act on a terminal: C0 controls, DEL and C1 controls (ESC starts a sequence that moves the cursor,
 * recolours or clears), the bidirectional embeddings, overrides and isolates U+202A–U+202E and U+2066–U+2069 (they
 * reorder the text after them, "Trojan Source"), and U+2028 LINE SEPARATOR and U+2029 PARAGRAPH SEPARATOR (line breaks).
 */
const TERMINAL_CONTROLS = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\u2028\u2029]/gu;

/**
 * `text` with every code point that would act on a terminal instead of showing ({@link TERMINAL_CONTROLS}) escaped as
 * `\uXXXX`; everything else (letters of any script, emoji sequences with their joiners, U+200C, soft hyphens, tag
 * sequences) is kept as it is.
 */
export function escapeTerminalControls(text: string): string {
  return text.replace(TERMINAL_CONTROLS, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/**
 * `text` cut to at most `maxCharacters` user-perceived characters (grapheme clusters: `é` written as e + U+0301, a
 * family emoji, a flag are one each), ending in `…` when it was longer: a cut never splits a UTF-16 surrogate pair or
 * an emoji sequence.
 */
export function cutToCharacters(text: string, maxCharacters: number): string {
  const parts = Array.from(graphemes.segment(text), (s) => s.segment);
  return parts.length <= maxCharacters ? text : `${parts.slice(0, maxCharacters - 1).join('')}…`;
}
