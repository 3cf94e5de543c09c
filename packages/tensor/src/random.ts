// Seeded random numbers, generated on the host and uploaded, so a seed gives the same tensor on
// every backend and every run.
//
// Generator: xoshiro128** 1.1 (Blackman & Vigna, https://prng.di.unimi.it/xoshiro128starstar.c),
// 32-bit state words seeded from the seed by SplitMix64 (as the authors recommend).
// uniform: float32 uses the top 24 bits (u >>> 8) / 2^24; float64 uses 53 bits of two draws.
// normal: Box–Muller, z0 = r·cos(2πu2), z1 = r·sin(2πu2), r = √(-2 ln u1), u1 ∈ (0, 1]; pairs are
// used in order and an odd tail discards its z1.

import type { DType } from './backend.js';
import { allocArray } from './dtype.js';
import { DTypeError, ShapeError, fmtShape } from './errors.js';
import { sizeOf, validateShape } from './shape.js';
import type { Tensor } from './tensor.js';
import { type CreateOptions, resolveBackend, wrap } from './ops/util.js';

const MASK64 = (1n << 64n) - 1n;

function splitmix64(state: bigint): [bigint, bigint] {
  const s = (state + 0x9e3779b97f4a7c15n) & MASK64;
  let z = s;
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK64;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK64;
  return [s, z ^ (z >> 31n)];
}

const rotl = (x: number, k: number): number => ((x << k) | (x >>> (32 - k))) >>> 0;

export class Rng {
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;

  constructor(seed: number | bigint = 0) {
    let st = BigInt.asUintN(64, BigInt(seed));
    const words: number[] = [];
    for (let i = 0; i < 2; i++) {
      const [ns, z] = splitmix64(st);
      st = ns;
      words.push(Number(z & 0xffffffffn), Number(z >> 32n));
    }
    [this.s0, this.s1, this.s2, this.s3] = words;
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** Next uint32 (xoshiro128**). */
  nextU32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5) >>> 0, 7), 9) >>> 0;
    const t = (this.s1 << 9) >>> 0;
    this.s2 = (this.s2 ^ this.s0) >>> 0;
    this.s3 = (this.s3 ^ this.s1) >>> 0;
    this.s1 = (this.s1 ^ this.s2) >>> 0;
    this.s0 = (this.s0 ^ this.s3) >>> 0;
    this.s2 = (this.s2 ^ t) >>> 0;
    this.s3 = rotl(this.s3, 11);
    return result;
  }
  /** Uniform double in [0, 1) with 53 random bits. */
  nextFloat(): number {
    const hi = this.nextU32() >>> 5;
    const lo = this.nextU32() >>> 6;
    return (hi * 67108864 + lo) / 9007199254740992;
  }
  /** Uniform in [0, 1) exactly representable in float32 (24 bits). */
  nextFloat32(): number {
    return (this.nextU32() >>> 8) / 16777216;
  }
  /** Uniform integer in [0, n), n ≤ 2^32 (multiply-shift; bias < n / 2^32). */
  nextInt(n: number): number {
    return Math.floor((this.nextU32() / 4294967296) * n);
  }
  /** Standard normal pairs (Box–Muller) written into out[0 … n). */
  fillNormal(out: { [i: number]: number; length: number }, mean = 0, std = 1): void {
    const n = out.length;
    for (let i = 0; i < n; i += 2) {
      const u1 = 1 - this.nextFloat();
      const u2 = this.nextFloat();
      const r = Math.sqrt(-2 * Math.log(u1));
      out[i] = mean + std * r * Math.cos(2 * Math.PI * u2);
      if (i + 1 < n) out[i + 1] = mean + std * r * Math.sin(2 * Math.PI * u2);
    }
  }

  /** The 4 state words (for checkpoints). */
  getState(): [number, number, number, number] {
    return [this.s0, this.s1, this.s2, this.s3];
  }
  setState(s: readonly number[]): void {
    [this.s0, this.s1, this.s2, this.s3] = s.map((w) => w >>> 0);
  }

  // ---- tensors ----------------------------------------------------------------------------------

  /** Uniform in [lo, hi). float32 unless opts.dtype (float only). */
  uniform(shape: readonly number[], lo = 0, hi = 1, opts: CreateOptions = {}): Tensor {
    const dtype = floatDType('uniform', opts.dtype);
    validateShape('uniform', shape);
    const n = sizeOf(shape);
    const out = allocArray(dtype, n);
    if (dtype === 'float32') for (let i = 0; i < n; i++) out[i] = lo + (hi - lo) * this.nextFloat32();
    else for (let i = 0; i < n; i++) out[i] = lo + (hi - lo) * this.nextFloat();
    return make('uniform', dtype, out, shape, opts);
  }

  /** Normal(mean, std²). */
  normal(shape: readonly number[], mean = 0, std = 1, opts: CreateOptions = {}): Tensor {
    const dtype = floatDType('normal', opts.dtype);
    validateShape('normal', shape);
    const out = allocArray(dtype, sizeOf(shape));
    this.fillNormal(out, mean, std);
    return make('normal', dtype, out, shape, opts);
  }

  /** Xavier/Glorot normal for a [fanOut, fanIn] weight: std = gain · √(2 / (fanIn + fanOut)). */
  xavierNormal(shape: readonly number[], gain = 1, opts: CreateOptions = {}): Tensor {
    if (shape.length < 2) throw new ShapeError('xavierNormal', `needs a [fanOut, fanIn, …] shape, got ${fmtShape(shape)}`);
    const receptive = sizeOf(shape.slice(2));
    const fanOut = shape[0] * receptive;
    const fanIn = shape[1] * receptive;
    return this.normal(shape, 0, gain * Math.sqrt(2 / (fanIn + fanOut)), opts);
  }

  /** Uniform integers in [lo, hi), int32. */
  int(shape: readonly number[], lo: number, hi: number, opts: Omit<CreateOptions, 'dtype'> = {}): Tensor {
    if (!Number.isInteger(lo) || !Number.isInteger(hi) || hi <= lo) throw new ShapeError('int', `invalid range [${lo}, ${hi})`);
    validateShape('int', shape);
    const n = sizeOf(shape);
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) out[i] = lo + this.nextInt(hi - lo);
    return make('int', 'int32', out, shape, opts);
  }

  /** A random permutation of 0 … n-1 (Fisher–Yates), int32. */
  permutation(n: number, opts: Omit<CreateOptions, 'dtype'> = {}): Tensor {
    return make('permutation', 'int32', this.permutationArray(n), [n], opts);
  }
  permutationArray(n: number): Int32Array {
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = this.nextInt(i + 1);
      const t = p[i];
      p[i] = p[j];
      p[j] = t;
    }
    return p;
  }
}

