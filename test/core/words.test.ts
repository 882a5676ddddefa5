import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IN_A_WORD, NEVER_IN_A_WORD, wordsOf } from '../../src/core/words';

const segmenter = new Intl.Segmenter('en', { granularity: 'word' });
const hasWord = (s: string) => [...segmenter.segment(s.toLowerCase())].some((x) => x.isWordLike);

test('no character that wordsIn skips is in a word: alone, repeated, joined by ZWJ or with variation selector 16', () => {
  let skipped = 0;
  for (let cp = 0; cp <= 0x10ffff; cp++) {
    if (cp >= 0xd800 && cp <= 0xdfff) continue;
    const c = String.fromCodePoint(cp);
    if (!NEVER_IN_A_WORD.test(c) || IN_A_WORD.test(c)) continue;
    skipped++;
    for (const s of [c, c + c + c, `${c}\u200d${c}`, `${c}\ufe0f`]) assert.equal(hasWord(s), false, `U+${cp.toString(16)} in ${JSON.stringify(s)}`);
  }
  assert.ok(skipped > 2900, `${skipped} characters skipped`);
});

test('wordsOf reads 12 MB of line feeds, punctuation and emoji in about a second, with the words around them', () => {
  // Before: every character of such a run was a segment of an 8,192-character piece: about 5 s per million.
  const text = `first${'\n'.repeat(4_000_000)}${'.'.repeat(4_000_000)}middle${'😀'.repeat(1_000_000)}${'— '.repeat(1_000_000)}last`;
  const start = Date.now();
  assert.deepEqual(wordsOf(text), ['first', 'middle', 'last']);
  // 15 s: ~40× what it takes here alone (0.35 s), so a slow, shared machine passes; the bug took ~60 s.
  assert.ok(Date.now() - start < 15_000, `took ${Date.now() - start} ms`);
});
