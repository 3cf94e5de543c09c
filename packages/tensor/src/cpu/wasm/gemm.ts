// float32 GEMM on the wasm SIMD128 kernels: C[M,N] = op(A)·op(B), same contract as ../sgemm.ts.
//
// Goto/BLIS blocking. Inside wasm memory:
//   Araw, Braw  the stored A and B copied in as they are (one memcpy when the rows are dense)
//   C           [Mp, ldc] with Mp = ⌈M/MR⌉·MR, ldc = ⌈N/NR⌉·NR, so every register tile is whole
//   PA          one packed A block  [mc ≤ MC, kc ≤ KC] in MR-row slivers   (lives in L2)
//   PB          one packed B panel  [kc ≤ KC, nc ≤ NC] in NR-column slivers (L3; one sliver in L1)
// for jc over N by NC:  for pc over K by KC:  pack B panel;  for ic over M by MC:  pack A block;
//   macro-kernel (jr over NR slivers, ir over MR slivers, MR×NR micro-kernel over kc),
//   overwriting C on the first K block and accumulating on the others.
// Packing zero-pads partial slivers; C's padding rows/columns are computed and never copied out.

import { BackendError } from '../../errors.js';
import { HEAP_BASE, MR, NR } from './kernels.gen.js';
import { wasmRuntime } from './runtime.js';

export interface GemmBlocking {
  /** rows of the packed A block (multiple of MR) */
  mc: number;
  /** depth of both packed blocks */
  kc: number;
  /** columns of the packed B panel (multiple of NR) */
  nc: number;
  /** problems with M·N·K ≤ small multiply-adds skip wasm (a plain loop beats ~1.5 µs of copying) */
  small: number;
}

const DEFAULT_BLOCKING: GemmBlocking = { mc: 128, kc: 256, nc: 4096, small: 1024 };
let blocking: GemmBlocking = { ...DEFAULT_BLOCKING };

/** Tuning / test hook: changes the cache blocking (`null` restores the default). */
export function setWasmGemmBlocking(b: Partial<GemmBlocking> | null): void {
  const next = b === null ? { ...DEFAULT_BLOCKING } : { ...blocking, ...b };
  if (!(next.mc >= MR && next.mc % MR === 0 && next.nc >= NR && next.nc % NR === 0 && next.kc >= 1 && next.small >= 0)) {
    throw new BackendError('sgemm', `bad wasm blocking mc=${next.mc} kc=${next.kc} nc=${next.nc} (mc % ${MR}, nc % ${NR} must be 0)`);
  }
  blocking = next;
}

export function getWasmGemmBlocking(): GemmBlocking {
  return { ...blocking };
}

const roundUp = (x: number, m: number): number => Math.ceil(x / m) * m;
const align = (bytes: number): number => roundUp(bytes, 64);

/** Floats needed to hold a stored rows × cols matrix with row stride ld ≥ 0, and whether it is
 *  copied as one span (dense) or row by row into a compact [rows, cols] (a narrow slice of a wide
 *  matrix, whose span would be mostly unused). */
function spanOf(rows: number, cols: number, ld: number): { floats: number; dense: boolean } {
  const span = (rows - 1) * ld + cols;
  const dense = span <= 2 * rows * cols;
  return { floats: dense ? span : rows * cols, dense };
}

/** Copies the stored matrix at src[off] to wasm memory at byte `dst`; returns the row stride there. */
function copyIn(f32: Float32Array, src: Float32Array, off: number, rows: number, cols: number, ld: number, dense: boolean, dst: number): number {
  const d = dst >> 2;
  if (dense) {
    f32.set(src.subarray(off, off + (rows - 1) * ld + cols), d);
    return ld;
  }
  for (let r = 0; r < rows; r++) f32.set(src.subarray(off + r * ld, off + r * ld + cols), d + r * cols);
  return cols;
}

