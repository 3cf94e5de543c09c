// float32 elementwise maps and last-axis sums on the wasm SIMD kernels.
//
// Arrays that are views of the kernels' memory (tensor storage, heap.ts) are read and written in
// place: one kernel call over the whole range (the last n % 4 elements, which a whole-vector kernel
// would over-run, are done apart). Any other array is streamed through the scratch area in chunks of
// CHUNK elements: copy the inputs' chunk in (it stays in L1/L2), run the kernel, copy the result out.
// Outputs may alias inputs (each vector / chunk is read before it is written).
//
// Signatures (all lengths in elements; offsets default to 0):
//   wasmBinaryF32(op, a, b, out, n, aOff?, bOff?, outOff?)  out[i] = a[i] op b[i], i < n
//   wasmUnaryF32(op, x, out, n, xOff?, outOff?)            out[i] = op(x[i])
//   wasmSumRowsF32(x, out, outer, inner, xOff?, outOff?)   out[o] = Σ_i x[o·inner + i] (float64 accumulation)

import { BackendError } from '../../errors.js';
import { wasmRuntime, type WasmRuntime } from './runtime.js';
import { rowJobsParallel, runRowJob, type RowKernel } from './threads.js';

export type WasmBinaryOp = 'add' | 'sub' | 'mul' | 'div';
/** exp (≤ 2 ulp); erf (≤ 2.1e-7 abs error); gelu = x/2·(1 + erf(x/√2)); sigmoid = 1/(1 + e^−x). */
export type WasmUnaryOp = 'exp' | 'erf' | 'gelu' | 'sigmoid';

// floats per array per chunk: 32 KiB, three arrays fit L2 easily. A multiple of 16, so the map
// kernels' whole-vector over-run past a partial chunk stays inside its buffer.
const CHUNK = 8192;
const X = 0; // byte offsets of the chunk buffers in the scratch area
const Y = X + 4 * CHUNK;
const O = Y + 4 * CHUNK;

// In-place maps over at least PAR_MIN floats are shared with the GEMM worker thread (threads.ts row
// jobs) in chunks of PAR_CHUNK floats (a multiple of 4, so no chunk but the last ends mid-vector).
const PAR_MIN = 1 << 18;
const PAR_CHUNK = 32768;

/** A flat in-place map of n4 (a multiple of 4) floats: on both threads when it is large enough. */
function flatMap(rt: WasmRuntime, kernel: RowKernel, n4: number, ptrs: number[], call: () => void): void {
  if (n4 >= PAR_MIN && rowJobsParallel(rt)) runRowJob(rt, { kernel, rows: n4, chunk: PAR_CHUNK, cols: 0, ptrs, strides: [4, 4, 4] });
  else call();
}

function runtimeFor(op: string): WasmRuntime {
  const rt = wasmRuntime();
  if (rt === null) throw new BackendError(op, 'wasm SIMD kernels are unavailable in this engine');
  return rt;
}

/** out[outOff + i] = a[aOff + i] op b[bOff + i] for i < n. */
export function wasmBinaryF32(op: WasmBinaryOp, a: Float32Array, b: Float32Array, out: Float32Array, n: number, aOff = 0, bOff = 0, outOff = 0): void {
  const rt = runtimeFor(op);
  const kernel = rt.k[`${op}_f32` as const];
  const pa = rt.heap.ptr(a, aOff), pb = rt.heap.ptr(b, bOff), po = rt.heap.ptr(out, outOff);
  if (pa >= 0 && pb >= 0 && po >= 0) {
    const n4 = n & ~3;
    if (n4 > 0) flatMap(rt, `${op}_f32`, n4, [pa, pb, po], () => kernel(pa, pb, po, n4));
    // the float32 op of two float32s is the float64 op rounded once: the kernel's bits
    for (let i = n4; i < n; i++) out[outOff + i] = binaryJs(op, a[aOff + i], b[bOff + i]);
    return;
  }
  const S = rt.scratch(O + 4 * CHUNK, op);
  const f32 = rt.f32;
  for (let i = 0; i < n; i += CHUNK) {
    const m = Math.min(CHUNK, n - i);
    f32.set(a.subarray(aOff + i, aOff + i + m), (S + X) >> 2);
    f32.set(b.subarray(bOff + i, bOff + i + m), (S + Y) >> 2);
    kernel(S + X, S + Y, S + O, m);
    out.set(f32.subarray((S + O) >> 2, ((S + O) >> 2) + m), outOff + i);
  }
}

