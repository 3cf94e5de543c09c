// gather / scatterAdd / topk on CPU, over strided 3-D ([O, A, I]) and 2-D ([O, A]) views.

import type { StridedRef, TypedArray } from '../backend.js';
import { IndexError } from '../errors.js';

/** y[o, n, i] = x[o, index[o, n, i], i];  x: [O, A, I], index: int32 [O, N, I], y contiguous. */
export function gatherInto(y: TypedArray, x: TypedArray, xr: StridedRef, ix: Int32Array, ir: StridedRef): void {
  const [O, A, I] = xr.view.shape;
  const [, N] = ir.view.shape;
  const [xs0, xs1, xs2] = xr.view.strides;
  const [is0, is1, is2] = ir.view.strides;
  let p = 0;
  // Row gather (embedding lookup): one index per (o, n), broadcast along I (is2 = 0), and rows of x
  // contiguous (xs2 = 1): copy each row with one TypedArray.set instead of element by element.
  if (is2 === 0 && xs2 === 1 && I >= 8) {
    for (let o = 0; o < O; o++) {
      const xb = xr.view.offset + o * xs0;
      for (let n = 0; n < N; n++, p += I) {
        const k = ix[ir.view.offset + o * is0 + n * is1];
        if (k < 0 || k >= A) throw new IndexError('gather', `index ${k} out of range for axis of size ${A}`);
        const r = xb + k * xs1;
        y.set(x.subarray(r, r + I), p);
      }
    }
    return;
  }
  for (let o = 0; o < O; o++) {
    for (let n = 0; n < N; n++) {
      let q = ir.view.offset + o * is0 + n * is1;
      const xb = xr.view.offset + o * xs0;
      for (let i = 0; i < I; i++, q += is2) {
        const k = ix[q];
        if (k < 0 || k >= A) throw new IndexError('gather', `index ${k} out of range for axis of size ${A}`);
        y[p++] = x[xb + k * xs1 + i * xs2];
      }
    }
  }
}

/** y (a contiguous [O, A, I] copy of x) gets y[o, index[o, n, i], i] += src[o, n, i]. */
export function scatterAddInto(y: TypedArray, ix: Int32Array, ir: StridedRef, src: TypedArray, sr: StridedRef, A: number, I: number): void {
  const [O, N] = ir.view.shape;
  const [is0, is1, is2] = ir.view.strides;
  const [ss0, ss1, ss2] = sr.view.strides;
  for (let o = 0; o < O; o++) {
    for (let n = 0; n < N; n++) {
      let q = ir.view.offset + o * is0 + n * is1;
      let s = sr.view.offset + o * ss0 + n * ss1;
      const yb = o * A * I;
      for (let i = 0; i < I; i++, q += is2, s += ss2) {
        const k = ix[q];
        if (k < 0 || k >= A) throw new IndexError('scatterAdd', `index ${k} out of range for axis of size ${A}`);
        y[yb + k * I + i] += src[s];
      }
    }
  }
}

/** a ranks before b: larger first, NaN largest, lower index first on ties. */
function before(va: number, ia: number, vb: number, ib: number): boolean {
  if (va > vb) return true;
  if (va < vb) return false;
  if (va === vb) return ia < ib;
  // at least one NaN
  const na = va !== va, nb = vb !== vb;
  if (na && !nb) return true;
  if (nb && !na) return false;
  return ia < ib;
}

/** Per row of x: [O, A], the k largest, descending; ties keep the lower index first. */
export function topkInto(vals: TypedArray, idxs: Int32Array, x: TypedArray, xr: StridedRef, k: number): void {
  const [O, A] = xr.view.shape;
  const [s0, s1] = xr.view.strides;
  const row = new Float64Array(A);
  const order = new Int32Array(A);
  for (let o = 0; o < O; o++) {
    const base = xr.view.offset + o * s0;
    for (let j = 0; j < A; j++) row[j] = x[base + j * s1];
    if (k <= 32) {
      // insertion into a sorted list of length ≤ k
      let len = 0;
      for (let j = 0; j < A; j++) {
        const v = row[j];
        if (len === k && !before(v, j, row[order[len - 1]], order[len - 1])) continue;
        let p = len < k ? len++ : len - 1;
        while (p > 0 && before(v, j, row[order[p - 1]], order[p - 1])) {
          order[p] = order[p - 1];
          p--;
        }
        order[p] = j;
      }
    } else {
      const ids = Array.from({ length: A }, (_, j) => j);
      ids.sort((ia, ib) => (before(row[ia], ia, row[ib], ib) ? -1 : before(row[ib], ib, row[ia], ia) ? 1 : 0));
      for (let j = 0; j < k; j++) order[j] = ids[j];
    }
    for (let j = 0; j < k; j++) {
      vals[o * k + j] = row[order[j]];
      idxs[o * k + j] = order[j];
    }
  }
}
