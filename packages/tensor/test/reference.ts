// Plain-JS reference implementations on flat number arrays, written independently of src/
// (no shared helpers) so the op suite compares two separate implementations.

export interface Ref {
  shape: number[];
  data: number[];
}

export function refSize(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}
export function refStrides(shape: readonly number[]): number[] {
  const s: number[] = [];
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}
export function unravel(i: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    idx[d] = shape[d] === 0 ? 0 : i % shape[d];
    i = shape[d] === 0 ? 0 : Math.floor(i / shape[d]);
  }
  return idx;
}
export function ravel(idx: readonly number[], shape: readonly number[]): number {
  let i = 0;
  for (let d = 0; d < shape.length; d++) i = i * shape[d] + idx[d];
  return i;
}
export function at(a: Ref, idx: readonly number[]): number {
  return a.data[ravel(idx, a.shape)];
}

/** NumPy broadcast shape, or null if incompatible. */
export function refBroadcastShape(a: readonly number[], b: readonly number[]): number[] | null {
  const n = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const x = a[a.length - n + i] ?? 1;
    const y = b[b.length - n + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) return null;
    out.push(x === 1 ? y : x);
  }
  return out;
}

/** Value of `a` at index `idx` of a broadcast shape. */
export function atBroadcast(a: Ref, idx: readonly number[]): number {
  const lead = idx.length - a.shape.length;
  const own = a.shape.map((d, i) => (d === 1 ? 0 : idx[lead + i]));
  return at(a, own);
}

export function refMap(a: Ref, f: (x: number) => number): Ref {
  return { shape: a.shape.slice(), data: a.data.map(f) };
}

export function refZip(as: Ref[], f: (...xs: number[]) => number): Ref {
  let shape: number[] = [];
  for (const a of as) {
    const s = refBroadcastShape(shape, a.shape);
    if (!s) throw new Error('reference: shapes do not broadcast');
    shape = s;
  }
  const n = refSize(shape);
  const data: number[] = [];
  for (let i = 0; i < n; i++) {
    const idx = unravel(i, shape);
    data.push(f(...as.map((a) => atBroadcast(a, idx))));
  }
  return { shape, data };
}

/** Reduce over `axes` (all when undefined) with f(values of one output cell). */
export function refReduce(a: Ref, axes: readonly number[] | undefined, keepDim: boolean, f: (xs: number[]) => number): Ref {
  const r = a.shape.length;
  const ax = (axes ?? a.shape.map((_, i) => i)).map((x) => (x < 0 ? x + r : x));
  const outShapeKeep = a.shape.map((d, i) => (ax.includes(i) ? 1 : d));
  const groups: number[][] = Array.from({ length: refSize(outShapeKeep) }, () => []);
  for (let i = 0; i < a.data.length; i++) {
    const idx = unravel(i, a.shape);
    const o = idx.map((v, d) => (ax.includes(d) ? 0 : v));
    groups[ravel(o, outShapeKeep)].push(a.data[i]);
  }
  const shape = keepDim ? outShapeKeep : a.shape.filter((_, i) => !ax.includes(i));
  return { shape, data: groups.map(f) };
}

export function refPermute(a: Ref, dims: readonly number[]): Ref {
  const shape = dims.map((d) => a.shape[d]);
  const n = refSize(shape);
  const data: number[] = [];
  for (let i = 0; i < n; i++) {
    const idx = unravel(i, shape);
    const src = new Array<number>(dims.length);
    dims.forEach((d, k) => (src[d] = idx[k]));
    data.push(at(a, src));
  }
  return { shape, data };
}

/** torch.matmul semantics with naive triple loops in double precision. */
export function refMatmul(a: Ref, b: Ref): Ref {
  const as = a.shape.length === 1 ? [1, a.shape[0]] : a.shape;
  const bs = b.shape.length === 1 ? [b.shape[0], 1] : b.shape;
  const M = as[as.length - 2], K = as[as.length - 1], N = bs[bs.length - 1];
  const batch = refBroadcastShape(as.slice(0, -2), bs.slice(0, -2));
  if (!batch || bs[bs.length - 2] !== K) throw new Error('reference matmul: bad shapes');
  const A: Ref = { shape: as, data: a.data }, B: Ref = { shape: bs, data: b.data };
  const data: number[] = [];
  const nb = refSize(batch);
  for (let t = 0; t < nb; t++) {
    const bi = unravel(t, batch);
    for (let i = 0; i < M; i++) {
      for (let j = 0; j < N; j++) {
        let s = 0;
        for (let k = 0; k < K; k++) s += atBroadcast(A, [...bi, i, k]) * atBroadcast(B, [...bi, k, j]);
        data.push(s);
      }
    }
  }
  const shape = [...batch];
  if (a.shape.length > 1) shape.push(M);
  if (b.shape.length > 1) shape.push(N);
  return { shape, data };
}

export function refTopk(row: readonly number[], k: number): { values: number[]; indices: number[] } {
  const ids = row.map((_, i) => i);
  ids.sort((i, j) => (row[j] !== row[i] ? row[j] - row[i] : i - j));
  return { values: ids.slice(0, k).map((i) => row[i]), indices: ids.slice(0, k) };
}

/** erf by its Maclaurin series (enough terms for |x| ≤ 4). */
export function refErf(x: number): number {
  let sum = 0, term = x;
  for (let n = 0; n < 200; n++) {
    sum += term / (2 * n + 1);
    term *= (-x * x) / (n + 1);
    if (Math.abs(term) < 1e-18) break;
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}

/** n float32 values in [-scale, scale) from a 32-bit LCG: cheap, seeded test data (self-contained,
 *  so a test can also ship it to a child process with `lcg.toString()`). */
export function lcg(n: number, seed: number, scale = 1): Float32Array {
  let s = seed >>> 0 || 1;
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s / 2 ** 31 - 1) * scale;
  });
}
