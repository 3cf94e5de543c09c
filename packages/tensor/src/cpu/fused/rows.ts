// Row kernels over the last axis (float, CPU): softmax, logSoftmax, logsumexp, softmax's gradient.
// Each returns null where it does not apply (the caller falls back to the composition).

import { allocArray } from '../../dtype.js';
import { contiguous } from '../../ops/views.js';
import { Tensor } from '../../tensor.js';
import { CpuBackend } from '../backend.js';
import { exp32 } from '../math.js';
import { rmsOperands, type Floats } from './norms.js';

/** Runs `rowFn` over the rows of x's last axis (x float, contiguous rows) into a new tensor. */
export function mapRows(x: Tensor, rowFn: (src: ArrayLike<number>, s: number, dst: Floats, d: number, n: number) => void): Tensor | null {
  const backend = x.storage.backend;
  if (!(backend instanceof CpuBackend) || (x.dtype !== 'float32' && x.dtype !== 'float64') || x.rank === 0) return null;
  const c = x.isContiguous() ? x : contiguous(x);
  try {
    const src = backend.dataOf(c.storage.buffer);
    const n = x.shape[x.rank - 1];
    const out = backend.takeArray(x.dtype, x.size) as Floats; // every row is written by rowFn
    if (n > 0) for (let r = 0; r < x.size / n; r++) rowFn(src, c.offset + r * n, out, r * n, n);
    return Tensor.fromBuffer(backend, backend.adopt(x.dtype, out), x.shape);
  } finally {
    if (c !== x) c.dispose();
  }
}

// y_j = exp(x_j - m) / Σ_k exp(x_k - m),  m = max_k x_k   (float32 rows use exp32)
export function softmaxRow(src: ArrayLike<number>, s: number, dst: Floats, d: number, n: number): void {
  let m = -Infinity;
  for (let j = 0; j < n; j++) if (src[s + j] > m || src[s + j] !== src[s + j]) m = src[s + j];
  if (m === -Infinity) m = 0;
  let sum = 0;
  if (dst instanceof Float32Array) {
    for (let j = 0; j < n; j++) {
      const e = exp32(src[s + j] - m);
      dst[d + j] = e;
      sum += e;
    }
  } else {
    for (let j = 0; j < n; j++) {
      const e = Math.exp(src[s + j] - m);
      dst[d + j] = e;
      sum += e;
    }
  }
  const inv = 1 / sum;
  for (let j = 0; j < n; j++) dst[d + j] *= inv;
}

/** log Σ_j exp(x_j) of one row with the composed op's rules: shift by the max when it is finite
 *  (a row of −∞ gives −∞, a +∞ gives +∞, a NaN gives NaN). */
export function logSumExpRow(src: ArrayLike<number>, s: number, n: number, f32: boolean): number {
  let m = -Infinity;
  for (let j = 0; j < n; j++) if (src[s + j] > m || src[s + j] !== src[s + j]) m = src[s + j];
  if (m !== m || m === Infinity) return m;
  if (m === -Infinity) return -Infinity;
  let sum = 0;
  if (f32) for (let j = 0; j < n; j++) sum += exp32(src[s + j] - m);
  else for (let j = 0; j < n; j++) sum += Math.exp(src[s + j] - m);
  return m + Math.log(sum);
}

// y_j = x_j - logsumexp(x)
export function logSoftmaxRow(src: ArrayLike<number>, s: number, dst: Floats, d: number, n: number): void {
  const lse = logSumExpRow(src, s, n, dst instanceof Float32Array);
  for (let j = 0; j < n; j++) dst[d + j] = src[s + j] - lse;
}

/** logsumexp over the last axis (float, CPU) or null. */
export function logsumexpLast(x: Tensor, axes: number[], keepDim: boolean): Tensor | null {
  const backend = x.storage.backend;
  if (!(backend instanceof CpuBackend) || (x.dtype !== 'float32' && x.dtype !== 'float64') || x.rank === 0) return null;
  if (axes.length !== 1 || axes[0] !== x.rank - 1) return null;
  const n = x.shape[x.rank - 1];
  if (n === 0) return null;
  const c = x.isContiguous() ? x : contiguous(x);
  try {
    const src = backend.dataOf(c.storage.buffer);
    const rows = x.size / n;
    const out = allocArray(x.dtype, rows) as Floats;
    const f32 = x.dtype === 'float32';
    for (let r = 0; r < rows; r++) out[r] = logSumExpRow(src, c.offset + r * n, n, f32);
    const shape = keepDim ? [...x.shape.slice(0, -1), 1] : x.shape.slice(0, -1);
    return Tensor.fromBuffer(backend, backend.adopt(x.dtype, out), shape);
  } finally {
    if (c !== x) c.dispose();
  }
}

// dx_j = y_j·(g_j − Σ_k g_k y_k) per last-axis row
export function softmaxGradCpu(y: Tensor, g: Tensor): Tensor | null {
  const o = rmsOperands(y, null, [g]);
  if (!o) return null;
  const { backend, D, rows } = o;
  const yc = y.isContiguous() ? y : contiguous(y), gc = g.isContiguous() ? g : contiguous(g);
  try {
    const Y = backend.dataOf(yc.storage.buffer) as Floats, G = backend.dataOf(gc.storage.buffer) as Floats;
    const out = backend.takeArray(y.dtype, y.size) as Floats; // every element is written
    for (let r = 0; r < rows; r++) {
      const s = yc.offset + r * D, t = gc.offset + r * D, d = r * D;
      let dot = 0;
      for (let j = 0; j < D; j++) dot += G[t + j] * Y[s + j];
      for (let j = 0; j < D; j++) out[d + j] = Y[s + j] * (G[t + j] - dot);
    }
    return Tensor.fromBuffer(backend, backend.adopt(y.dtype, out), y.shape);
  } finally {
    if (yc !== y) yc.dispose();
    if (gc !== g) gc.dispose();
  }
}
