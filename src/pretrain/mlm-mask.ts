/**
 * The masking of masked-language-model pretraining (BERT, Devlin et al. 2019, §3.1 "Task #1: Masked LM"): per
 * text, `maskRate` of its tokens (at least one; CLS and padding never) are chosen to be predicted; of those 80%
 * are replaced by the mask id, 10% by a uniformly random token and 10% left unchanged. The mask id is PAD: the
 * encoder already hides padding keys from attention, so a masked position is invisible to the others (as BERT's
 * [MASK] is uninformative) and needs no extra embedding row. No tfjs here.
 */
import { ShapeError } from '../core/errors';
import type { Rng } from '../core/rng';
import { FIRST_ORDINARY_ID, PAD_ID } from '../model/vocab';

/** One masked batch. */
export interface MaskedBatch {
  /** Token ids `[n, L]` row-major with the chosen positions masked or replaced. */
  readonly input: Int32Array;
  /** Row (text) of each predicted token, ascending: `[m]`. */
  readonly rows: Int32Array;
  /** Position in its row of each predicted token: `[m]`. */
  readonly positions: Int32Array;
  /** The original id of each predicted token: `[m]`. */
  readonly targets: Int32Array;
}

/**
 * Masks `ids` (`[n, length]` row-major, as `TextTokenizer.encode`) for one MLM step. Deterministic in `rng`.
 * A row with no ordinary token (an empty text) predicts nothing.
 * @param vocabSize ids lie in [0, vocabSize); random replacements are drawn from the ordinary ids.
 * @throws ShapeError when `ids.length` is not a multiple of `length`, an id lies outside [0, vocabSize), or
 *   `maskRate` is not in (0, 1].
 */
export function maskTokens(ids: Int32Array, length: number, vocabSize: number, maskRate: number, rng: Rng): MaskedBatch {
  if (!Number.isInteger(length) || length <= 0 || ids.length % length !== 0) {
    throw new ShapeError(`maskTokens: ${ids.length} ids are not rows of length ${length}`);
  }
  if (!(maskRate > 0 && maskRate <= 1)) throw new ShapeError(`maskTokens: maskRate must lie in (0, 1], got ${maskRate}`);
  const input = Int32Array.from(ids);
  const rows: number[] = [];
  const positions: number[] = [];
  const targets: number[] = [];
  for (let r = 0; r < ids.length / length; r++) {
    const ordinary: number[] = [];
    for (let p = 0; p < length; p++) {
      const id = ids[r * length + p]!;
      if (!(id >= 0 && id < vocabSize)) throw new ShapeError(`maskTokens: id ${id} at row ${r}, position ${p} is outside [0, ${vocabSize})`);
      if (id >= FIRST_ORDINARY_ID) ordinary.push(p);
    }
    if (ordinary.length === 0) continue;
    const count = Math.max(1, Math.round(maskRate * ordinary.length));
    const chosen = rng.sampleIndices(ordinary.length, count).map((i) => ordinary[i]!).sort((a, b) => a - b);
    for (const p of chosen) {
      const at = r * length + p;
      rows.push(r);
      positions.push(p);
      targets.push(ids[at]!);
      const u = rng.next();
      if (u < 0.8) input[at] = PAD_ID;
      else if (u < 0.9) input[at] = FIRST_ORDINARY_ID + rng.int(vocabSize - FIRST_ORDINARY_ID);
    }
  }
  return { input, rows: Int32Array.from(rows), positions: Int32Array.from(positions), targets: Int32Array.from(targets) };
}
