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

/** Row-strided binary map: out[outOff + r·outRs + j] = a[aOff + r·aRs + j] op b[bOff + r·bRs + j] for
 *  r < rows, j < cols (every row contiguous; a row stride may be 0 to repeat one row). Whole rows are
 *  packed into the chunk buffers (so short rows cost one call per chunk, not per row). */
export function wasmBinaryRowsF32(
  op: WasmBinaryOp, rows: number, cols: number,
  a: Float32Array, aOff: number, aRs: number, b: Float32Array, bOff: number, bRs: number,
  out: Float32Array, outOff: number, outRs: number,
): void {
  if (rows === 0 || cols === 0) return;
  if (cols > CHUNK) {
    for (let r = 0; r < rows; r++) wasmBinaryF32(op, a, b, out, cols, aOff + r * aRs, bOff + r * bRs, outOff + r * outRs);
    return;
  }
  const rt = runtimeFor(op);
  rt.ensure(O + 4 * CHUNK, op);
  const f32 = rt.f32;
  const kernel = rt.k[`${op}_f32` as const];
  const per = Math.floor(CHUNK / cols);
  const x0 = X >> 2, y0 = Y >> 2, o0 = O >> 2;
  for (let r0 = 0; r0 < rows; r0 += per) {
    const m = Math.min(per, rows - r0);
    for (let i = 0; i < m; i++) {
      const pa = aOff + (r0 + i) * aRs, pb = bOff + (r0 + i) * bRs;
      f32.set(a.subarray(pa, pa + cols), x0 + i * cols);
      f32.set(b.subarray(pb, pb + cols), y0 + i * cols);
    }
    kernel(X, Y, O, m * cols);
    for (let i = 0; i < m; i++) out.set(f32.subarray(o0 + i * cols, o0 + (i + 1) * cols), outOff + (r0 + i) * outRs);
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

/** x: [outer, inner] contiguous from xOff, inner ≥ 1 → out[outOff + o] = max_i x[o, i], exactly the
 *  CPU backend's JS reduction: the first maximum in row order, NaN if the row holds one (those rows,
 *  and rows whose maximum is ±0, are re-done in JS; every other row's maximum is one unique value). */
export function wasmMaxRowsF32(x: Float32Array, out: Float32Array, outer: number, inner: number, xOff = 0, outOff = 0): void {
  if (outer === 0) return;
  if (inner < 4) {
    for (let o = 0; o < outer; o++) out[outOff + o] = maxRowJs(x, xOff + o * inner, inner);
    return;
  }
  const rt = runtimeFor('max');
  const rows = Math.max(1, Math.min(outer, Math.floor(CHUNK / inner)));
  const pOut = X + 4 * rows * inner;
  rt.ensure(pOut + 4 * rows, 'max');
  const f32 = rt.f32;
  for (let o = 0; o < outer; o += rows) {
    const r = Math.min(rows, outer - o);
    f32.set(x.subarray(xOff + o * inner, xOff + (o + r) * inner), X >> 2);
    rt.k.max_rows(X, pOut, r, inner);
    const q = pOut >> 2;
    for (let i = 0; i < r; i++) {
      const m = f32[q + i];
      out[outOff + o + i] = m === 0 || m !== m ? maxRowJs(x, xOff + (o + i) * inner, inner) : m;
    }
  }
}

/** The JS reduction's row maximum (cpu/exprs.ts 'max'): first maximum, NaN wins. */
function maxRowJs(x: Float32Array, p: number, inner: number): number {
  let acc = x[p];
  for (let j = 1; j < inner; j++) {
    const v = x[p + j];
    if (v > acc || v !== v) acc = v;
  }
  return acc;
}