/** Tiny problems: a direct triple loop over the strided operands. */
function smallSgemm(
  M: number, N: number, K: number,
  a: Float32Array, aOff: number, lda: number, transA: boolean,
  b: Float32Array, bOff: number, ldb: number, transB: boolean,
  c: Float32Array, cOff: number,
): void {
  const ai = transA ? 1 : lda, ak = transA ? lda : 1; // A(i, k) = a[aOff + i*ai + k*ak]
  const bk = transB ? 1 : ldb, bj = transB ? ldb : 1; // B(k, j) = b[bOff + k*bk + j*bj]
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let s = 0;
      for (let k = 0, pa = aOff + i * ai, pb = bOff + j * bj; k < K; k++, pa += ak, pb += bk) s += a[pa] * b[pb];
      c[cOff + i * N + j] = s;
    }
  }
}

/** C[M,N] = op(A)·op(B) on the wasm SIMD kernels; see ../sgemm.ts for the argument contract. */
export function wasmSgemm(
  M: number, N: number, K: number,
  a: Float32Array, aOff: number, lda: number, transA: boolean,
  b: Float32Array, bOff: number, ldb: number, transB: boolean,
  c: Float32Array, cOff: number,
): void {
  if (M === 0 || N === 0) return;
  if (K === 0) {
    c.fill(0, cOff, cOff + M * N);
    return;
  }
  if (M * N * K <= blocking.small) {
    smallSgemm(M, N, K, a, aOff, lda, transA, b, bOff, ldb, transB, c, cOff);
    return;
  }
  const rt = wasmRuntime();
  if (rt === null) throw new BackendError('sgemm', 'wasm SIMD kernels are unavailable in this engine');
  const { mc: MC, kc: KC, nc: NC } = blocking;

  // stored shapes: A is [M, K] or [K, M]; B is [K, N] or [N, K]
  const aRows = transA ? K : M, aCols = transA ? M : K;
  const bRows = transB ? N : K, bCols = transB ? K : N;
  const sa = spanOf(aRows, aCols, lda);
  const sb = spanOf(bRows, bCols, ldb);
  const Mp = roundUp(M, MR);
  const ldc = roundUp(N, NR);
  const kcMax = Math.min(KC, K);
  const mcMax = Math.min(MC, Mp);
  const ncMax = Math.min(NC, ldc);

  const pA = HEAP_BASE;
  const pB = pA + align(4 * sa.floats);
  const pC = pB + align(4 * sb.floats);
  const pPA = pC + align(4 * Mp * ldc);
  const pPB = pPA + align(4 * mcMax * kcMax);
  rt.ensure(pPB + 4 * kcMax * ncMax, 'sgemm');

  const f32 = rt.f32;
  const lda2 = copyIn(f32, a, aOff, aRows, aCols, lda, sa.dense, pA);
  const ldb2 = copyIn(f32, b, bOff, bRows, bCols, ldb, sb.dense, pB);
  // byte strides of op(A)[i, k] and of op(B)ᵀ[j, k] (pack_b packs the transpose's rows as slivers)
  const aRs = transA ? 4 : 4 * lda2, aCs = transA ? 4 * lda2 : 4;
  const bRs = transB ? 4 * ldb2 : 4, bCs = transB ? 4 : 4 * ldb2;

  const k = rt.k;
  for (let jc = 0; jc < N; jc += NC) {
    const nc = Math.min(NC, N - jc);
    const ncp = roundUp(nc, NR);
    for (let pc = 0; pc < K; pc += KC) {
      const kc = Math.min(KC, K - pc);
      k.pack_b(pB + jc * bRs + pc * bCs, bRs, bCs, nc, kc, pPB);
      for (let ic = 0; ic < M; ic += MC) {
        const mcr = Math.min(MC, M - ic);
        k.pack_a(pA + ic * aRs + pc * aCs, aRs, aCs, mcr, kc, pPA);
        k.macro(pPA, pPB, pC + 4 * (ic * ldc + jc), roundUp(mcr, MR), ncp, kc, 4 * ldc, pc > 0 ? 1 : 0);
      }
    }
  }

  const c0 = pC >> 2;
  if (ldc === N) c.set(f32.subarray(c0, c0 + M * N), cOff);
  else for (let i = 0; i < M; i++) c.set(f32.subarray(c0 + i * ldc, c0 + i * ldc + N), cOff + i * N);
}
