// Softmax cross-entropy over the rows of logits (N, C) (float, CPU): forward and gradient.
// Each returns null where it does not apply (the caller falls back to the composition).

import { allocArray } from '../../dtype.js';
import { contiguous } from '../../ops/views.js';
import { Tensor } from '../../tensor.js';
import { CpuBackend } from '../backend.js';
import { exp32 } from '../math.js';
import type { Floats } from './norms.js';
import { wasmKernelsAvailable, wasmScaleRowsF32, wasmSoftmaxRowsF32, wasmUnaryF32 } from '../wasm/index.js';
import { logSumExpRow } from './rows.js';

/** CPU arrays of contiguous float z (N, C) and int32 y (N), or null when the fast path does not apply. */
function ceOperands(z: Tensor, y: Tensor): { backend: CpuBackend; zc: Tensor; yc: Tensor; Z: Floats; Y: Int32Array; N: number; C: number } | null {
  const backend = z.storage.backend;
  if (!(backend instanceof CpuBackend) || y.storage.backend !== backend) return null;
  if ((z.dtype !== 'float32' && z.dtype !== 'float64') || y.dtype !== 'int32' || z.rank !== 2 || y.rank !== 1 || y.shape[0] !== z.shape[0]) return null;
  const [N, C] = z.shape;
  if (C === 0) return null;
  const zc = z.isContiguous() ? z : contiguous(z);
  const yc = y.isContiguous() ? y : contiguous(y);
  return { backend, zc, yc, Z: backend.dataOf(zc.storage.buffer) as Floats, Y: backend.dataOf(yc.storage.buffer) as Int32Array, N, C };
}

// per_n = (lse_n − z_n[ỹ_n])·v_n,  lse_n = log Σ_j exp z_nj  (one row pass for the max, one for the
// sum; with keepProbs the exps are stored and scaled to p_nj = exp(z_nj − lse_n) while the row is hot)
export function softmaxCrossEntropyCpu(z: Tensor, y: Tensor, ignore: number, keepProbs: boolean): { per: Tensor; lse: Tensor; probs: Tensor | null } | null {
  const o = ceOperands(z, y);
  if (!o) return null;
  const { backend, zc, yc, Z, Y, N, C } = o;
  try {
    const per = allocArray(z.dtype, N) as Floats, lse = allocArray(z.dtype, N) as Floats;
    const P = keepProbs ? (backend.takeArray(z.dtype, N * C) as Floats) : null;
    const f32 = z.dtype === 'float32';
    if (P && f32 && wasmKernelsAvailable()) {
      for (let n = 0; n < N; n++) {
        const label = Y[yc.offset + n];
        const safe = label !== ignore ? label : 0;
        if (safe < 0 || safe >= C) return null; // the composed path raises the index error
      }
      softmaxRowsWasm(Z as Float32Array, zc.offset, P as Float32Array, N, C, lse);
      for (let n = 0; n < N; n++) {
        const label = Y[yc.offset + n];
        const valid = label !== ignore;
        per[n] = (lse[n] - Z[zc.offset + n * C + (valid ? label : 0)]) * (valid ? 1 : 0);
      }
      const wrap = (a: Floats, shape: number[]) => Tensor.fromBuffer(backend, backend.adopt(z.dtype, a), shape);
      return { per: wrap(per, [N]), lse: wrap(lse, [N]), probs: wrap(P, [N, C]) };
    }
    for (let n = 0; n < N; n++) {
      const s = zc.offset + n * C, label = Y[yc.offset + n];
      const valid = label !== ignore;
      const safe = valid ? label : 0;
      if (safe < 0 || safe >= C) return null; // the composed path raises the index error
      let l: number;
      if (P) {
        let m = -Infinity;
        for (let j = 0; j < C; j++) if (Z[s + j] > m || Z[s + j] !== Z[s + j]) m = Z[s + j];
        if (m !== m || m === Infinity || m === -Infinity) {
          l = m; // NaN / ±∞ rows: lse as logSumExpRow gives it; p = exp(z − lse) as the composition
          for (let j = 0; j < C; j++) P[n * C + j] = Math.exp(Z[s + j] - l);
        } else {
          let sum = 0;
          for (let j = 0; j < C; j++) {
            const e = f32 ? exp32(Z[s + j] - m) : Math.exp(Z[s + j] - m);
            P[n * C + j] = e;
            sum += e;
          }
          l = m + Math.log(sum);
          const inv = 1 / sum;
          for (let j = 0; j < C; j++) P[n * C + j] *= inv;
        }
      } else {
        l = logSumExpRow(Z, s, C, f32);
      }
      lse[n] = l;
      per[n] = (l - Z[s + safe]) * (valid ? 1 : 0);
    }
    const wrapT = (a: Floats, shape: number[]) => Tensor.fromBuffer(backend, backend.adopt(z.dtype, a), shape);
    return { per: wrapT(per, [N]), lse: wrapT(lse, [N]), probs: P ? wrapT(P, [N, C]) : null };
  } finally {
    if (zc !== z) zc.dispose();
    if (yc !== y) yc.dispose();
  }
}

