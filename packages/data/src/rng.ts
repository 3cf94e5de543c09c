/**
 * Small seeded PRNG for the data pipeline (independent of @avey/tensor's Rng so that data stays
 * tensor-free). Algorithm: sfc32 (Small Fast Counting, 128-bit state of four uint32 words), seeded
 * through splitmix32. Its whole state is four numbers, hence trivially JSON-serialisable.
 */
export type RngState = [number, number, number, number];

function splitmix32(x: number): () => number {
  let s = x >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/** Mixes several integers (seed, rank, step, …) into one 32-bit seed. */
export function mixSeed(...parts: number[]): number {
  let h = 0x811c9dc5;
  for (const p of parts) {
    // fold the number in as two 32-bit halves so seeds > 2^32 still matter
    const lo = p >>> 0;
    const hi = Math.floor(p / 4294967296) >>> 0;
    for (const w of [lo, hi]) {
      h = Math.imul(h ^ w, 0x01000193) >>> 0;
      h = splitmix32(h)();
    }
  }
  return h >>> 0;
}

export class DataRng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number | RngState) {
    if (Array.isArray(seed)) {
      [this.a, this.b, this.c, this.d] = seed.map((v) => v >>> 0) as RngState;
    } else {
      const sm = splitmix32(mixSeed(seed));
      this.a = sm(); this.b = sm(); this.c = sm(); this.d = sm();
      for (let i = 0; i < 12; i++) this.nextU32();
    }
  }

  /** Uniform uint32. */
  nextU32(): number {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0;
    this.d = (this.d + 1) >>> 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) >>> 0;
    this.c = ((this.c << 21) | (this.c >>> 11)) >>> 0;
    this.c = (this.c + t) >>> 0;
    return t;
  }

  /** Uniform float in [0, 1) with 32 random bits. */
  float(): number {
    return this.nextU32() / 4294967296;
  }

  /** Uniform integer in [0, n), unbiased (rejection sampling); n ≤ 2^32. */
  int(n: number): number {
    if (!(n >= 1) || n > 4294967296 || !Number.isInteger(n)) throw new RangeError(`DataRng.int: n must be an integer in [1, 2^32], got ${n}`);
    const limit = 4294967296 - (4294967296 % n);
    for (;;) {
      const x = this.nextU32();
      if (x < limit) return x % n;
    }
  }

  /** In-place Fisher–Yates shuffle. */
  shuffle<T>(xs: T[]): T[] {
    for (let i = xs.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = xs[i]; xs[i] = xs[j]; xs[j] = t;
    }
    return xs;
  }

  /**
   * k distinct integers drawn uniformly without replacement from [0, n) (partial Fisher–Yates over
   * an identity permutation, O(n) memory), in draw order.
   */
  sampleWithoutReplacement(n: number, k: number): Int32Array {
    if (k < 0 || k > n) throw new RangeError(`DataRng.sampleWithoutReplacement: need 0 ≤ k ≤ n, got k=${k}, n=${n}`);
    const perm = new Int32Array(n);
    for (let i = 0; i < n; i++) perm[i] = i;
    for (let i = 0; i < k; i++) {
      const j = i + this.int(n - i);
      const t = perm[i]; perm[i] = perm[j]; perm[j] = t;
    }
    return perm.slice(0, k);
  }

  state(): RngState {
    return [this.a, this.b, this.c, this.d];
  }
}

/** FNV-1a 32-bit hash of a string (stable across platforms; used for document splits). */
export function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** MurmurHash3's 32-bit finaliser: every input bit affects every output bit. */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
