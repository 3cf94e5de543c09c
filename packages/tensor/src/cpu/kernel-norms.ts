// RMSNorm and LayerNorm over the last axis (float, CPU), forward and gradient, one row at a time
// in double. Each returns null where it does not apply (the caller falls back to the composition).

import { allocArray } from '../dtype.js';
import { contiguous } from '../ops/views.js';
import { Tensor } from '../tensor.js';
import { CpuBackend } from './backend.js';

export type Floats = Float32Array | Float64Array;

/** Contiguous float CPU rows of x (…, D) with w (D) or null, or null when the fast path does not apply. */
export function rmsOperands(x: Tensor, w: Tensor | null, extra: Tensor[] = []): { backend: CpuBackend; D: number; rows: number } | null {
  const backend = x.storage.backend;
  if (!(backend instanceof CpuBackend) || (x.dtype !== 'float32' && x.dtype !== 'float64') || x.rank === 0) return null;
  const D = x.shape[x.rank - 1];
  if (D === 0) return null;
  if (w && (w.rank !== 1 || w.shape[0] !== D || w.dtype !== x.dtype || w.storage.backend !== backend)) return null;
  for (const t of extra) if (t.dtype !== x.dtype || t.storage.backend !== backend || t.rank !== x.rank || t.shape.some((d, i) => d !== x.shape[i])) return null;
  return { backend, D, rows: x.size / D };
}

// y = x·r·w,  r = (Σ x²/D + eps)^−½ per row (in double)
export function rmsNormCpu(x: Tensor, w: Tensor | null, eps: number): Tensor | null {
  const o = rmsOperands(x, w);
  if (!o) return null;
  const { backend, D, rows } = o;
  const xc = x.isContiguous() ? x : contiguous(x), wc = w && !w.isContiguous() ? contiguous(w) : w;
  try {
    const X = backend.dataOf(xc.storage.buffer) as Floats, W = wc ? (backend.dataOf(wc.storage.buffer) as Floats) : null;
    const wo = wc ? wc.offset : 0;
    const out = allocArray(x.dtype, x.size) as Floats;
    for (let r = 0; r < rows; r++) {
      const s = xc.offset + r * D, d = r * D;
      let ss = 0;
      for (let j = 0; j < D; j++) ss += X[s + j] * X[s + j];
      const inv = 1 / Math.sqrt(ss / D + eps);
      if (W) for (let j = 0; j < D; j++) out[d + j] = X[s + j] * inv * W[wo + j];
      else for (let j = 0; j < D; j++) out[d + j] = X[s + j] * inv;
    }
    return Tensor.fromBuffer(backend, backend.adopt(x.dtype, out), x.shape);
  } finally {
    if (xc !== x) xc.dispose();
    if (wc && wc !== w) wc.dispose();
  }
}

// dx = r·(g·w) − x·r³·(Σ_j g_j w_j x_j)/D,   dw = Σ_rows g·x·r
export function rmsNormGradCpu(x: Tensor, w: Tensor | null, g: Tensor, eps: number): { dx: Tensor; dw: Tensor | null } | null {
  const o = rmsOperands(x, w, [g]);
  if (!o) return null;
  const { backend, D, rows } = o;
  const xc = x.isContiguous() ? x : contiguous(x), gc = g.isContiguous() ? g : contiguous(g), wc = w && !w.isContiguous() ? contiguous(w) : w;
  try {
    const X = backend.dataOf(xc.storage.buffer) as Floats, G = backend.dataOf(gc.storage.buffer) as Floats;
    const W = wc ? (backend.dataOf(wc.storage.buffer) as Floats) : null, wo = wc ? wc.offset : 0;
    const dx = allocArray(x.dtype, x.size) as Floats;
    const dwAcc = W ? new Float64Array(D) : null;
    for (let r = 0; r < rows; r++) {
      const s = xc.offset + r * D, t = gc.offset + r * D, d = r * D;
      let ss = 0, gwx = 0;
      for (let j = 0; j < D; j++) {
        const xv = X[s + j];
        ss += xv * xv;
        gwx += G[t + j] * (W ? W[wo + j] : 1) * xv;
      }
      const inv = 1 / Math.sqrt(ss / D + eps);
      const c = inv * inv * inv * (gwx / D);
      if (W && dwAcc) {
        for (let j = 0; j < D; j++) {
          const xv = X[s + j], gv = G[t + j];
          dx[d + j] = inv * gv * W[wo + j] - xv * c;
          dwAcc[j] += gv * xv * inv;
        }
      } else {
        for (let j = 0; j < D; j++) dx[d + j] = inv * G[t + j] - X[s + j] * c;
      }
    }
    const dxT = Tensor.fromBuffer(backend, backend.adopt(x.dtype, dx), x.shape);
    if (!dwAcc) return { dx: dxT, dw: null };
    const dw = allocArray(x.dtype, D) as Floats;
    dw.set(dwAcc);
    return { dx: dxT, dw: Tensor.fromBuffer(backend, backend.adopt(x.dtype, dw), [D]) };
  } finally {
    if (xc !== x) xc.dispose();
    if (gc !== g) gc.dispose();
    if (wc && wc !== w) wc.dispose();
  }
}