function floatDType(op: string, d: DType | undefined): 'float32' | 'float64' {
  if (d === undefined || d === 'float32') return 'float32';
  if (d === 'float64') return 'float64';
  throw new DTypeError(op, `needs a float dtype, got ${d}`);
}

function make(op: string, dtype: DType, data: Float32Array | Float64Array | Int32Array | Uint8Array, shape: readonly number[], opts: CreateOptions): Tensor {
  const backend = resolveBackend(op, opts.backend);
  return wrap(backend, backend.upload(dtype, data), shape);
}

let globalRng = new Rng(0);

/** Reseeds the generator used by rand / randn without an explicit seed. */
export function manualSeed(seed: number | bigint): void {
  globalRng = new Rng(seed);
}

export interface RandomOptions extends CreateOptions {
  seed?: number;
}

/** Uniform [0, 1). With `seed`: a fresh Rng(seed); else the global generator (see manualSeed). */
export function rand(shape: readonly number[], opts: RandomOptions = {}): Tensor {
  const r = opts.seed === undefined ? globalRng : new Rng(opts.seed);
  return r.uniform(shape, 0, 1, opts);
}
/** Standard normal. */
export function randn(shape: readonly number[], opts: RandomOptions = {}): Tensor {
  const r = opts.seed === undefined ? globalRng : new Rng(opts.seed);
  return r.normal(shape, 0, 1, opts);
}

/** mulberry32: a tiny 32-bit PRNG, floats in [0, 1). Not the tensor RNG (that is `Rng`,
 *  xoshiro128**): a cheap, reproducible stream for test data and gradcheck's cotangents. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