function binaryJs(op: WasmBinaryOp, x: number, y: number): number {
  return op === 'add' ? x + y : op === 'sub' ? x - y : op === 'mul' ? x * y : x / y;
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
  const kernel = rt.k[`${op}_f32` as const];
  const ha = rt.heap.ptr(a, aOff), hb = rt.heap.ptr(b, bOff), ho = rt.heap.ptr(out, outOff);
  if (ha >= 0 && hb >= 0 && ho >= 0 && cols % 4 === 0) {
    if (aRs === cols && bRs === cols && outRs === cols) flatMap(rt, `${op}_f32`, rows * cols, [ha, hb, ho], () => kernel(ha, hb, ho, rows * cols));
    else for (let r = 0; r < rows; r++) kernel(ha + 4 * r * aRs, hb + 4 * r * bRs, ho + 4 * r * outRs, cols);
    return;
  }
  const S = rt.scratch(O + 4 * CHUNK, op);
  const f32 = rt.f32;
  const per = Math.floor(CHUNK / cols);
  const x0 = (S + X) >> 2, y0 = (S + Y) >> 2, o0 = (S + O) >> 2;
  for (let r0 = 0; r0 < rows; r0 += per) {
    const m = Math.min(per, rows - r0);
    for (let i = 0; i < m; i++) {
      const pa = aOff + (r0 + i) * aRs, pb = bOff + (r0 + i) * bRs;
      f32.set(a.subarray(pa, pa + cols), x0 + i * cols);
      f32.set(b.subarray(pb, pb + cols), y0 + i * cols);
    }
    kernel(S + X, S + Y, S + O, m * cols);
    for (let i = 0; i < m; i++) out.set(f32.subarray(o0 + i * cols, o0 + (i + 1) * cols), outOff + (r0 + i) * outRs);
  }
}

/** out[outOff + i] = op(x[xOff + i]) for i < n. */
export function wasmUnaryF32(op: WasmUnaryOp, x: Float32Array, out: Float32Array, n: number, xOff = 0, outOff = 0): void {
  const rt = runtimeFor(op);
  const kernel = rt.k[`${op}_f32` as const];
  let i = 0;
  const px = rt.heap.ptr(x, xOff), po = rt.heap.ptr(out, outOff);
  if (px >= 0 && po >= 0) {
    const n4 = n & ~3;
    if (n4 > 0) flatMap(rt, `${op}_f32`, n4, [px, po], () => kernel(px, po, n4));
    i = n4;
    if (i === n) return; // else the last n % 4 through scratch (the same kernel, so the same bits)
  }
  const S = rt.scratch(O + 4 * CHUNK, op);
  const f32 = rt.f32;
  for (; i < n; i += CHUNK) {
    const m = Math.min(CHUNK, n - i);
    f32.set(x.subarray(xOff + i, xOff + i + m), (S + X) >> 2);
    kernel(S + X, S + O, m);
    out.set(f32.subarray((S + O) >> 2, ((S + O) >> 2) + m), outOff + i);
  }
}

/** y[yOff + i] = gelu(x[xOff + i]) = x·Φ(x) and d[dOff + i] = gelu'(x) = Φ(x) + x·φ(x) for i < n
 *  (Φ: the standard normal CDF via the kernels' erf, φ its density). */
export function wasmGeluWithGradF32(x: Float32Array, y: Float32Array, d: Float32Array, n: number, xOff = 0, yOff = 0, dOff = 0): void {
  const rt = runtimeFor('gelu');
  let i = 0;
  const px = rt.heap.ptr(x, xOff), py = rt.heap.ptr(y, yOff), pd = rt.heap.ptr(d, dOff);
  if (px >= 0 && py >= 0 && pd >= 0) {
    const n4 = n & ~3;
    if (n4 > 0) flatMap(rt, 'gelu_with_grad_f32', n4, [px, py, pd], () => rt.k.gelu_with_grad_f32(px, py, pd, n4));
    i = n4;
    if (i === n) return;
  }
  const S = rt.scratch(O + 4 * CHUNK, 'gelu');
  const f32 = rt.f32;
  for (; i < n; i += CHUNK) {
    const m = Math.min(CHUNK, n - i);
    f32.set(x.subarray(xOff + i, xOff + i + m), (S + X) >> 2);
    rt.k.gelu_with_grad_f32(S + X, S + Y, S + O, m);
    y.set(f32.subarray((S + Y) >> 2, ((S + Y) >> 2) + m), yOff + i);
    d.set(f32.subarray((S + O) >> 2, ((S + O) >> 2) + m), dOff + i);
  }
}