// y = (x − μ)·r·w + b per row (in double)
export function layerNormCpu(x: Tensor, w: Tensor | null, b: Tensor | null, eps: number): Tensor | null {
  const o = rmsOperands(x, w);
  if (!o || (b && (b.rank !== 1 || b.shape[0] !== o.D || b.dtype !== x.dtype || b.storage.backend !== o.backend))) return null;
  const { backend, D, rows } = o;
  const xc = x.isContiguous() ? x : contiguous(x), wc = w && !w.isContiguous() ? contiguous(w) : w, bc = b && !b.isContiguous() ? contiguous(b) : b;
  try {
    const X = backend.dataOf(xc.storage.buffer) as Floats;
    const W = wc ? (backend.dataOf(wc.storage.buffer) as Floats) : null, wo = wc ? wc.offset : 0;
    const Bv = bc ? (backend.dataOf(bc.storage.buffer) as Floats) : null, bo = bc ? bc.offset : 0;
    const out = allocArray(x.dtype, x.size) as Floats;
    for (let r = 0; r < rows; r++) {
      const s = xc.offset + r * D, d = r * D;
      let mu = 0;
      for (let j = 0; j < D; j++) mu += X[s + j];
      mu /= D;
      let v = 0;
      for (let j = 0; j < D; j++) v += (X[s + j] - mu) * (X[s + j] - mu);
      const inv = 1 / Math.sqrt(v / D + eps);
      for (let j = 0; j < D; j++) out[d + j] = (X[s + j] - mu) * inv * (W ? W[wo + j] : 1) + (Bv ? Bv[bo + j] : 0);
    }
    return Tensor.fromBuffer(backend, backend.adopt(x.dtype, out), x.shape);
  } finally {
    if (xc !== x) xc.dispose();
    if (wc && wc !== w) wc.dispose();
    if (bc && bc !== b) bc.dispose();
  }
}

// dx = r·(ĝ − mean(ĝ) − x̂·mean(ĝ·x̂)),  dw = Σ_rows g·x̂,  db = Σ_rows g   (ĝ = g·w)
export function layerNormGradCpu(x: Tensor, w: Tensor | null, g: Tensor, eps: number): { dx: Tensor; dw: Tensor; db: Tensor } | null {
  const o = rmsOperands(x, w, [g]);
  if (!o) return null;
  const { backend, D, rows } = o;
  const xc = x.isContiguous() ? x : contiguous(x), gc = g.isContiguous() ? g : contiguous(g), wc = w && !w.isContiguous() ? contiguous(w) : w;
  try {
    const X = backend.dataOf(xc.storage.buffer) as Floats, G = backend.dataOf(gc.storage.buffer) as Floats;
    const W = wc ? (backend.dataOf(wc.storage.buffer) as Floats) : null, wo = wc ? wc.offset : 0;
    const dx = allocArray(x.dtype, x.size) as Floats;
    const dwAcc = new Float64Array(D), dbAcc = new Float64Array(D);
    for (let r = 0; r < rows; r++) {
      const s = xc.offset + r * D, t = gc.offset + r * D, d = r * D;
      let mu = 0;
      for (let j = 0; j < D; j++) mu += X[s + j];
      mu /= D;
      let v = 0;
      for (let j = 0; j < D; j++) v += (X[s + j] - mu) * (X[s + j] - mu);
      const inv = 1 / Math.sqrt(v / D + eps);
      let sg = 0, sgx = 0;
      for (let j = 0; j < D; j++) {
        const gw = G[t + j] * (W ? W[wo + j] : 1), xh = (X[s + j] - mu) * inv;
        sg += gw;
        sgx += gw * xh;
        dwAcc[j] += G[t + j] * xh;
        dbAcc[j] += G[t + j];
      }
      sg /= D;
      sgx /= D;
      for (let j = 0; j < D; j++) {
        const gw = G[t + j] * (W ? W[wo + j] : 1), xh = (X[s + j] - mu) * inv;
        dx[d + j] = inv * (gw - sg - xh * sgx);
      }
    }
    const vec = (acc: Float64Array) => {
      const a = allocArray(x.dtype, D) as Floats;
      a.set(acc);
      return Tensor.fromBuffer(backend, backend.adopt(x.dtype, a), [D]);
    };
    return { dx: Tensor.fromBuffer(backend, backend.adopt(x.dtype, dx), x.shape), dw: vec(dwAcc), db: vec(dbAcc) };
  } finally {
    if (xc !== x) xc.dispose();
    if (gc !== g) gc.dispose();
    if (wc && wc !== w) wc.dispose();
  }
}
