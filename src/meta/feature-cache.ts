/**
 * The frozen body's features, cached across tasks. When only the head adapts (`adapt: head`: ANIL, Raghu et al.
 * 2020; Proto-MAML, Triantafillou et al. 2020) fine-tuning reads the body only through its features
 * (./frozen-body), and the features of an example depend on nothing but the body's parameters and the example's
 * encoded input. Evaluating one fixed checkpoint on many meta-test tasks (and choosing their step counts on the
 * same support examples), the transfer baseline's evaluation and `metatrain adapt` meet the same examples again
 * and again: this cache computes each example's features once per body.
 *
 * Key: the body (a SHA-256 of the names, shapes and values of every non-head parameter, computed once per
 * `ParamSet` object) and the example (the bytes of its row of the encoded input `x`, e.g. its token ids). The
 * body changes at every meta-step while it is meta-learned, so meta-gradients never use the cache; a new
 * version simply misses. Values are the feature rows as `Float32Array`s (no tensors are held). Memory is bounded:
 * least recently used rows are evicted once keys and rows together exceed `maxBytes` (default
 * {@link DEFAULT_FEATURE_CACHE_BYTES}, 64 MiB: e.g. 250,000 rows of 64 features).
 *
 * A cached row is bitwise the value the body gives that example in any batch (the models here compute every
 * row independently; test/meta/feature-cache.test.ts checks the curves and adapted heads are identical).
 */
import { createHash } from 'node:crypto';
import * as tf from '@tensorflow/tfjs';
import type { ParamSet } from '../core/param-set';
import type { Model, TensorMap } from '../model/model';
import { isLrName } from './meta-params';

/** Default bound of a {@link FeatureCache}: 64 MiB of keys and feature rows. */
export const DEFAULT_FEATURE_CACHE_BYTES = 64 * 2 ** 20;

/** The body's features of input rows `x` `[n, …]` → `[n, f]` (a frozen body, fixed parameters). */
export type BodyFeatures = (x: tf.Tensor) => tf.Tensor;

/** Hits, misses and size of a {@link FeatureCache}, for benchmarks and metrics. */
export interface FeatureCacheStats {
  /** Example rows served from the cache. */
  readonly hits: number;
  /** Example rows computed by the body (and then cached). */
  readonly misses: number;
  /** Rows held now. */
  readonly rows: number;
  /** Bytes held now (keys as one byte per character, rows 4 bytes per feature); at most `maxBytes`. */
  readonly bytes: number;
}

/** LRU cache of a frozen body's feature rows, keyed by body and example. One per run on a worker, or per `adapt`. */
export class FeatureCache {
  private readonly rows = new Map<string, Float32Array>();
  private readonly bodyKeys = new WeakMap<ParamSet, Map<string, string>>();
  private held = 0;
  private hits = 0;
  private misses = 0;

  /**
   * @param maxBytes bound on keys plus rows, in bytes (least recently used rows are evicted beyond it).
   * @throws RangeError when `maxBytes` is not a positive integer.
   */
  constructor(readonly maxBytes = DEFAULT_FEATURE_CACHE_BYTES) {
    if (!Number.isInteger(maxBytes) || maxBytes <= 0) throw new RangeError(`feature cache: maxBytes must be a positive integer, got ${maxBytes}`);
  }

  /**
   * The body's features for `model` at the parameters `metaParams` (a `ParamSet`: its non-head, non-`lr/…`
   * entries are the body and make the key), computing misses with `model.features(tensors, rows)`, where
   * `tensors` must hold the same body values as tensors (e.g. `adaptationStart(model, metaParams, …).params`).
   * The returned function gives constant tensors: no gradient reaches the body through them, so use it for
   * evaluation and adaptation only, never inside a meta-gradient.
   */
  bodyFeatures(model: Model, metaParams: ParamSet, tensors: TensorMap): BodyFeatures {
    const body = this.bodyKeyOf(model, metaParams);
    return (x) => this.features(body, x, (rows) => model.features(tensors, rows));
  }

  /** Hits, misses, rows and bytes held. */
  stats(): FeatureCacheStats {
    return { hits: this.hits, misses: this.misses, rows: this.rows.size, bytes: this.held };
  }

  /**
   * The key of the body of `metaParams` for `model`: SHA-256 (hex) over the sorted names, shapes and float32 bytes
   * of every parameter that is neither a head parameter of `model` nor a learned rate; memoized per `ParamSet`
   * object (parameter sets are immutable). Protected so a test can prove a wrong key is caught.
   */
  protected bodyKeyOf(model: Model, metaParams: ParamSet): string {
    let byHead = this.bodyKeys.get(metaParams);
    if (!byHead) this.bodyKeys.set(metaParams, (byHead = new Map()));
    const headKey = model.headNames.join('\n');
    let key = byHead.get(headKey);
    if (key === undefined) {
      const hash = createHash('sha256');
      for (const [name, t] of metaParams) {
        if (model.headNames.includes(name) || isLrName(name)) continue;
        hash.update(`${name}[${t.shape.join(',')}]`);
        hash.update(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
      }
      key = hash.digest('hex');
      byHead.set(headKey, key);
    }
    return key;
  }

  /** Features `[n, f]` of the rows of `x` under body `body`: cached rows reused, the others computed by `compute` in one batch. */
  private features(body: string, x: tf.Tensor, compute: BodyFeatures): tf.Tensor {
    const n = x.shape[0]!;
    const values = x.dataSync();
    const rowBytes = values.BYTES_PER_ELEMENT * (values.length / Math.max(n, 1));
    const keys = Array.from({ length: n }, (_, i) => `${body}:${x.dtype}:${Buffer.from(values.buffer, values.byteOffset + i * rowBytes, rowBytes).toString('latin1')}`);
    const found: (Float32Array | undefined)[] = keys.map((k) => this.touch(k));
    const missing = new Map<string, number>(); // key → first row of the batch that has it
    keys.forEach((k, i) => {
      if (!found[i] && !missing.has(k)) missing.set(k, i);
    });
    if (missing.size > 0) {
      const computed = tf.tidy(() => compute(tf.gather(x, [...missing.values()])).dataSync() as Float32Array);
      const f = computed.length / missing.size;
      const fresh = new Map([...missing.keys()].map((k, j) => [k, computed.slice(j * f, (j + 1) * f)] as const));
      for (const [k, row] of fresh) this.store(k, row);
      keys.forEach((k, i) => (found[i] ??= fresh.get(k)));
      this.misses += missing.size;
    }
    this.hits += n - missing.size;
    const f = found[0]?.length ?? 0;
    const out = new Float32Array(n * f);
    found.forEach((row, i) => out.set(row!, i * f));
    return tf.tensor2d(out, [n, f]);
  }

  /** The row of `key`, marked most recently used; undefined when absent. */
  private touch(key: string): Float32Array | undefined {
    const row = this.rows.get(key);
    if (row) {
      this.rows.delete(key);
      this.rows.set(key, row);
    }
    return row;
  }

  private store(key: string, row: Float32Array): void {
    this.rows.set(key, row);
    this.held += key.length + row.byteLength;
    for (const [oldest, old] of this.rows) {
      if (this.held <= this.maxBytes) break;
      this.rows.delete(oldest);
      this.held -= oldest.length + old.byteLength;
    }
  }
}
