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
 *
 * The segmenter also costs time for every segment it yields, words or not, and a run of punctuation, line feeds or
 * emoji is one segment per character (10 MB of line feeds: about 50 s to read). A piece made only of characters
 * that never belong to a word ({@link NEVER_IN_A_WORD}) has no word, so it is skipped without segmenting it.
 */

const segmenter = new Intl.Segmenter('en', { granularity: 'word' });

/** Preferred length of a piece given to the segmenter, in UTF-16 code units. */
export const PIECE_CHARS = 1024;

/** Longest piece given to the segmenter, in UTF-16 code units: a longer run without a cut point is cut here. */
export const MAX_PIECE_CHARS = 8192;

/**
 * Characters that are in no word-like segment, whatever surrounds them (checked over every code point, alone,
 * repeated and joined, in test/core/words.test.ts): ASCII whitespace, controls, punctuation and symbols other than
 * `_`, Unicode spaces and line separators, general and CJK punctuation, and emoji (pictographs, modifiers, flags'
 * regional indicators, ZWJ, variation selector 16) — less anything {@link IN_A_WORD} matches. Not every such
 * character: only those worth skipping (the runs a long text of no words is made of).
 */
export const NEVER_IN_A_WORD = /^[\x00-\x2F\x3A-\x40\x5B-\x5E\x60\x7B-\x7F\u0085\u2010-\u2027\u2030-\u205E\u3000-\u3003\u3008-\u3011\p{Zs}\p{Zl}\p{Zp}\p{Extended_Pictographic}\p{Emoji_Modifier}\p{Regional_Indicator}\u200D\uFE0F]*$/u;

/** Characters of {@link NEVER_IN_A_WORD}'s ranges that may be in a word (Ⓜ, 🅰, `_`, ‿, the narrow no-break space). */
export const IN_A_WORD = /[\p{Alphabetic}\p{Pc}\u202F]/u;

/** Whether `piece` has no word: every character is one that no word-like segment holds. */
function hasNoWord(piece: string): boolean {
  return NEVER_IN_A_WORD.test(piece) && !IN_A_WORD.test(piece);
}

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
    const piece = text.slice(start, end);
    start = end;
    if (hasNoWord(piece)) continue;
    for (const s of segmenter.segment(piece.toLowerCase())) if (s.isWordLike) yield s.segment;
  }
}

/** The lower-cased words of `text`, in order (all of {@link wordsIn}). */
export function wordsOf(text: string): string[] {
  return [...wordsIn(text)];
}
