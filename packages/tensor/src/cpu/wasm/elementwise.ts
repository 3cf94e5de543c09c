// float32 elementwise maps and last-axis sums on the wasm SIMD kernels.
//
// The data lives in JS Float32Arrays, so every call streams it through wasm memory in chunks of
// CHUNK elements: copy the inputs' chunk in (it stays in L1/L2), run the kernel, copy the result
// out. Memory traffic is therefore the same as a plain JS loop (read inputs, write output) plus
// cache-resident copies. Outputs may alias inputs (each chunk is read before it is written).
//
// Signatures (all lengths in elements; offsets default to 0):
//   wasmBinaryF32(op, a, b, out, n, aOff?, bOff?, outOff?)  out[i] = a[i] op b[i], i < n
//   wasmUnaryF32(op, x, out, n, xOff?, outOff?)            out[i] = op(x[i])
//   wasmSumRowsF32(x, out, outer, inner, xOff?, outOff?)   out[o] = Σ_i x[o·inner + i] (float64 accumulation)

import { BackendError } from '../../errors.js';
import { HEAP_BASE } from './kernels.gen.js';
import { wasmRuntime, type WasmRuntime } from './runtime.js';

export type WasmBinaryOp = 'add' | 'sub' | 'mul' | 'div';
/** exp (≤ 2 ulp); erf (≤ 2.1e-7 abs error); gelu = x/2·(1 + erf(x/√2)); sigmoid = 1/(1 + e^−x). */
export type WasmUnaryOp = 'exp' | 'erf' | 'gelu' | 'sigmoid';

// floats per array per chunk: 32 KiB, three arrays fit L2 easily. A multiple of 16, so the map
// kernels' whole-vector over-run past a partial chunk stays inside its buffer.
const CHUNK = 8192;
const X = HEAP_BASE; // byte offsets of the chunk buffers in wasm memory (above the constants)
const Y = X + 4 * CHUNK;
const O = Y + 4 * CHUNK;

function runtimeFor(op: string): WasmRuntime {
  const rt = wasmRuntime();
  if (rt === null) throw new BackendError(op, 'wasm SIMD kernels are unavailable in this engine');
  return rt;
}

/** out[outOff + i] = a[aOff + i] op b[bOff + i] for i < n. */
export function wasmBinaryF32(op: WasmBinaryOp, a: Float32Array, b: Float32Array, out: Float32Array, n: number, aOff = 0, bOff = 0, outOff = 0): void {
  const rt = runtimeFor(op);
  rt.ensure(O + 4 * CHUNK, op);
  const f32 = rt.f32;
  const kernel = rt.k[`${op}_f32` as const];
  for (let i = 0; i < n; i += CHUNK) {
    const m = Math.min(CHUNK, n - i);
    f32.set(a.subarray(aOff + i, aOff + i + m), X >> 2);
    f32.set(b.subarray(bOff + i, bOff + i + m), Y >> 2);
    kernel(X, Y, O, m);
    out.set(f32.subarray(O >> 2, (O >> 2) + m), outOff + i);
  }
}

/** out[outOff + i] = op(x[xOff + i]) for i < n. */
export function wasmUnaryF32(op: WasmUnaryOp, x: Float32Array, out: Float32Array, n: number, xOff = 0, outOff = 0): void {
  const rt = runtimeFor(op);
  rt.ensure(O + 4 * CHUNK, op);
  const f32 = rt.f32;
  const kernel = rt.k[`${op}_f32` as const];
  for (let i = 0; i < n; i += CHUNK) {
    const m = Math.min(CHUNK, n - i);
    f32.set(x.subarray(xOff + i, xOff + i + m), X >> 2);
    kernel(X, O, m);
    out.set(f32.subarray(O >> 2, (O >> 2) + m), outOff + i);
  }
}

/** y[yOff + i] = gelu(x[xOff + i]) = x·Φ(x) and d[dOff + i] = gelu'(x) = Φ(x) + x·φ(x) for i < n
 *  (Φ: the standard normal CDF via the kernels' erf, φ its density). */
export function wasmGeluWithGradF32(x: Float32Array, y: Float32Array, d: Float32Array, n: number, xOff = 0, yOff = 0, dOff = 0): void {
  const rt = runtimeFor('gelu');
  rt.ensure(O + 4 * CHUNK, 'gelu');
  const f32 = rt.f32;
  for (let i = 0; i < n; i += CHUNK) {
    const m = Math.min(CHUNK, n - i);
    f32.set(x.subarray(xOff + i, xOff + i + m), X >> 2);
    rt.k.gelu_with_grad_f32(X, Y, O, m);
    y.set(f32.subarray(Y >> 2, (Y >> 2) + m), yOff + i);
    d.set(f32.subarray(O >> 2, (O >> 2) + m), dOff + i);
  }
}

/** x: [outer, inner] contiguous from xOff → out[outOff + o] = Σ_i x[o, i] (float64 sums, rounded once). */
export function wasmSumRowsF32(x: Float32Array, out: Float32Array, outer: number, inner: number, xOff = 0, outOff = 0): void {
  if (outer === 0) return;
  if (inner === 0) {
    out.fill(0, outOff, outOff + outer);
    return;
  }
  const rt = runtimeFor('sum');
  // rows per chunk: as many whole rows as fit CHUNK floats, at least one (a long row grows memory)
  const rows = Math.max(1, Math.min(outer, Math.floor(CHUNK / inner)));
  const pOut = X + 4 * rows * inner;
  rt.ensure(pOut + 4 * rows, 'sum');
  const f32 = rt.f32;
  for (let o = 0; o < outer; o += rows) {
    const r = Math.min(rows, outer - o);
    f32.set(x.subarray(xOff + o * inner, xOff + (o + r) * inner), X >> 2);
    rt.k.sum_rows(X, pOut, r, inner);
    out.set(f32.subarray(pOut >> 2, (pOut >> 2) + r), outOff + o);
  }
}
