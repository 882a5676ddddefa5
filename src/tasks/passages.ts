/**
 * Cutting long documents into fixed-size passages, the usual way to turn an authorship corpus into a few-shot
 * benchmark (many short examples per author).
 */

/**
 * Cuts `text` into consecutive, non-overlapping passages of at most `maxChars` characters, on word boundaries.
 * Whitespace runs become single spaces. Each passage takes as many whole words as fit; a single word longer
 * than `maxChars` is split into `maxChars`-sized pieces. A final passage shorter than `maxChars / 2` is
 * dropped, so passage length says little about where in a document (or whose document) it comes from.
 * @param maxChars passage length in UTF-16 code units, a positive integer.
 * @returns passages in document order; empty when `text` is shorter than `maxChars / 2`.
 * @throws RangeError when `maxChars` is not a positive integer.
 */
export function cutPassages(text: string, maxChars: number): string[] {
  if (!Number.isInteger(maxChars) || maxChars <= 0) {
    throw new RangeError(`cutPassages: maxChars must be a positive integer, got ${maxChars}`);
  }
  const passages: string[] = [];
  // Words are gathered and joined once per passage: `passage += word` would leave each passage a rope of one
  // string per word (V8 cons strings), millions of small objects that every full garbage collection of a
  // long-lived corpus has to mark (the SOTU corpus: 3.5 M objects, 30–160 ms per collection).
  let words: string[] = [];
  let length = 0;
  for (const word of text.split(/\s+/)) {
    if (word.length === 0) continue;
    const pieces = word.length <= maxChars ? [word] : word.match(new RegExp(`[^]{1,${maxChars}}`, 'g'))!;
    for (const piece of pieces) {
      if (length > 0 && length + 1 + piece.length > maxChars) {
        passages.push(words.join(' '));
        words = [];
        length = 0;
      }
      length += (length > 0 ? 1 : 0) + piece.length;
      words.push(piece);
    }
  }
  if (length * 2 >= maxChars) passages.push(words.join(' '));
  return passages;
}