/**
 * Runs a row kernel over the rows of x [outer, inner] (contiguous from xOff, inner ≥ 1) in chunks of
 * whole rows (as many as fit CHUNK floats, at least one: a long row grows the scratch area). For each
 * chunk, rows o … o + r − 1 are at byte address pX (x itself when it is a heap view, else a copy in
 * scratch) and `reduce(rt, o, r, pX, pOut)` runs a kernel that writes one float32 per row at pOut.
 */
function forRowChunks(
  op: string, x: Float32Array, xOff: number, outer: number, inner: number,
  reduce: (rt: WasmRuntime, o: number, r: number, pX: number, pOut: number) => void,
): void {
  const rt = runtimeFor(op);
  const rows = Math.max(1, Math.min(outer, Math.floor(CHUNK / inner)));
  const hx = rt.heap.ptr(x, xOff);
  const S = rt.scratch(4 * rows * (hx >= 0 ? 1 : inner + 1), op);
  const pOut = S + (hx >= 0 ? 0 : 4 * rows * inner);
  for (let o = 0; o < outer; o += rows) {
    const r = Math.min(rows, outer - o);
    if (hx >= 0) {
      reduce(rt, o, r, hx + 4 * o * inner, pOut);
    } else {
      rt.f32.set(x.subarray(xOff + o * inner, xOff + (o + r) * inner), S >> 2);
      reduce(rt, o, r, S, pOut);
    }
  }
}

