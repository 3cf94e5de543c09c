// Generated, specialised CPU loops.
//
// Each (op, input dtypes, output dtype) gets its own small JS function built once with
// `new Function` and cached, so the hot loop has the op's expression inlined and sees one
// typed-array type per operand (monomorphic, no per-element closure call). The loops walk
// arbitrary strided views (any strides, including 0 and negative); callers first collapse axes
// (`collapseDims`) so contiguous data becomes one long row with a stride-1 inner loop.

import type { DType, TypedArray } from '../backend.js';
import { erf32, erf64, exp32, roundEven } from './math.js';

const HELPERS = { erf32, erf64, exp32, roundEven };

/** kernel(shape, out, outOffset, outStrides, x0, off0, strides0, x1, off1, strides1, …):
 *  out[view] = expr(a = x0[view], b = x1[view], c = x2[view]) over the n-d `shape`. */
export type ElementwiseKernel = (
  shape: readonly number[],
  out: TypedArray, outOff: number, outStrides: readonly number[],
  ...operands: (TypedArray | number | readonly number[])[]
) => void;

const NAMES = ['a', 'b', 'c'];
const elementwiseCache = new Map<string, ElementwiseKernel>();

/** `expr` is a JS expression over the operand names a, b, c (and helpers erf32, erf64, exp32, roundEven).
 *  `key` must identify expr and the dtypes (it selects the cached, type-specialised function). */
export function elementwiseKernel(key: string, arity: 1 | 2 | 3, expr: string): ElementwiseKernel {
  const hit = elementwiseCache.get(key);
  if (hit) return hit;
  const ns = NAMES.slice(0, arity);
  const params = ns.map((n) => `x${n}, p${n}, s${n}`).join(', ');
  const each = (f: (n: string) => string, sep = ' '): string => ns.map(f).join(sep);
  // Fast inner loops: all-contiguous; binary with one side a broadcast scalar along the row.
  let fast = `if (contig) { for (let j = 0; j < n; j++) { ${each((v) => `const ${v} = x${v}[p${v} + j];`)} out[po + j] = ${expr}; } }`;
  if (arity === 2) {
    fast += ` else if (ios === 1 && ias === 1 && ibs === 0) { const b = xb[pb]; for (let j = 0; j < n; j++) { const a = xa[pa + j]; out[po + j] = ${expr}; } }`;
    fast += ` else if (ios === 1 && ias === 0 && ibs === 1) { const a = xa[pa]; for (let j = 0; j < n; j++) { const b = xb[pb + j]; out[po + j] = ${expr}; } }`;
  }
  const src = `
const { erf32, erf64, exp32, roundEven } = H;
return function elementwise(shape, out, po, os, ${params}) {
  const nd = shape.length, n = shape[nd - 1], ios = os[nd - 1];
  ${each((v) => `const i${v}s = s${v}[nd - 1];`)}
  let outer = 1;
  for (let d = 0; d < nd - 1; d++) outer *= shape[d];
  if (outer === 0 || n === 0) return;
  const idx = new Int32Array(nd);
  const contig = ios === 1 && ${each((v) => `i${v}s === 1`, ' && ')};
  for (let r = 0; r < outer; r++) {
    ${fast} else {
      let io = po ${each((v) => `, j${v} = p${v}`, '')};
      for (let j = 0; j < n; j++) { ${each((v) => `const ${v} = x${v}[j${v}]; j${v} += i${v}s;`)} out[io] = ${expr}; io += ios; }
    }
    for (let d = nd - 2; d >= 0; d--) {
      po += os[d]; ${each((v) => `p${v} += s${v}[d];`)}
      if (++idx[d] < shape[d]) break;
      idx[d] = 0; po -= os[d] * shape[d]; ${each((v) => `p${v} -= s${v}[d] * shape[d];`)}
    }
  }
};`;
  const k = new Function('H', src)(HELPERS) as ElementwiseKernel;
  elementwiseCache.set(key, k);
  return k;
}

/** kernel(out, x, offset, outerStride, innerStride, outer, inner): out[r] = reduce_j x[off + r·so + j·si]. */
export type ReduceKernel = (
  out: TypedArray, x: TypedArray, off: number, so: number, si: number, outer: number, inner: number,
) => void;

export interface ReduceSpec {
  /** value for an empty row */
  empty: string;
  /** statements run on the first element `v` (j = 0); may use ACC and ARG */
  init: string;
  /** statements run on every later element `v` at position j */
  step: string;
  /** the row's result */
  result: string;
}

const reduceCache = new Map<string, ReduceKernel>();

/** A row reduction. Rows are read along the inner stride; when the outer stride is 1 (reducing
 *  the leading axis of a row-major matrix) it sweeps row by row into per-output accumulators so
 *  memory is read in order. */
export function reduceKernel(key: string, spec: ReduceSpec): ReduceKernel {
  const hit = reduceCache.get(key);
  if (hit) return hit;
  const row = (s: string): string => s.replace(/ACC/g, 'acc').replace(/ARG/g, 'arg');
  const col = (s: string): string => s.replace(/ACC/g, 'accs[r]').replace(/ARG/g, 'args[r]');
  const src = `
return function reduce(out, x, off, so, si, outer, inner) {
  if (inner === 0) { for (let r = 0; r < outer; r++) out[r] = ${spec.empty}; return; }
  if (so !== 1 || si === 1 || outer < 8) {
    for (let r = 0; r < outer; r++) {
      const p = off + r * so;
      let acc = 0, arg = 0, v = x[p];
      ${row(spec.init)}
      if (si === 1) { for (let j = 1; j < inner; j++) { v = x[p + j]; ${row(spec.step)} } }
      else { for (let j = 1, q = p + si; j < inner; j++, q += si) { v = x[q]; ${row(spec.step)} } }
      out[r] = ${row(spec.result)};
    }
    return;
  }
  const accs = new Float64Array(outer), args = new Int32Array(outer);
  for (let r = 0; r < outer; r++) { const v = x[off + r]; ${col(spec.init)} }
  for (let j = 1; j < inner; j++) {
    const p = off + j * si;
    for (let r = 0; r < outer; r++) { const v = x[p + r]; ${col(spec.step)} }
  }
  for (let r = 0; r < outer; r++) out[r] = ${col(spec.result)};
};`;
  const k = new Function(src)() as ReduceKernel;
  reduceCache.set(key, k);
  return k;
}

export function dtypeKey(...ds: DType[]): string {
  return ds.join(',');
}