/** Row softmax of float32 Z (N, C) from zOff into P, and lse_n = log Σ_j exp z_nj. With C % 4 == 0
 *  one wasm pass per block of rows (`wasmSoftmaxRowsF32`: max, exp(z − max) and its float64 sum,
 *  scale by 1/sum); else the exponentials alone on the wasm `exp` kernel, for blocks of rows that fit
 *  L2: P = z − max (JS), P = exp(P) (wasm, in place), then per row sum (float64), P /= sum. Either
 *  way lse = max + log(sum), and a row whose max is NaN or ±∞ gets lse = max and P = exp(z − lse),
 *  as the scalar path. */
function softmaxRowsWasm(Z: Float32Array, zOff: number, P: Float32Array, N: number, C: number, lse: Floats): void {
  if (C >= 4 && C % 4 === 0) {
    const maxes = new Float32Array(N), sums = new Float64Array(N);
    wasmSoftmaxRowsF32(Z, P, N, C, maxes, sums, zOff, 0);
    for (let n = 0; n < N; n++) {
      const m = maxes[n];
      if (m !== m || m === Infinity || m === -Infinity) {
        const s = zOff + n * C, d = n * C;
        lse[n] = m;
        for (let j = 0; j < C; j++) P[d + j] = Math.exp(Z[s + j] - m);
        continue;
      }
      lse[n] = m + Math.log(sums[n]);
    }
    return;
  }
  const R = Math.max(1, Math.floor(65536 / C)); // rows per block: 256 KiB of P
  const maxes = new Float64Array(R);
  for (let n0 = 0; n0 < N; n0 += R) {
    const n1 = Math.min(N, n0 + R);
    for (let n = n0; n < n1; n++) {
      const s = zOff + n * C, d = n * C;
      let m = -Infinity;
      for (let j = 0; j < C; j++) if (Z[s + j] > m || Z[s + j] !== Z[s + j]) m = Z[s + j];
      maxes[n - n0] = m;
      for (let j = 0; j < C; j++) P[d + j] = Z[s + j] - m;
    }
    wasmUnaryF32('exp', P, P, (n1 - n0) * C, n0 * C, n0 * C);
    for (let n = n0; n < n1; n++) {
      const s = zOff + n * C, d = n * C, m = maxes[n - n0];
      if (m !== m || m === Infinity || m === -Infinity) {
        lse[n] = m;
        for (let j = 0; j < C; j++) P[d + j] = Math.exp(Z[s + j] - m);
        continue;
      }
      let sum = 0;
      for (let j = 0; j < C; j++) sum += P[d + j];
      lse[n] = m + Math.log(sum);
      const inv = 1 / sum;
      for (let j = 0; j < C; j++) P[d + j] *= inv;
    }
  }
}