/** x: [outer, inner] contiguous from xOff → out[outOff + o] = Σ_i x[o, i] (float64 sums, rounded once). */
export function wasmSumRowsF32(x: Float32Array, out: Float32Array, outer: number, inner: number, xOff = 0, outOff = 0): void {
  if (outer === 0) return;
  if (inner === 0) {
    out.fill(0, outOff, outOff + outer);
    return;
  }
  forRowChunks('sum', x, xOff, outer, inner, (rt, o, r, pX, pOut) => {
    rt.k.sum_rows(pX, pOut, r, inner);
    out.set(rt.f32.subarray(pOut >> 2, (pOut >> 2) + r), outOff + o);
  });
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
  forRowChunks('max', x, xOff, outer, inner, (rt, o, r, pX, pOut) => {
    rt.k.max_rows(pX, pOut, r, inner);
    const f32 = rt.f32, q = pOut >> 2;
    for (let i = 0; i < r; i++) {
      const m = f32[q + i];
      out[outOff + o + i] = m === 0 || m !== m ? maxRowJs(x, xOff + (o + i) * inner, inner) : m;
    }
  });
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

/** Rows per softmax block: about 256 KiB of input (and as much output) per call. */
const SOFTMAX_BLOCK_FLOATS = 65536;

/**
 * Row softmax of x [rows, cols] (contiguous from xOff, cols % 4 == 0) into out (from outOff), in one
 * wasm pass per block of rows: per row the maximum m (f32x4.max), e = exp(x − m) (the `exp` kernel's
 * math on the float32 difference), s = Σ e in float64, out = float32(e · (1/s)) with the product in
 * float64. Writes m to maxes[r] and s to sums[r]. A row whose m is NaN or ±∞ gets meaningless output
 * (the caller redoes it). The sum's order is fixed (see gen-wasm-kernels.ts), so the result does not
 * depend on the block size.
 */
export function wasmSoftmaxRowsF32(x: Float32Array, out: Float32Array, rows: number, cols: number, maxes: Float32Array | Float64Array, sums: Float64Array, xOff = 0, outOff = 0): void {
  if (rows === 0) return;
  if (cols < 4 || cols % 4 !== 0) throw new BackendError('softmax', `wasmSoftmaxRowsF32 needs cols % 4 == 0 and cols >= 4 (got ${cols})`);
  const rt = runtimeFor('softmax');
  const R = Math.max(1, Math.min(rows, Math.floor(SOFTMAX_BLOCK_FLOATS / cols)));
  const hx = rt.heap.ptr(x, xOff), ho = rt.heap.ptr(out, outOff);
  if (hx >= 0 && ho >= 0) {
    // in place, every row at once (blocks of R rows on both threads when large); the maxima and
    // sums of all rows in scratch
    const pS = rt.scratch(12 * rows, 'softmax'), pM = pS + 8 * rows;
    if (rows * cols >= PAR_MIN && rowJobsParallel(rt)) runRowJob(rt, { kernel: 'softmax_rows', rows, chunk: R, cols, ptrs: [hx, ho, pM, pS], strides: [4 * cols, 4 * cols, 4] });
    else rt.k.softmax_rows(hx, ho, rows, cols, pM, pS);
    const f32 = rt.f32, f64 = new Float64Array(f32.buffer, pS, rows);
    for (let i = 0; i < rows; i++) {
      maxes[i] = f32[(pM >> 2) + i];
      sums[i] = f64[i];
    }
    return;
  }
  // through scratch, R rows at a time
  const oM = 0, oS = oM + 8 * R, oX = oS + 8 * R, oO = oX + 4 * R * cols; // oS 8-aligned
  const S = rt.scratch(oO + 4 * R * cols, 'softmax');
  const f32 = rt.f32;
  const pM = S + oM, pS = S + oS;
  const f64 = new Float64Array(f32.buffer, pS, R);
  for (let r0 = 0; r0 < rows; r0 += R) {
    const r = Math.min(R, rows - r0);
    f32.set(x.subarray(xOff + r0 * cols, xOff + (r0 + r) * cols), (S + oX) >> 2);
    rt.k.softmax_rows(S + oX, S + oO, r, cols, pM, pS);
    out.set(f32.subarray((S + oO) >> 2, ((S + oO) >> 2) + r * cols), outOff + r0 * cols);
    for (let i = 0; i < r; i++) {
      maxes[r0 + i] = f32[(pM >> 2) + i];
      sums[r0 + i] = f64[i];
    }
  }
}

/** out[outOff + r·cols + j] = x[xOff + r·cols + j] · s[sOff + r] (float32) for r < rows, j < cols. */
export function wasmScaleRowsF32(x: Float32Array, out: Float32Array, rows: number, cols: number, s: Float32Array, xOff = 0, outOff = 0, sOff = 0): void {
  wasmRowScalarF32('mul', false, rows, cols, x, xOff, cols, s, sOff, out, outOff);
}

/**
 * Row-scalar binary map: out[outOff + r·cols + j] = x[xOff + r·xRs + j] op s[sOff + r] (with `reversed`,
 * s[sOff + r] op x[…]) for r < rows, j < cols: the float32 op, so the same bits as the JS loop. Rows of
 * x are contiguous at any stride (0 repeats one); out is packed. A row longer than a block is split.
 */
export function wasmRowScalarF32(
  op: WasmBinaryOp, reversed: boolean, rows: number, cols: number,
  x: Float32Array, xOff: number, xRs: number, s: Float32Array, sOff: number, out: Float32Array, outOff: number,
): void {
  if (rows === 0 || cols === 0) return;
  const rt = runtimeFor(op);
  const name = reversed && (op === 'sub' || op === 'div') ? (`rows_r${op}` as const) : (`rows_${op}` as const);
  const kernel = rt.k[name];
  const BLK = SOFTMAX_BLOCK_FLOATS;
  const hx = rt.heap.ptr(x, xOff), ho = rt.heap.ptr(out, outOff);
  if (hx >= 0 && ho >= 0 && cols % 4 === 0) {
    // in place, the row scalars copied to scratch: every row in one call when the rows of x are
    // packed (on both threads when large), else a row per call
    const pS = rt.scratch(4 * rows, op);
    rt.f32.set(s.subarray(sOff, sOff + rows), pS >> 2);
    if (xRs !== cols) for (let r = 0; r < rows; r++) kernel(hx + 4 * r * xRs, ho + 4 * r * cols, 1, cols, pS + 4 * r);
    else if (rows * cols >= PAR_MIN && rowJobsParallel(rt)) runRowJob(rt, { kernel: name, rows, chunk: Math.max(1, Math.floor(PAR_CHUNK / cols)), cols, ptrs: [hx, ho, pS], strides: [4 * cols, 4 * cols, 4] });
    else kernel(hx, ho, rows, cols, pS);
    return;
  }
  const seg = Math.min(cols, BLK); // columns per row piece
  const R = Math.max(1, Math.min(rows, Math.floor(BLK / seg)));
  const S = rt.scratch(4 * (2 * R * seg + R) + 32, op);
  const pX = S, pO = pX + 4 * R * seg + 16, pS = pO + 4 * R * seg + 16;
  const f32 = rt.f32;
  const x0 = pX >> 2, o0 = pO >> 2, s0 = pS >> 2;
  for (let c0 = 0; c0 < cols; c0 += seg) {
    const w = Math.min(seg, cols - c0);
    for (let r0 = 0; r0 < rows; r0 += R) {
      const r = Math.min(R, rows - r0);
      if (xRs === cols && w === cols) f32.set(x.subarray(xOff + r0 * w, xOff + (r0 + r) * w), x0);
      else for (let i = 0; i < r; i++) {
        const p = xOff + (r0 + i) * xRs + c0;
        f32.set(x.subarray(p, p + w), x0 + i * w);
      }
      f32.set(s.subarray(sOff + r0, sOff + r0 + r), s0);
      kernel(pX, pO, r, w, pS);
      if (w === cols) out.set(f32.subarray(o0, o0 + r * w), outOff + r0 * cols);
      else for (let i = 0; i < r; i++) out.set(f32.subarray(o0 + i * w, o0 + (i + 1) * w), outOff + (r0 + i) * cols + c0);
    }
  }
}

/** AdamW hyper-parameters of one step, as the float64 values the update uses. */
export interface AdamWStepF64 { decay: number; a1: number; a2: number; beta2: number; c2: number; eps: number; stepSize: number }

const ADAMW_CHUNK = 4096;

/**
 * One AdamW step over n float32s, bit for bit the float64 JS loop of optim/adamw.ts (every operation
 * an IEEE float64 one in f64x2 lanes): pi = p·decay, m' = m + (g − m)·a1, v' = v·beta2 + g·g·a2,
 * m = f32(m'), v = f32(v'), p = f32(pi − (m' / (√v' / c2 + eps))·stepSize). Reads p, g, m, v (from
 * their offsets) and writes pOut, mOut, vOut (which may alias the inputs). decay = 1 without decay.
 */
export function wasmAdamWF32(
  n: number, h: AdamWStepF64,
  p: Float32Array, pOff: number, g: Float32Array, gOff: number, m: Float32Array | null, mOff: number, v: Float32Array | null, vOff: number,
  pOut: Float32Array, mOut: Float32Array, vOut: Float32Array,
): void {
  if (n === 0) return;
  const rt = runtimeFor('adamw');
  const C = ADAMW_CHUNK;
  const heap = rt.heap;
  const hp = heap.ptr(p, pOff), hg = heap.ptr(g, gOff), hm = m ? heap.ptr(m, mOff) : -1, hv0 = v ? heap.ptr(v, vOff) : -1;
  const hpo = heap.ptr(pOut), hmo = heap.ptr(mOut), hvo = heap.ptr(vOut);
  const direct = n % 4 === 0 && hp >= 0 && hg >= 0 && hm >= 0 && hv0 >= 0 && hpo >= 0 && hmo >= 0 && hvo >= 0;
  const S = rt.scratch(direct ? 64 : 64 + 16 * C, 'adamw');
  const pH = S, pP = pH + 64, pG = pP + 4 * C, pM = pG + 4 * C, pV = pM + 4 * C;
  const f32 = rt.f32;
  const hv = new Float64Array(f32.buffer, pH, 7);
  hv[0] = h.decay; hv[1] = h.a1; hv[2] = h.a2; hv[3] = h.beta2; hv[4] = h.c2; hv[5] = h.eps; hv[6] = h.stepSize;
  if (direct) {
    // the kernel updates p, m, v in place: start the outputs as copies of the inputs (memmoves
    // inside wasm memory; no-ops where an output aliases its input)
    if (hpo !== hp) f32.copyWithin(hpo >> 2, hp >> 2, (hp >> 2) + n);
    if (hmo !== hm) f32.copyWithin(hmo >> 2, hm >> 2, (hm >> 2) + n);
    if (hvo !== hv0) f32.copyWithin(hvo >> 2, hv0 >> 2, (hv0 >> 2) + n);
    if (n >= PAR_MIN && rowJobsParallel(rt)) runRowJob(rt, { kernel: 'adamw_f32', rows: n, chunk: PAR_CHUNK, cols: 0, ptrs: [hpo, hg, hmo, hvo], strides: [4, 4, 4], h: pH });
    else rt.k.adamw_f32(hpo, hg, hmo, hvo, n, pH);
    return;
  }
  for (let i = 0; i < n; i += C) {
    const k = Math.min(C, n - i), k4 = (k + 3) & ~3;
    f32.set(p.subarray(pOff + i, pOff + i + k), pP >> 2);
    f32.set(g.subarray(gOff + i, gOff + i + k), pG >> 2);
    if (m) f32.set(m.subarray(mOff + i, mOff + i + k), pM >> 2);
    else f32.fill(0, pM >> 2, (pM >> 2) + k);
    if (v) f32.set(v.subarray(vOff + i, vOff + i + k), pV >> 2);
    else f32.fill(0, pV >> 2, (pV >> 2) + k);
    rt.k.adamw_f32(pP, pG, pM, pV, k4, pH);
    pOut.set(f32.subarray(pP >> 2, (pP >> 2) + k), i);
    mOut.set(f32.subarray(pM >> 2, (pM >> 2) + k), i);
    vOut.set(f32.subarray(pV >> 2, (pV >> 2) + k), i);
  }
}

/**
 * Column sums: out[outOff + c] = Σ_r x[xOff + r·xRs + c] for c < cols, r < rows (rows of x contiguous,
 * at stride xRs), each a sequential float64 sum from the first row, rounded once: the same bits as the
 * JS column reduction (cpu/codegen.ts). rows ≥ 1.
 */
export function wasmColSumF32(x: Float32Array, xOff: number, xRs: number, rows: number, cols: number, out: Float32Array, outOff = 0): void {
  if (cols === 0) return;
  const rt = runtimeFor('sum');
  const BLK = SOFTMAX_BLOCK_FLOATS;
  const seg = Math.min(cols, 16384); // columns per pass (the float64 accumulators: 128 KiB)
  const R = Math.max(1, Math.min(rows, Math.floor(BLK / seg)));
  const hx = rt.heap.ptr(x, xOff), direct = hx >= 0 && xRs === cols && seg === cols; // rows packed: read in place
  const S = rt.scratch(8 * (seg + 4) + (direct ? 0 : 4 * R * seg + 16), 'sum');
  const pA = S, pX = pA + 8 * (seg + 4);
  const f32 = rt.f32;
  const x0 = pX >> 2;
  for (let c0 = 0; c0 < cols; c0 += seg) {
    const w = Math.min(seg, cols - c0);
    for (let r0 = 0; r0 < rows; r0 += R) {
      const r = Math.min(R, rows - r0);
      if (direct) {
        rt.k.col_sum(hx + 4 * r0 * cols, pA, r, w, r0 === 0 ? 1 : 0);
        continue;
      }
      if (xRs === cols && w === cols) f32.set(x.subarray(xOff + r0 * w, xOff + (r0 + r) * w), x0);
      else for (let i = 0; i < r; i++) {
        const p = xOff + (r0 + i) * xRs + c0;
        f32.set(x.subarray(p, p + w), x0 + i * w);
      }
      rt.k.col_sum(pX, pA, r, w, r0 === 0 ? 1 : 0);
    }
    const acc = new Float64Array(f32.buffer, pA, w);
    for (let c = 0; c < w; c++) out[outOff + c0 + c] = acc[c];
  }
}

/** Rows per RMSNorm block: about 256 KiB of each row operand per call. */
function rmsBlockRows(rows: number, cols: number): number {
  return Math.max(1, Math.min(rows, Math.floor(SOFTMAX_BLOCK_FLOATS / cols)));
}

/**
 * RMSNorm output: out[r·cols + j] = float32((x[xOff + r·cols + j] · inv[r]) · w[wOff + j]) for r < rows,
 * j < cols, the products in float64: bitwise the JS loop. cols % 4 == 0; out packed from 0.
 */
export function wasmRmsScaleF32(x: Float32Array, xOff: number, inv: Float64Array, w: Float32Array, wOff: number, out: Float32Array, rows: number, cols: number): void {
  if (rows === 0) return;
  if (cols % 4 !== 0) throw new BackendError('rmsNorm', `wasmRmsScaleF32 needs cols % 4 == 0 (got ${cols})`);
  const rt = runtimeFor('rmsNorm');
  const R = rmsBlockRows(rows, cols);
  const hx = rt.heap.ptr(x, xOff), ho = rt.heap.ptr(out), direct = hx >= 0 && ho >= 0;
  const S = rt.scratch(8 * R + 4 * cols + (direct ? 0 : 8 * R * cols), 'rmsNorm');
  const pI = S, pW = pI + 8 * R, pX = pW + 4 * cols, pO = pX + 4 * R * cols;
  const f32 = rt.f32;
  const f64 = new Float64Array(f32.buffer, pI, R);
  f32.set(w.subarray(wOff, wOff + cols), pW >> 2);
  for (let r0 = 0; r0 < rows; r0 += R) {
    const r = Math.min(R, rows - r0);
    f64.set(inv.subarray(r0, r0 + r));
    if (direct) {
      rt.k.rms_scale(hx + 4 * r0 * cols, ho + 4 * r0 * cols, r, cols, pI, pW);
      continue;
    }
    f32.set(x.subarray(xOff + r0 * cols, xOff + (r0 + r) * cols), pX >> 2);
    rt.k.rms_scale(pX, pO, r, cols, pI, pW);
    out.set(f32.subarray(pO >> 2, (pO >> 2) + r * cols), r0 * cols);
  }
}

/**
 * RMSNorm gradient given per-row float64 inv[r] and c[r]: dx[r·cols + j] = float32(((inv·g)·w) − x·c)
 * and dwAcc[j] += (g·x)·inv over r in order, every operation in float64: bitwise the JS loop.
 * cols % 4 == 0; x and g from their offsets, dx packed from 0.
 */
export function wasmRmsGradF32(
  x: Float32Array, xOff: number, g: Float32Array, gOff: number, inv: Float64Array, c: Float64Array,
  w: Float32Array, wOff: number, dx: Float32Array, dwAcc: Float64Array, rows: number, cols: number,
): void {
  if (rows === 0) return;
  if (cols % 4 !== 0) throw new BackendError('rmsNormGrad', `wasmRmsGradF32 needs cols % 4 == 0 (got ${cols})`);
  const rt = runtimeFor('rmsNormGrad');
  const R = rmsBlockRows(rows, cols);
  const hx = rt.heap.ptr(x, xOff), hg = rt.heap.ptr(g, gOff), hd = rt.heap.ptr(dx), direct = hx >= 0 && hg >= 0 && hd >= 0;
  const S = rt.scratch(8 * cols + 16 * R + 4 * cols + (direct ? 0 : 12 * R * cols), 'rmsNormGrad');
  const pA = S, pI = pA + 8 * cols, pC = pI + 8 * R, pW = pC + 8 * R, pX = pW + 4 * cols, pG = pX + 4 * R * cols, pD = pG + 4 * R * cols;
  const f32 = rt.f32;
  const acc = new Float64Array(f32.buffer, pA, cols), fi = new Float64Array(f32.buffer, pI, R), fc = new Float64Array(f32.buffer, pC, R);
  acc.set(dwAcc);
  f32.set(w.subarray(wOff, wOff + cols), pW >> 2);
  for (let r0 = 0; r0 < rows; r0 += R) {
    const r = Math.min(R, rows - r0);
    fi.set(inv.subarray(r0, r0 + r));
    fc.set(c.subarray(r0, r0 + r));
    if (direct) {
      rt.k.rms_grad(hx + 4 * r0 * cols, hg + 4 * r0 * cols, hd + 4 * r0 * cols, r, cols, pI, pC, pW, pA);
      continue;
    }
    f32.set(x.subarray(xOff + r0 * cols, xOff + (r0 + r) * cols), pX >> 2);
    f32.set(g.subarray(gOff + r0 * cols, gOff + (r0 + r) * cols), pG >> 2);
    rt.k.rms_grad(pX, pG, pD, r, cols, pI, pC, pW, pA);
    dx.set(f32.subarray(pD >> 2, (pD >> 2) + r * cols), r0 * cols);
  }
  dwAcc.set(acc);
}

/**
 * Row sums of squares for rows 0 … 4·⌊rows/4⌋ − 1: ss[r] = Σ_j x[xOff + r·cols + j]², the square and
 * the sum in float64, each row in j order: bitwise the JS loop. Returns how many rows it did (the
 * caller does the last rows % 4). cols % 4 == 0.
 */
export function wasmRmsSumSqF32(x: Float32Array, xOff: number, rows: number, cols: number, ss: Float64Array): number {
  const quads = rows >> 2;
  if (quads === 0) return 0;
  if (cols % 4 !== 0) throw new BackendError('rmsNorm', `wasmRmsSumSqF32 needs cols % 4 == 0 (got ${cols})`);
  const rt = runtimeFor('rmsNorm');
  const R = Math.max(4, rmsBlockRows(rows, cols) & ~3);
  const hx = rt.heap.ptr(x, xOff);
  const S = rt.scratch(8 * R + (hx >= 0 ? 0 : 4 * R * cols), 'rmsNorm');
  const pS = S, pX = pS + 8 * R;
  const f32 = rt.f32;
  const f64 = new Float64Array(f32.buffer, pS, R);
  const done = 4 * quads;
  for (let r0 = 0; r0 < done; r0 += R) {
    const r = Math.min(R, done - r0);
    if (hx >= 0) rt.k.rms_ss4(hx + 4 * r0 * cols, r >> 2, cols, pS);
    else {
      f32.set(x.subarray(xOff + r0 * cols, xOff + (r0 + r) * cols), pX >> 2);
      rt.k.rms_ss4(pX, r >> 2, cols, pS);
    }
    ss.set(f64.subarray(0, r), r0);
  }
  return done;
}

/**
 * For rows 0 … 2·⌊rows/2⌋ − 1: ss[r] = Σ_j x² and gwx[r] = Σ_j (g·w_j)·x (x, g from their offsets,
 * w from wOff), every operation in float64, each row in j order: bitwise the JS loop. Returns how
 * many rows it did (the caller does a last odd row). cols % 4 == 0.
 */
export function wasmRmsGradSumsF32(x: Float32Array, xOff: number, g: Float32Array, gOff: number, w: Float32Array, wOff: number, rows: number, cols: number, ss: Float64Array, gwx: Float64Array): number {
  const pairs = rows >> 1;
  if (pairs === 0) return 0;
  if (cols % 4 !== 0) throw new BackendError('rmsNormGrad', `wasmRmsGradSumsF32 needs cols % 4 == 0 (got ${cols})`);
  const rt = runtimeFor('rmsNormGrad');
  const R = Math.max(2, rmsBlockRows(rows, cols) & ~1);
  const hx = rt.heap.ptr(x, xOff), hg = rt.heap.ptr(g, gOff), direct = hx >= 0 && hg >= 0;
  const S = rt.scratch(16 * R + 4 * cols + (direct ? 0 : 8 * R * cols), 'rmsNormGrad');
  const pS = S, pQ = pS + 8 * R, pW = pQ + 8 * R, pX = pW + 4 * cols, pG = pX + 4 * R * cols;
  const f32 = rt.f32;
  const fs = new Float64Array(f32.buffer, pS, R), fq = new Float64Array(f32.buffer, pQ, R);
  f32.set(w.subarray(wOff, wOff + cols), pW >> 2);
  const done = 2 * pairs;
  for (let r0 = 0; r0 < done; r0 += R) {
    const r = Math.min(R, done - r0);
    if (direct) rt.k.rms_sums2(hx + 4 * r0 * cols, hg + 4 * r0 * cols, pW, r >> 1, cols, pS, pQ);
    else {
      f32.set(x.subarray(xOff + r0 * cols, xOff + (r0 + r) * cols), pX >> 2);
      f32.set(g.subarray(gOff + r0 * cols, gOff + (r0 + r) * cols), pG >> 2);
      rt.k.rms_sums2(pX, pG, pW, r >> 1, cols, pS, pQ);
    }
    ss.set(fs.subarray(0, r), r0);
    gwx.set(fq.subarray(0, r), r0);
  }
  return done;
}

/**
 * Row copy between tensors in wasm memory: dst[dstOff + r·dstRs + j] = src[srcOff + r·srcRs + j] for
 * r < rows, j < cols, by the `copy_rows` kernel (one memory.copy per row). Returns false, having done
 * nothing, unless both arrays are heap views (heap.ts); the caller then copies by itself.
 */
export function wasmCopyRowsF32(rows: number, cols: number, src: Float32Array, srcOff: number, srcRs: number, dst: Float32Array, dstOff: number, dstRs: number): boolean {
  const rt = wasmRuntime();
  if (rt === null) return false;
  const ps = rt.heap.ptr(src, srcOff), pd = rt.heap.ptr(dst, dstOff);
  if (ps < 0 || pd < 0) return false;
  if (rows > 0 && cols > 0) rt.k.copy_rows(pd, 4 * dstRs, ps, 4 * srcRs, rows, 4 * cols);
  return true;
}
