// RMSNorm and LayerNorm over the last axis (float, CPU), forward and gradient, one row at a time
// in double. Each returns null where it does not apply (the caller falls back to the composition).

import { allocArray } from '../../dtype.js';
import { contiguous } from '../../ops/views.js';
import { collapseDims } from '../../shape.js';
import { Tensor } from '../../tensor.js';
import { CpuBackend } from '../backend.js';
import { getSgemmImpl } from '../sgemm.js';
import { wasmBinaryRowsF32, wasmKernelsAvailable, wasmRmsGradF32, wasmRmsGradSumsF32, wasmRmsScaleF32, wasmRmsSumSqF32, wasmRowScalarF32, wasmSgemm, wasmSumRowsF32 } from '../wasm/index.js';

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

/** r = 1/√(Σ_j x_j²/D + eps) per row (each Σ in double, in j order), four rows per loop so that the
 *  four sums' add latencies overlap (each row's own order, hence its bits, is unchanged). */
function rowInvRms(X: Floats, off: number, rows: number, D: number, eps: number): Float64Array {
  const invs = new Float64Array(rows);
  let r = 0;
  if (X instanceof Float32Array && D % 4 === 0 && rows >= 4 && wasmKernelsAvailable()) {
    // the same per-row sums on wasm (one f64x2 lane per row, each row in j order: the same bits)
    r = wasmRmsSumSqF32(X, off, rows, D, invs);
    for (let i = 0; i < r; i++) invs[i] = 1 / Math.sqrt(invs[i] / D + eps);
  }
  for (; r + 4 <= rows; r += 4) {
    const s0 = off + r * D, s1 = s0 + D, s2 = s1 + D, s3 = s2 + D;
    let a0 = 0, a1 = 0, a2 = 0, a3 = 0;
    for (let j = 0; j < D; j++) {
      const x0 = X[s0 + j], x1 = X[s1 + j], x2 = X[s2 + j], x3 = X[s3 + j];
      a0 += x0 * x0; a1 += x1 * x1; a2 += x2 * x2; a3 += x3 * x3;
    }
    invs[r] = 1 / Math.sqrt(a0 / D + eps); invs[r + 1] = 1 / Math.sqrt(a1 / D + eps);
    invs[r + 2] = 1 / Math.sqrt(a2 / D + eps); invs[r + 3] = 1 / Math.sqrt(a3 / D + eps);
  }
  for (; r < rows; r++) {
    const s = off + r * D;
    let ss = 0;
    for (let j = 0; j < D; j++) ss += X[s + j] * X[s + j];
    invs[r] = 1 / Math.sqrt(ss / D + eps);
  }
  return invs;
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
    const out = backend.takeArray(x.dtype, x.size) as Floats; // every element is written
    const invs = rowInvRms(X, xc.offset, rows, D, eps);
    if (W && X instanceof Float32Array && W instanceof Float32Array && D % 4 === 0 && wasmKernelsAvailable()) {
      // the same float64 products on wasm f64x2 lanes (bitwise the loop below)
      wasmRmsScaleF32(X, xc.offset, invs, W, wo, out as Float32Array, rows, D);
      return Tensor.fromBuffer(backend, backend.adopt(x.dtype, out), x.shape);
    }
    for (let r = 0; r < rows; r++) {
      const s = xc.offset + r * D, d = r * D, inv = invs[r];
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
    const dx = backend.takeArray(x.dtype, x.size) as Floats; // every element is written
    const dwAcc = W ? new Float64Array(D) : null;
    // per row: inv = r and c = r³·(Σ_j g_j w_j x_j)/D, two rows per loop (overlapping the sums'
    // add latencies; each row's sums keep their order)
    const invs = new Float64Array(rows), cs = new Float64Array(rows);
    const rowSums = (r: number, ss: number, gwx: number) => {
      const inv = 1 / Math.sqrt(ss / D + eps);
      invs[r] = inv;
      cs[r] = inv * inv * inv * (gwx / D);
    };
    let r0 = 0;
    if (W && X instanceof Float32Array && G instanceof Float32Array && W instanceof Float32Array && D % 4 === 0 && rows >= 2 && wasmKernelsAvailable()) {
      // the same per-row sums on wasm (one f64x2 lane per row, each row in j order: the same bits)
      const ssA = new Float64Array(rows), gwxA = new Float64Array(rows);
      r0 = wasmRmsGradSumsF32(X, xc.offset, G, gc.offset, W, wo, rows, D, ssA, gwxA);
      for (let i = 0; i < r0; i++) rowSums(i, ssA[i], gwxA[i]);
    }
    for (; r0 + 2 <= rows; r0 += 2) {
      const s = xc.offset + r0 * D, t = gc.offset + r0 * D, s1 = s + D, t1 = t + D;
      let ss = 0, gwx = 0, ss1 = 0, gwx1 = 0;
      if (W) {
        for (let j = 0; j < D; j++) {
          const xv = X[s + j], xv1 = X[s1 + j], wj = W[wo + j];
          ss += xv * xv; ss1 += xv1 * xv1;
          gwx += G[t + j] * wj * xv; gwx1 += G[t1 + j] * wj * xv1;
        }
      } else {
        for (let j = 0; j < D; j++) {
          const xv = X[s + j], xv1 = X[s1 + j];
          ss += xv * xv; ss1 += xv1 * xv1;
          gwx += G[t + j] * 1 * xv; gwx1 += G[t1 + j] * 1 * xv1;
        }
      }
      rowSums(r0, ss, gwx);
      rowSums(r0 + 1, ss1, gwx1);
    }
    for (; r0 < rows; r0++) {
      const s = xc.offset + r0 * D, t = gc.offset + r0 * D;
      let ss = 0, gwx = 0;
      for (let j = 0; j < D; j++) {
        const xv = X[s + j];
        ss += xv * xv;
        gwx += G[t + j] * (W ? W[wo + j] : 1) * xv;
      }
      rowSums(r0, ss, gwx);
    }
    if (W && dwAcc && X instanceof Float32Array && G instanceof Float32Array && W instanceof Float32Array && D % 4 === 0 && wasmKernelsAvailable()) {
      // the same float64 operations on wasm f64x2 lanes, dwAcc summed over rows in order (bitwise the loop below)
      wasmRmsGradF32(X, xc.offset, G, gc.offset, invs, cs, W, wo, dx as Float32Array, dwAcc, rows, D);
    } else for (let r = 0; r < rows; r++) {
      const s = xc.offset + r * D, t = gc.offset + r * D, d = r * D;
      const inv = invs[r], c = cs[r];
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
    const out = backend.takeArray(x.dtype, x.size) as Floats; // every element is written
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
    const dx = backend.takeArray(x.dtype, x.size) as Floats; // every element is written
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

// F.normalize(x, p=2, dim=−1) in three wasm passes and no intermediate tensors: the squares into a
// scratch array, their row sums (wasmSumRowsF32), per row d = max(√max(s, 1e-30), eps) in float32,
// then x / d (wasmRowScalarF32). These are the kernels the composition's square, sum and division
// reach at these sizes (rows of ≥ 32 floats, ≥ 1024 elements), and the clamps and the root are the
// same float32 operations, so the bits are the composition's (tested). Its six tensors had cost
// ~90 µs for Avey-B small's (2, 64, 256) at 128 tokens, four times per forward.
export function normalizeL2Cpu(x: Tensor, eps: number): Tensor | null {
  const backend = x.storage.backend;
  if (!(backend instanceof CpuBackend) || x.dtype !== 'float32' || x.rank === 0) return null;
  const D = x.shape[x.rank - 1], rows = D === 0 ? 0 : x.size / D;
  if (D < 32 || rows * D < 1024) return null;
  if (!wasmKernelsAvailable() || getSgemmImpl() !== wasmSgemm) return null;
  // rows at one stride (a contiguous tensor, or a narrow of the last axis of one), as the backend's
  // elementwise dispatch collapses them
  const c = collapseDims(x.shape, [x.strides]);
  const flat = c.shape.length === 1 && c.strides[0][0] === 1;
  if (!flat && !(c.shape.length === 2 && c.shape[1] === D && c.strides[0][1] === 1)) return null;
  const rs = flat ? D : c.strides[0][0];
  const X = backend.dataOf(x.storage.buffer) as Float32Array;
  const sq = backend.takeArray('float32', rows * D) as Float32Array;
  const sums = new Float32Array(rows);
  wasmBinaryRowsF32('mul', rows, D, X, x.offset, rs, X, x.offset, rs, sq, 0, D);
  wasmSumRowsF32(sq, sums, rows, D);
  backend.free(backend.adopt('float32', sq));
  // the composition's maximum(·, 1e-30), sqrt and maximum(·, eps) on float32 values (NaN propagates)
  const lo = Math.fround(1e-30), e = Math.fround(eps);
  for (let r = 0; r < rows; r++) {
    const s = sums[r];
    const n = Math.fround(Math.sqrt(s !== s || s > lo ? s : lo));
    sums[r] = n !== n || n > e ? n : e;
  }
  const out = backend.takeArray('float32', rows * D) as Float32Array;
  wasmRowScalarF32('div', false, rows, D, X, x.offset, rs, sums, 0, out, 0);
  return Tensor.fromBuffer(backend, backend.adopt('float32', out), x.shape);
}
