import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/core/rng';
import { ShapeError } from '../../src/core/errors';
import { maskTokens } from '../../src/pretrain/mlm-mask';
import { CLS_ID, PAD_ID } from '../../src/model/vocab';

const L = 20;
const VOCAB = 50;

/** `rows` rows of CLS, `len` ordinary ids (2 + i % 48), then PAD. */
function batch(rows: number, len: number): Int32Array {
  const ids = new Int32Array(rows * L);
  for (let r = 0; r < rows; r++) {
    ids[r * L] = CLS_ID;
    for (let p = 1; p <= len; p++) ids[r * L + p] = 2 + ((r * 7 + p) % 48);
  }
  return ids;
}

test('maskTokens: picks round(rate · ordinary tokens) per row, at least one, never CLS or padding', () => {
  const ids = batch(30, 13);
  ids.fill(PAD_ID, 29 * L + 2, 30 * L); // last row: one ordinary token
  const m = maskTokens(ids, L, VOCAB, 0.15, new Rng(1));
  const perRow = new Map<number, number>();
  m.rows.forEach((r, i) => {
    perRow.set(r, (perRow.get(r) ?? 0) + 1);
    const p = m.positions[i]!;
    assert.ok(p >= 1 && p <= 13, `position ${p} is CLS or padding`);
    assert.equal(m.targets[i], ids[r * L + p]);
  });
  for (let r = 0; r < 29; r++) assert.equal(perRow.get(r), 2, `row ${r}`); // round(0.15 · 13) = 2
  assert.equal(perRow.get(29), 1);
  // Unpicked positions are unchanged.
  const picked = new Set(Array.from(m.rows, (r, i) => r * L + m.positions[i]!));
  ids.forEach((id, at) => {
    if (!picked.has(at)) assert.equal(m.input[at], id);
  });
});

test('maskTokens: about 80% of picked tokens become the mask (PAD), 10% random, 10% kept (BERT)', () => {
  const ids = batch(2000, 19);
  const m = maskTokens(ids, L, VOCAB, 0.5, new Rng(2));
  let masked = 0;
  let kept = 0;
  m.rows.forEach((r, i) => {
    const now = m.input[r * L + m.positions[i]!]!;
    if (now === PAD_ID) masked++;
    else if (now === m.targets[i]) kept++;
    else assert.ok(now >= 2 && now < VOCAB, `random replacement ${now} is special or out of range`);
  });
  const n = m.targets.length;
  assert.ok(n > 15_000);
  assert.ok(Math.abs(masked / n - 0.8) < 0.02, `masked ${masked / n}`);
  // kept: 10% left alone plus random draws that hit the original id (1/48 of 10%)
  assert.ok(Math.abs(kept / n - (0.1 + 0.1 / 48)) < 0.015, `kept ${kept / n}`);
});

test('maskTokens: deterministic in the rng; empty rows predict nothing; bad input is refused', () => {
  const ids = batch(5, 10);
  assert.deepEqual(maskTokens(ids, L, VOCAB, 0.15, new Rng(3)), maskTokens(ids, L, VOCAB, 0.15, new Rng(3)));
  assert.notDeepEqual(maskTokens(ids, L, VOCAB, 0.15, new Rng(3)).input, maskTokens(ids, L, VOCAB, 0.15, new Rng(4)).input);
  const empty = new Int32Array(2 * L);
  empty[0] = CLS_ID;
  assert.equal(maskTokens(empty, L, VOCAB, 0.15, new Rng(1)).targets.length, 0);
  assert.throws(() => maskTokens(new Int32Array(7), L, VOCAB, 0.15, new Rng(1)), ShapeError);
  const bad = batch(1, 3);
  bad[2] = VOCAB;
  assert.throws(() => maskTokens(bad, L, VOCAB, 0.15, new Rng(1)), (e: Error) => e instanceof ShapeError && /id 50 at row 0, position 2/.test(e.message));
  assert.throws(() => maskTokens(ids, L, VOCAB, 0, new Rng(1)), /maskRate/);
});
