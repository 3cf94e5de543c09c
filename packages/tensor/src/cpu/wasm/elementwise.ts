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

/**
 * Streams the rows of x [outer, inner] (contiguous from xOff, inner ≥ 1) through wasm memory in
 * chunks of whole rows (as many as fit CHUNK floats, at least one: a long row grows memory). For each
 * chunk, rows o … o + r − 1 are at byte offset X and `reduce(rt, o, r, pOut)` runs a row kernel that
 * writes one float32 per row at byte offset pOut.
 */
function forRowChunks(
  op: string, x: Float32Array, xOff: number, outer: number, inner: number,
  reduce: (rt: WasmRuntime, o: number, r: number, pOut: number) => void,
): void {
  const rt = runtimeFor(op);
  const rows = Math.max(1, Math.min(outer, Math.floor(CHUNK / inner)));
  const pOut = X + 4 * rows * inner;
  rt.ensure(pOut + 4 * rows, op);
  for (let o = 0; o < outer; o += rows) {
    const r = Math.min(rows, outer - o);
    rt.f32.set(x.subarray(xOff + o * inner, xOff + (o + r) * inner), X >> 2);
    reduce(rt, o, r, pOut);
  }
}

/** x: [outer, inner] contiguous from xOff → out[outOff + o] = Σ_i x[o, i] (float64 sums, rounded once). */
export function wasmSumRowsF32(x: Float32Array, out: Float32Array, outer: number, inner: number, xOff = 0, outOff = 0): void {
  if (outer === 0) return;
  if (inner === 0) {
    out.fill(0, outOff, outOff + outer);
    return;
  }
  forRowChunks('sum', x, xOff, outer, inner, (rt, o, r, pOut) => {
    rt.k.sum_rows(X, pOut, r, inner);
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
  forRowChunks('max', x, xOff, outer, inner, (rt, o, r, pOut) => {
    rt.k.max_rows(X, pOut, r, inner);
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
  const pX = HEAP_BASE, pO = pX + 4 * R * cols, pM = pO + 4 * R * cols, pS = pM + 8 * R; // pS 8-aligned
  rt.ensure(pS + 8 * R, 'softmax');
  const f32 = rt.f32;
  const f64 = new Float64Array(f32.buffer, pS, R);
  for (let r0 = 0; r0 < rows; r0 += R) {
    const r = Math.min(R, rows - r0);
    f32.set(x.subarray(xOff + r0 * cols, xOff + (r0 + r) * cols), pX >> 2);
    rt.k.softmax_rows(pX, pO, r, cols, pM, pS);
    out.set(f32.subarray(pO >> 2, (pO >> 2) + r * cols), outOff + r0 * cols);
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
  const seg = Math.min(cols, BLK); // columns per row piece
  const R = Math.max(1, Math.min(rows, Math.floor(BLK / seg)));
  const pX = HEAP_BASE, pO = pX + 4 * R * seg + 16, pS = pO + 4 * R * seg + 16;
  rt.ensure(pS + 4 * R, op);
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
  const pH = HEAP_BASE, pP = pH + 64, pG = pP + 4 * C, pM = pG + 4 * C, pV = pM + 4 * C;
  rt.ensure(pV + 4 * C, 'adamw');
  const f32 = rt.f32;
  const hv = new Float64Array(f32.buffer, pH, 7);
  hv[0] = h.decay; hv[1] = h.a1; hv[2] = h.a2; hv[3] = h.beta2; hv[4] = h.c2; hv[5] = h.eps; hv[6] = h.stepSize;
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
  const pA = HEAP_BASE, pX = pA + 8 * (seg + 4);
  rt.ensure(pX + 4 * R * seg + 16, 'sum');
  const f32 = rt.f32;
  const x0 = pX >> 2;
  for (let c0 = 0; c0 < cols; c0 += seg) {
    const w = Math.min(seg, cols - c0);
    for (let r0 = 0; r0 < rows; r0 += R) {
      const r = Math.min(R, rows - r0);
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
  const pI = HEAP_BASE, pW = pI + 8 * R, pX = pW + 4 * cols, pO = pX + 4 * R * cols;
  rt.ensure(pO + 4 * R * cols, 'rmsNorm');
  const f32 = rt.f32;
  const f64 = new Float64Array(f32.buffer, pI, R);
  f32.set(w.subarray(wOff, wOff + cols), pW >> 2);
  for (let r0 = 0; r0 < rows; r0 += R) {
    const r = Math.min(R, rows - r0);
    f32.set(x.subarray(xOff + r0 * cols, xOff + (r0 + r) * cols), pX >> 2);
    f64.set(inv.subarray(r0, r0 + r));
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
  const pA = HEAP_BASE, pI = pA + 8 * cols, pC = pI + 8 * R, pW = pC + 8 * R, pX = pW + 4 * cols, pG = pX + 4 * R * cols, pD = pG + 4 * R * cols;
  rt.ensure(pD + 4 * R * cols, 'rmsNormGrad');
  const f32 = rt.f32;
  const acc = new Float64Array(f32.buffer, pA, cols), fi = new Float64Array(f32.buffer, pI, R), fc = new Float64Array(f32.buffer, pC, R);
  acc.set(dwAcc);
  f32.set(w.subarray(wOff, wOff + cols), pW >> 2);
  for (let r0 = 0; r0 < rows; r0 += R) {
    const r = Math.min(R, rows - r0);
    f32.set(x.subarray(xOff + r0 * cols, xOff + (r0 + r) * cols), pX >> 2);
    f32.set(g.subarray(gOff + r0 * cols, gOff + (r0 + r) * cols), pG >> 2);
    fi.set(inv.subarray(r0, r0 + r));
    fc.set(c.subarray(r0, r0 + r));
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
  const pS = HEAP_BASE, pX = pS + 8 * R;
  rt.ensure(pX + 4 * R * cols, 'rmsNorm');
  const f32 = rt.f32;
  const f64 = new Float64Array(f32.buffer, pS, R);
  const done = 4 * quads;
  for (let r0 = 0; r0 < done; r0 += R) {
    const r = Math.min(R, done - r0);
    f32.set(x.subarray(xOff + r0 * cols, xOff + (r0 + r) * cols), pX >> 2);
    rt.k.rms_ss4(pX, r >> 2, cols, pS);
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
  const pS = HEAP_BASE, pQ = pS + 8 * R, pW = pQ + 8 * R, pX = pW + 4 * cols, pG = pX + 4 * R * cols;
  rt.ensure(pG + 4 * R * cols, 'rmsNormGrad');
  const f32 = rt.f32;
  const fs = new Float64Array(f32.buffer, pS, R), fq = new Float64Array(f32.buffer, pQ, R);
  f32.set(w.subarray(wOff, wOff + cols), pW >> 2);
  const done = 2 * pairs;
  for (let r0 = 0; r0 < done; r0 += R) {
    const r = Math.min(R, done - r0);
    f32.set(x.subarray(xOff + r0 * cols, xOff + (r0 + r) * cols), pX >> 2);
    f32.set(g.subarray(gOff + r0 * cols, gOff + (r0 + r) * cols), pG >> 2);
    rt.k.rms_sums2(pX, pG, pW, r >> 1, cols, pS, pQ);
    ss.set(fs.subarray(0, r), r0);
    gwx.set(fq.subarray(0, r), r0);
  }
  return done;
}
