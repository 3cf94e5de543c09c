// GELU gradient kernels and the biased linear map (float, CPU).
// Each returns null where it does not apply (the caller falls back to the composition).

import { matmul } from '../../ops/linalg.js';
import { contiguous, transpose } from '../../ops/views.js';
import { Tensor } from '../../tensor.js';
import { CpuBackend } from '../backend.js';
import { erf32, erf64, exp32 } from '../math.js';
import type { Floats } from './norms.js';
import { getSgemmImpl } from '../sgemm.js';
import { getWasmGemmBlocking, wasmGeluWithGradF32, wasmKernelsAvailable, wasmSgemm, wasmSgemmBiasAct, type GemmActivation } from '../wasm/index.js';

/** float32 GELU maps of at least this many elements run on the wasm SIMD kernel. */
const WASM_MIN = 1024;

// exact GELU derivative: dx = g·(Φ(x) + x·φ(x)),  Φ(x) = ½(1 + erf(x/√2)),  φ(x) = e^{−x²/2}/√(2π)
const INV_SQRT_2PI = 0.3989422804014327;
export function geluGradCpu(x: Tensor, g: Tensor): Tensor | null {
  const backend = x.storage.backend;
  if (!(backend instanceof CpuBackend) || g.storage.backend !== backend || x.dtype !== g.dtype) return null;
  if ((x.dtype !== 'float32' && x.dtype !== 'float64') || x.rank !== g.rank || x.shape.some((d, i) => d !== g.shape[i])) return null;
  const xc = x.isContiguous() ? x : contiguous(x);
  const gc = g.isContiguous() ? g : contiguous(g);
  try {
    const X = backend.dataOf(xc.storage.buffer) as Floats, G = backend.dataOf(gc.storage.buffer) as Floats;
    const xo = xc.offset, go = gc.offset, n = x.size;
    const out = backend.takeArray(x.dtype, n) as Floats;
    if (x.dtype === 'float32') {
      for (let i = 0; i < n; i++) {
        const v = X[xo + i];
        out[i] = G[go + i] * (0.5 + 0.5 * erf32(v * Math.SQRT1_2) + v * INV_SQRT_2PI * exp32(-0.5 * v * v));
      }
    } else {
      for (let i = 0; i < n; i++) {
        const v = X[xo + i];
        out[i] = G[go + i] * (0.5 + 0.5 * erf64(v * Math.SQRT1_2) + v * INV_SQRT_2PI * Math.exp(-0.5 * v * v));
      }
    }
    return Tensor.fromBuffer(backend, backend.adopt(x.dtype, out), x.shape);
  } finally {
    if (xc !== x) xc.dispose();
    if (gc !== g) gc.dispose();
  }
}

// y = x·Φ(x) and dy/dx = Φ(x) + x·φ(x) in one pass (float32: erf32 / exp32)
export function geluWithGradCpu(x: Tensor): { y: Tensor; dydx: Tensor } | null {
  const backend = x.storage.backend;
  if (!(backend instanceof CpuBackend) || (x.dtype !== 'float32' && x.dtype !== 'float64')) return null;
  const xc = x.isContiguous() ? x : contiguous(x);
  try {
    const X = backend.dataOf(xc.storage.buffer) as Floats, xo = xc.offset, n = x.size;
    const y = backend.takeArray(x.dtype, n) as Floats, d = backend.takeArray(x.dtype, n) as Floats;
    const f32 = x.dtype === 'float32';
    if (f32 && n >= WASM_MIN && wasmKernelsAvailable()) {
      wasmGeluWithGradF32(X as Float32Array, y as Float32Array, d as Float32Array, n, xo);
      return { y: Tensor.fromBuffer(backend, backend.adopt('float32', y as Float32Array), x.shape), dydx: Tensor.fromBuffer(backend, backend.adopt('float32', d as Float32Array), x.shape) };
    }
    for (let i = 0; i < n; i++) {
      const v = X[xo + i];
      const cdf = 0.5 + 0.5 * (f32 ? erf32(v * Math.SQRT1_2) : erf64(v * Math.SQRT1_2));
      y[i] = v * cdf;
      d[i] = cdf + v * INV_SQRT_2PI * (f32 ? exp32(-0.5 * v * v) : Math.exp(-0.5 * v * v));
    }
    return { y: Tensor.fromBuffer(backend, backend.adopt(x.dtype, y), x.shape), dydx: Tensor.fromBuffer(backend, backend.adopt(x.dtype, d), x.shape) };
  } finally {
    if (xc !== x) xc.dispose();
  }
}

