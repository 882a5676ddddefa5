/**
 * Seeded, reproducible randomness. Every random draw in metatrain comes from an `Rng` whose seed is derived
 * from the run seed and a path of keys (`deriveSeed(runSeed, 'task', step, index)`), so a task can be rebuilt
 * on any worker from its spec alone, and nothing depends on the order in which things run.
 * Generator: xoroshiro128+ from `pure-rand` (Blackman & Vigna 2018).
 */
import prand from 'pure-rand';

/**
 * Mixes a path of keys into one unsigned 32-bit seed (FNV-1a over the keys' text, then a murmur3 finalizer).
 * Different paths give independent streams; the same path always the same seed.
 */
export function deriveSeed(...keys: ReadonlyArray<number | string>): number {
  let h = 0x811c9dc5;
  const text = keys.map(String).join('\u241f');
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A seeded random stream. Not thread-shared; create one per purpose with {@link deriveSeed}. */
export class Rng {
  private readonly gen: prand.RandomGenerator;

  /**
   * @param seed any integer; use {@link deriveSeed} to build one from keys. The seed is scrambled and the first
   *   draws discarded: xoroshiro128+ seeded with a small integer starts from a nearly all-zero state, which would
   *   make the first draws of neighbouring seeds almost equal.
   */
  constructor(seed: number) {
    this.gen = prand.xoroshiro128plus(deriveSeed(seed | 0) | 0);
    for (let i = 0; i < 8; i++) this.gen.unsafeNext();
  }

  /** Uniform float in [0, 1) with 53 random bits. */
  next(): number {
    const hi = (this.gen.unsafeNext() >>> 0) >>> 5; // 27 bits
    const lo = (this.gen.unsafeNext() >>> 0) >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Uniform float in [lo, hi). */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  /** Uniform integer in [0, n). @throws RangeError when n is not a positive integer. */
  int(n: number): number {
    if (!Number.isInteger(n) || n <= 0) throw new RangeError(`Rng.int: n must be a positive integer, got ${n}`);
    return Math.floor(this.next() * n);
  }

  /** Standard normal draw (Box–Muller). */
  normal(): number {
    let u = 0;
    while (u === 0) u = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }

  /** Fisher–Yates shuffle of a copy of `items`. */
  shuffle<T>(items: readonly T[]): T[] {
    const out = [...items];
    for (let i = out.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [out[i], out[j]] = [out[j]!, out[i]!];
    }
    return out;
  }

  /**
   * `k` distinct indices from [0, n), in draw order.
   * @throws RangeError when k > n.
   */
  sampleIndices(n: number, k: number): number[] {
    if (k > n) throw new RangeError(`Rng.sampleIndices: cannot draw ${k} distinct items from ${n}`);
    return this.shuffle(Array.from({ length: n }, (_, i) => i)).slice(0, k);
  }
}
