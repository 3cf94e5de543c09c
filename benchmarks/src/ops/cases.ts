// Problem sizes and the random inputs shared by every backend (generated once per size).

export interface Sizes {
  /** square matmul sizes n: [n, n] @ [n, n] */
  matmul: number[];
  /** elements of the elementwise / memcpy arrays */
  elementwise: number;
  /** extra memcpy sizes (a DRAM-sized one gives the memory bandwidth the elementwise ops are judged by) */
  memcpy: number[];
  /** sum over the last axis of [rows, cols] */
  sum: [number, number];
  /** embedding lookup: weight [vocab, dim], ids [count] */
  gather: { vocab: number; dim: number; count: number };
  /** per-case sampling budget, ms (split over `rounds` interleaved rounds) */
  budgetMs: number;
  rounds: number;
}

export const FULL: Sizes = {
  matmul: [256, 512, 1024],
  elementwise: 1 << 20,
  memcpy: [1 << 24],
  sum: [1024, 1024],
  gather: { vocab: 8192, dim: 512, count: 2048 },
  budgetMs: 900,
  rounds: 6,
};

export const QUICK: Sizes = {
  matmul: [32, 64],
  elementwise: 1 << 14,
  memcpy: [],
  sum: [64, 256],
  gather: { vocab: 256, dim: 64, count: 128 },
  budgetMs: 15,
  rounds: 2,
};

/** Deterministic uniform [-1, 1) floats (xorshift32), so every backend sees the same data. */
export function randomF32(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13; s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5; s >>>= 0;
    out[i] = (s / 4294967296) * 2 - 1;
  }
  return out;
}

/** Deterministic ints in [0, hi). */
export function randomIds(n: number, hi: number, seed: number): Int32Array {
  const u = randomF32(n, seed);
  return Int32Array.from(u, (x) => Math.min(hi - 1, Math.floor(((x + 1) / 2) * hi)));
}

/** The inputs of one run, built lazily and cached per size. */
export class Inputs {
  private cache = new Map<string, Float32Array | Int32Array>();
  f32(key: string, n: number): Float32Array {
    let v = this.cache.get(key);
    if (!(v instanceof Float32Array) || v.length !== n) {
      v = randomF32(n, hash(key));
      this.cache.set(key, v);
    }
    return v;
  }
  ids(key: string, n: number, hi: number): Int32Array {
    let v = this.cache.get(key);
    if (!(v instanceof Int32Array) || v.length !== n) {
      v = randomIds(n, hi, hash(key));
      this.cache.set(key, v);
    }
    return v;
  }
}

function hash(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}