// y = x @ wᵀ + b. float32 on the wasm sgemm: the bias is added in the GEMM's epilogue (linearActCpu);
// otherwise it is added in place into the fresh GEMM output (saves a pass and a buffer). Both are
// the same float32 roundings as matmul-then-add.
export function linearCpu(x: Tensor, w: Tensor, b: Tensor | null): Tensor | null {
  const backend = x.storage.backend;
  if (!(backend instanceof CpuBackend) || !b || b.rank !== 1 || w.rank !== 2 || b.shape[0] !== w.shape[0]) return null;
  if ((x.dtype !== 'float32' && x.dtype !== 'float64') || w.dtype !== x.dtype || b.dtype !== x.dtype || b.storage.backend !== backend) return null;
  const fused = x.dtype === 'float32' ? linearActCpu(x, w, b, 'none') : null;
  if (fused !== null) return fused.y;
  const wt = transpose(w, 0, 1);
  let y: Tensor;
  try {
    y = matmul(x, wt);
  } finally {
    wt.dispose();
  }
  if (!y.isContiguous()) {
    y.dispose();
    return null;
  }
  const n = w.shape[0], bo = b.offset, bs = b.strides[0];
  if (n === 0 || y.size === 0) return y;
  const Y = backend.dataOf(y.storage.buffer) as Floats, B = backend.dataOf(b.storage.buffer) as Floats;
  for (let r = y.offset, end = y.offset + y.size; r < end; r += n) {
    for (let j = 0; j < n; j++) Y[r + j] += B[bo + j * bs];
  }
  return y;
}

// y = GELU(x @ wᵀ + b) (and dy/dz) with the bias and GELU applied in the wasm GEMM's epilogue, on each
// block of the output while it is in cache (cpu/wasm/gemm.ts `wasmSgemmBiasAct`): no separate bias
// and GELU passes, no second copy of z. The same GEMM (M = rows of x, transB = w as (out, in)) and
// the same float32 bias add and GELU code as 'linear' followed by 'gelu' / 'geluWithGrad' on the
// wasm kernels. float32 only, with the wasm sgemm installed; else null (the composition runs).
export function linearGeluCpu(x: Tensor, w: Tensor, b: Tensor | null, withGrad: boolean): { y: Tensor; dydz: Tensor | null } | null {
  return linearActCpu(x, w, b, withGrad ? 'geluGrad' : 'gelu');
}

/** act(x @ wᵀ + b) on the wasm sgemm with its epilogue (see linearGeluCpu), or null where it does not apply. */
function linearActCpu(x: Tensor, w: Tensor, b: Tensor | null, act: GemmActivation): { y: Tensor; dydz: Tensor | null } | null {
  const withGrad = act === 'geluGrad';
  const backend = x.storage.backend;
  if (!(backend instanceof CpuBackend) || x.dtype !== 'float32' || w.dtype !== 'float32' || w.rank !== 2 || x.rank < 1) return null;
  if (w.storage.backend !== backend || (b && (b.dtype !== 'float32' || b.rank !== 1 || b.shape[0] !== w.shape[0] || b.storage.backend !== backend))) return null;
  if (!wasmKernelsAvailable() || getSgemmImpl() !== wasmSgemm) return null;
  const [outF, inF] = w.shape;
  if (x.shape[x.rank - 1] !== inF) return null;
  const R = inF === 0 ? 0 : x.size / inF;
  if (R === 0 || outF === 0 || inF === 0) return null;
  // below the small-GEMM / small-map thresholds the two-step path runs plain JS loops: keep it (and its bits)
  if (R * outF * inF <= getWasmGemmBlocking().small || R * outF < WASM_MIN) return null;
  const xc = x.isContiguous() ? x : contiguous(x);
  // op(B) = wᵀ: w (out, in) read as B stored [N, K] (transB) or, for a transposed view, [K, N]
  const [s0, s1] = w.strides;
  const wc = s1 === 1 || s0 === 1 ? w : contiguous(w);
  const bc = b === null || b.strides[0] === 1 ? b : contiguous(b);
  try {
    const transB = wc.strides[1] === 1;
    const ldb = transB ? wc.strides[0] : wc.strides[1];
    const X = backend.dataOf(xc.storage.buffer) as Float32Array, W = backend.dataOf(wc.storage.buffer) as Float32Array;
    const y = backend.takeArray('float32', R * outF) as Float32Array;
    const d = withGrad ? backend.takeArray('float32', R * outF) as Float32Array : null;
    wasmSgemmBiasAct(R, outF, inF, X, xc.offset, inF, false, W, wc.offset, ldb, transB, y, 0,
      bc === null ? null : backend.dataOf(bc.storage.buffer) as Float32Array, bc === null ? 0 : bc.offset,
      act, d, 0, wc === w ? w.storage.buffer : null); // w's storage never changes: op(B) may be cached
    const shape = [...x.shape.slice(0, -1), outF];
    return {
      y: Tensor.fromBuffer(backend, backend.adopt('float32', y), shape),
      dydz: d === null ? null : Tensor.fromBuffer(backend, backend.adopt('float32', d), shape),
    };
  } finally {
    if (xc !== x) xc.dispose();
    if (wc !== w) wc.dispose();
    if (bc !== null && bc !== b) bc.dispose();
  }
}