// dz_nj = w_n·p_nj − w_n·[j = ỹ_n], p = probs or exp(z − lse)   (one pass)
export function softmaxCrossEntropyGradCpu(z: Tensor, lse: Tensor, y: Tensor, w: Tensor, ignore: number, probs: Tensor | null): Tensor | null {
  const o = ceOperands(z, y);
  if (!o) return null;
  const { backend, zc, yc, Z, Y, N, C } = o;
  const lc = lse.isContiguous() ? lse : contiguous(lse), wc = w.isContiguous() ? w : contiguous(w);
  const pc = probs && !probs.isContiguous() ? contiguous(probs) : probs;
  try {
    if (lse.dtype !== z.dtype || w.dtype !== z.dtype || lse.size !== N || w.size !== N || lc.storage.backend !== backend || wc.storage.backend !== backend) return null;
    if (pc && (pc.dtype !== z.dtype || pc.size !== N * C || pc.storage.backend !== backend)) return null;
    const L = backend.dataOf(lc.storage.buffer) as Floats, W = backend.dataOf(wc.storage.buffer) as Floats;
    const P = pc ? (backend.dataOf(pc.storage.buffer) as Floats) : null, po = pc ? pc.offset : 0;
    const out = backend.takeArray(z.dtype, N * C) as Floats;
    const f32 = z.dtype === 'float32';
    if (P && f32 && wasmKernelsAvailable()) {
      // out = w_n·p_n on the wasm kernel (a float32 product: the same bits as the JS loop), then the
      // label entries
      for (let n = 0; n < N; n++) {
        const label = Y[yc.offset + n], safe = label !== ignore ? label : 0;
        if (safe < 0 || safe >= C) return null;
      }
      // Rows with w_n = ±0 and a finite lse_n (an ignored label; p_n then came from a regular softmax
      // row, all finite and ≥ 0) are w_n·p_n = w_n exactly: filled without reading P. The other rows
      // run in maximal runs on the kernel.
      const Pf = P as Float32Array, Of = out as Float32Array, Wf = W as Float32Array;
      let n0 = 0;
      const flush = (n1: number) => { if (n1 > n0) wasmScaleRowsF32(Pf, Of, n1 - n0, C, Wf, po + n0 * C, n0 * C, wc.offset + n0); };
      for (let n = 0; n < N; n++) {
        const wn = W[wc.offset + n], ln = L[lc.offset + n];
        if (wn === 0 && ln - ln === 0) {
          flush(n);
          Of.fill(wn, n * C, (n + 1) * C);
          n0 = n + 1;
        }
      }
      flush(N);
      for (let n = 0; n < N; n++) {
        const label = Y[yc.offset + n], safe = label !== ignore ? label : 0;
        out[n * C + safe] -= W[wc.offset + n];
      }
      return Tensor.fromBuffer(backend, backend.adopt(z.dtype, out as Float32Array), [N, C]);
    }
    for (let n = 0; n < N; n++) {
      const s = zc.offset + n * C, d = n * C, label = Y[yc.offset + n];
      const safe = label !== ignore ? label : 0;
      if (safe < 0 || safe >= C) return null;
      const l = L[lc.offset + n], wn = W[wc.offset + n];
      if (P) for (let j = 0; j < C; j++) out[d + j] = wn * P[po + d + j];
      else if (f32) for (let j = 0; j < C; j++) out[d + j] = wn * exp32(Z[s + j] - l);
      else for (let j = 0; j < C; j++) out[d + j] = wn * Math.exp(Z[s + j] - l);
      out[d + safe] -= wn;
    }
    return Tensor.fromBuffer(backend, backend.adopt(z.dtype, out), [N, C]);
  } finally {
    if (zc !== z) zc.dispose();
    if (yc !== y) yc.dispose();
    if (lc !== lse) lc.dispose();
    if (wc !== w) wc.dispose();
    if (pc && pc !== probs) pc.dispose();
  }
}
