// The few host-side loops of the gpu.js backend: index validation (a kernel cannot throw) and
// the documented fallbacks (large scatterAdd, non-nesting assign views).

import type { View } from '../backend.js';
import { IndexError } from '../errors.js';

/** Calls fn(elementOffset, k) for every element of `view` in row-major order (k = 0, 1, …). */
export function forEachOffset(view: View, fn: (offset: number, k: number) => void): void {
  const { shape, strides, offset } = view;
  const n = shape.length;
  let total = 1;
  for (const v of shape) total *= v;
  if (total === 0) return;
  const c = new Array<number>(n).fill(0);
  let off = offset;
  for (let k = 0; k < total; k++) {
    fn(off, k);
    // odometer increment of the coordinates, last axis fastest
    for (let d = n - 1; d >= 0; d--) {
      c[d]++;
      off += strides[d];
      if (c[d] < shape[d]) break;
      off -= strides[d] * shape[d];
      c[d] = 0;
    }
  }
}

/** Throws IndexError unless every index of `view` over `data` is an integer in [0, size). */
export function checkIndices(op: string, data: Float32Array, view: View, size: number): void {
  forEachOffset(view, (off) => {
    const k = data[off];
    if (!(k >= 0 && k < size)) throw new IndexError(op, `index ${k} out of range for axis of size ${size}`);
  });
}

/** y (contiguous [O, A, I]) += src scattered along axis 1 by index ([O, N, I] views). */
export function scatterAddHost(y: Float32Array, A: number, I: number, ix: Float32Array, iv: View, src: Float32Array, sv: View): void {
  const [O, N] = iv.shape;
  const [is0, is1, is2] = iv.strides;
  const [ss0, ss1, ss2] = sv.strides;
  for (let o = 0; o < O; o++) {
    for (let n = 0; n < N; n++) {
      for (let i = 0; i < I; i++) {
        const k = ix[iv.offset + o * is0 + n * is1 + i * is2];
        y[(o * A + k) * I + i] += src[sv.offset + o * ss0 + n * ss1 + i * ss2];
      }
    }
  }
}

/** dst[dstView] = src (contiguous, row-major over dstView.shape). */
export function assignHost(dst: Float32Array, dstView: View, src: Float32Array): void {
  forEachOffset(dstView, (off, k) => { dst[off] = src[k]; });
}
