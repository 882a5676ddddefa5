/**
 * Word segmentation shared by the hashed-word tokenizer (src/model) and the TF-IDF baselines (src/baselines):
 * `Intl.Segmenter` (ICU's Unicode word boundaries, UAX #29, built into Node.js) on the lower-cased text, keeping
 * word-like segments (letters, digits, apostrophes within words; no punctuation or spaces).
 *
 * Node's segment iterator takes time proportional to the length of the string it walks for every segment it
 * yields, so one long text costs the square of its length (100,000 words: about 90 s). The text is therefore
 * segmented in pieces of about {@link PIECE_CHARS} code units, cut where a space or line feed is followed by a
 * letter, digit or other base character: no UAX #29 rule joins across such a point (the space or line feed ends any
 * look-ahead or look-behind, and lower-casing has no context there either), so the words are the same as those of
 * the whole text. Only a run of more than {@link MAX_PIECE_CHARS} code units without such a point is cut
 * wherever it reaches that length (between two UTF-16 surrogates never), which may split a word there.
 */

const segmenter = new Intl.Segmenter('en', { granularity: 'word' });

/** Preferred length of a piece given to the segmenter, in UTF-16 code units. */
export const PIECE_CHARS = 1024;

/** Longest piece given to the segmenter, in UTF-16 code units: a longer run without a cut point is cut here. */
export const MAX_PIECE_CHARS = 8192;

/**
 * Whether a piece may end before `text[i]`: after a space or line feed, before a character that no UAX #29 rule
 * attaches to what precedes it (not whitespace, not a combining mark, format character, modifier letter or
 * surrogate half).
 */
function isCutPoint(text: string, i: number): boolean {
  const before = text.charCodeAt(i - 1);
  return (before === 0x20 || before === 0x0a) && !/[\s\p{M}\p{Cf}\p{Lm}\p{Cs}]/u.test(text[i]!);
}

/** End (exclusive) of the piece of `text` that starts at `start`: see the module doc. */
function pieceEnd(text: string, start: number): number {
  if (text.length - start <= PIECE_CHARS) return text.length;
  for (let i = start + PIECE_CHARS; i > start; i--) if (isCutPoint(text, i)) return i;
  const last = Math.min(text.length, start + MAX_PIECE_CHARS);
  for (let i = start + PIECE_CHARS + 1; i < last; i++) if (isCutPoint(text, i)) return i;
  if (last === text.length) return last;
  const high = text.charCodeAt(last - 1);
  return high >= 0xd800 && high <= 0xdbff ? last - 1 : last;
}

/**
 * The lower-cased words of `text`, in order, produced lazily piece by piece (see the module doc): a consumer that
 * stops after the first words never segments the rest of the text. Time linear in the length of the text read.
 */
export function* wordsIn(text: string): Generator<string, void, undefined> {
  for (let start = 0; start < text.length; ) {
    const end = pieceEnd(text, start);
    for (const s of segmenter.segment(text.slice(start, end).toLowerCase())) if (s.isWordLike) yield s.segment;
    start = end;
  }
}

/** The lower-cased words of `text`, in order (all of {@link wordsIn}). */
export function wordsOf(text: string): string[] {
  return [...wordsIn(text)];
}
