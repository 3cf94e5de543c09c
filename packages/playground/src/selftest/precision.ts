// Precision of a backend measured in the page against float64 references computed on the host:
// transcendental functions over a range, a matmul, a long sum, and integers near and past 2^24
// (the limit of integers stored in float32, which is how gpu.js' WebGL textures hold every dtype).
import * as T from '@avey/tensor';

export interface PrecisionRow { what: string; maxAbs: number; maxRel: number; note?: string }

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => { s = (s + 0x6d2b79f5) >>> 0; let t = s; t = Math.imul(t ^ (t >>> 15), t | 1); t ^= t + Math.imul(t ^ (t >>> 7), t | 61); return ((t ^ (t >>> 14)) >>> 0) / 4294967296; };
}

function errors(got: ArrayLike<number>, want: ArrayLike<number>): { maxAbs: number; maxRel: number } {
  let maxAbs = 0, maxRel = 0;
  for (let i = 0; i < want.length; i++) {
    const d = Math.abs(got[i] - want[i]);
    maxAbs = Math.max(maxAbs, d);
    if (Math.abs(want[i]) > 1e-6) maxRel = Math.max(maxRel, d / Math.abs(want[i]));
  }
  return { maxAbs, maxRel };
}

export async function measurePrecision(): Promise<PrecisionRow[]> {
  const rows: PrecisionRow[] = [];
  const r = rng(7);
  const n = 4096;
  const unary: [string, (x: T.Tensor) => T.Tensor, (x: number) => number, number, number][] = [
    ['exp on [-10, 10]', (x) => x.exp(), Math.exp, -10, 10],
    ['log on [1e-3, 1e3]', (x) => x.log(), Math.log, 1e-3, 1e3],
    ['tanh on [-5, 5]', (x) => x.tanh(), Math.tanh, -5, 5],
    ['sin on [-100, 100]', (x) => x.sin(), Math.sin, -100, 100],
    ['sqrt on [0, 1e4]', (x) => x.sqrt(), Math.sqrt, 0, 1e4],
    ['sigmoid on [-20, 20]', (x) => x.sigmoid(), (v) => 1 / (1 + Math.exp(-v)), -20, 20],
  ];
  for (const [what, f, ref, lo, hi] of unary) {
    const xs = Float32Array.from({ length: n }, () => lo + (hi - lo) * r());
    const got = await T.scope(() => f(T.tensor(xs))).data();
    rows.push({ what, ...errors(got, Array.from(xs, ref)) });
  }
  // matmul (256 × 256) · (256 × 256), entries in [-1, 1]
  const m = 256;
  const a = Float32Array.from({ length: m * m }, () => r() * 2 - 1);
  const b = Float32Array.from({ length: m * m }, () => r() * 2 - 1);
  const want = new Float64Array(m * m);
  for (let i = 0; i < m; i++) for (let k = 0; k < m; k++) { const av = a[i * m + k]; for (let j = 0; j < m; j++) want[i * m + j] += av * b[k * m + j]; }
  const got = await T.scope(() => T.matmul(T.tensor(a, { shape: [m, m] }), T.tensor(b, { shape: [m, m] }))).data();
  rows.push({ what: 'matmul 256×256·256×256, entries in [-1, 1]', ...errors(got, want) });
  // sum of 2^20 values in [0, 1)
  const big = Float32Array.from({ length: 1 << 20 }, () => r());
  let s = 0;
  for (const v of big) s += v;
  const gs = await T.scope(() => T.sum(T.tensor(big))).data();
  rows.push({ what: 'sum of 2^20 values in [0, 1)', ...errors(gs, [s]) });
  // integers: round trip and +1 near 2^24 and at the int32 limits
  const ints = [16777215, 16777216, 16777217, 123456789, 2147483647, -2147483648];
  const back = await T.tensor(Int32Array.from(ints), { dtype: 'int32' }).data();
  const plus = await T.scope(() => T.add(T.tensor(Int32Array.from(ints.slice(0, 4)), { dtype: 'int32' }), 1)).data();
  const wrongBack = ints.filter((v, i) => back[i] !== v);
  const wrongPlus = ints.slice(0, 4).filter((v, i) => plus[i] !== v + 1);
  rows.push({
    what: 'int32 upload/read back of 2^24−1, 2^24, 2^24+1, 123456789, ±2^31 limits', maxAbs: Math.max(0, ...ints.map((v, i) => Math.abs(back[i] - v))), maxRel: 0,
    note: wrongBack.length ? `not exact: ${wrongBack.join(', ')}` : 'exact',
  });
  rows.push({
    what: 'int32 x + 1 for 2^24−1, 2^24, 2^24+1, 123456789', maxAbs: Math.max(0, ...ints.slice(0, 4).map((v, i) => Math.abs(plus[i] - (v + 1)))), maxRel: 0,
    note: wrongPlus.length ? `wrong for ${wrongPlus.join(', ')} (got ${Array.from(plus).join(', ')})` : 'exact',
  });
  return rows;
}
