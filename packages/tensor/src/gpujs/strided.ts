// Strided-view index arithmetic emitted as gpu.js kernel source.
//
// A kernel thread owns one flat output element `r` (row-major over the output shape). Each input
// is a view (shape = output shape after broadcasting, strides in elements, stride 0 = broadcast,
// offset passed as a kernel argument). The element a thread reads from input j is
//     offset_j + Σ_d c_d · stride_j[d],   with (c_0 … c_{n-1}) the row-major coordinates of r.
// Shapes and strides are inlined as literals, so one compiled kernel serves one shape signature.
//
// Exactness: gpu.js' GL and webasm modes do this arithmetic in float32, which is exact for
// integers < 2^24; `MAX_ELEMENTS` guards that (the backend refuses larger buffers).

import { BackendError } from '../errors.js';

/** Largest element count (buffer or output) whose index arithmetic stays exact in float32. */
export const MAX_ELEMENTS = 1 << 24;

export interface Coalesced {
  /** The merged output shape (size-1 axes dropped, mergeable neighbours fused). */
  shape: number[];
  /** One merged stride list per operand, aligned with `shape`. */
  strides: number[][];
}

/** Drops size-1 axes and fuses axis d into d+1 wherever every operand has
 *  stride[d] == stride[d+1]·shape[d+1], so e.g. a contiguous (2,3,4) add becomes a 1-D loop. */
export function coalesce(shape: readonly number[], strides: readonly (readonly number[])[]): Coalesced {
  const outShape: number[] = [];
  const outStrides: number[][] = strides.map(() => []);
  for (let d = 0; d < shape.length; d++) {
    if (shape[d] === 1) continue;
    const last = outShape.length - 1;
    const canMerge =
      last >= 0 && strides.every((s, j) => s[d] * shape[d] === outStrides[j][last]);
    if (canMerge) {
      // (…, n_prev, n_d) with stride_prev = stride_d·n_d  →  (…, n_prev·n_d) with stride_d
      outShape[last] *= shape[d];
      strides.forEach((s, j) => { outStrides[j][last] = s[d]; });
    } else {
      outShape.push(shape[d]);
      strides.forEach((s, j) => { outStrides[j].push(s[d]); });
    }
  }
  return { shape: outShape, strides: outStrides };
}

/** Row-major strides of a contiguous tensor of `shape`. */
export function contiguousStrides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    s[d] = acc;
    acc *= shape[d];
  }
  return s;
}

export function product(shape: readonly number[]): number {
  let n = 1;
  for (const v of shape) n *= v;
  return n;
}

/** Kernel-source lines that split the flat index variable `r` into coordinates
 *  `${p}0 … ${p}{n-1}` of `shape`. Uses an exact floor division (a float32 quotient can round up
 *  to the next integer, so it is corrected by one step either way). */
export function decodeLines(shape: readonly number[], r: string, p: string): string[] {
  const n = shape.length;
  if (n === 0) return [];
  if (n === 1) return [`const ${p}0 = ${r};`];
  const lines = [`let ${p}t = ${r};`];
  for (let d = n - 1; d >= 1; d--) {
    const m = lit(shape[d]);
    lines.push(
      `let ${p}q${d} = Math.floor(${p}t / ${m});`,
      `if (${p}q${d} * ${m} > ${p}t) { ${p}q${d} = ${p}q${d} - 1; }`,
      `if (${p}q${d} * ${m} + ${m} <= ${p}t) { ${p}q${d} = ${p}q${d} + 1; }`,
      `const ${p}${d} = ${p}t - ${p}q${d} * ${m};`,
      `${p}t = ${p}q${d};`,
    );
  }
  lines.push(`const ${p}0 = ${p}t;`);
  return lines;
}

/** The element-offset expression `off + Σ c_d·stride[d]` (zero strides omitted). */
export function offsetExpr(off: string, coords: string, strides: readonly number[]): string {
  const terms = [off];
  strides.forEach((s, d) => {
    if (s === 0) return;
    terms.push(s === 1 ? `${coords}${d}` : `${coords}${d} * ${lit(s)}`);
  });
  return terms.join(' + ');
}

/** A number literal gpu.js parses as a float where needed (negative strides get parentheses). */
export function lit(v: number): string {
  if (!Number.isFinite(v)) throw new BackendError('gpujs', `codegen: non-finite literal ${v}`);
  return v < 0 ? `(${v})` : String(v);
}
