/**
 * Word segmentation shared by the hashed-word tokenizer (src/model) and the TF-IDF baselines (src/baselines):
 * `Intl.Segmenter` (ICU's Unicode word boundaries, UAX #29, built into Node.js) on the lower-cased text, keeping
 * word-like segments (letters, digits, apostrophes within words; no punctuation or spaces).
 */

const segmenter = new Intl.Segmenter('en', { granularity: 'word' });

/** The lower-cased words of `text`, in order. */
export function wordsOf(text: string): string[] {
  const out: string[] = [];
  for (const s of segmenter.segment(text.toLowerCase())) if (s.isWordLike) out.push(s.segment);
  return out;
}
