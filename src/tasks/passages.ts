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
  let current = '';
  for (const word of text.split(/\s+/)) {
    if (word.length === 0) continue;
    const pieces = word.length <= maxChars ? [word] : word.match(new RegExp(`[^]{1,${maxChars}}`, 'g'))!;
    for (const piece of pieces) {
      if (current.length === 0) current = piece;
      else if (current.length + 1 + piece.length <= maxChars) current += ` ${piece}`;
      else {
        passages.push(current);
        current = piece;
      }
    }
  }
  if (current.length * 2 >= maxChars) passages.push(current);
  return passages;
}
