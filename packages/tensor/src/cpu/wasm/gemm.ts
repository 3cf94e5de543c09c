// float32 GEMM on the wasm SIMD128 kernels: C[M,N] = op(A)·op(B), same contract as ../sgemm.ts.
//
// Goto/BLIS blocking. Inside wasm memory:
//   Araw, Braw  the stored A and B copied in as they are (one memcpy when the rows are dense)
//   C           [Mp, ldc] with Mp = ⌈M/MR⌉·MR, ldc = ⌈N/NR⌉·NR, so every register tile is whole
//   PA_t        per thread: one packed A block  [mc ≤ MC, kc ≤ KC] in MR-row slivers   (lives in L2)
//   PB_t        per thread: one packed B panel  [kc ≤ KC, nb ≤ NC] in NR-column slivers (L2)
// C is cut into tiles (mb rows × nb columns, threads.ts) that threads take from a shared counter;
// per tile:  for pc over K by KC:  pack B panel;  for ic over the tile's rows by MC:  pack A block;
//   macro-kernel (jr over NR slivers, ir over MR slivers, MR×NR micro-kernel over kc),
//   overwriting C on the first K block and accumulating on the others. Every C element sums its K
//   blocks in the same order whatever the tiling, so the thread count never changes the result.
// Packing zero-pads partial slivers; C's padding rows/columns are computed and never copied out.

import { BackendError } from '../../errors.js';
import { HEAP_BASE, MR, NR } from './kernels.gen.js';
import { wasmRuntime } from './runtime.js';
import { maxTileThreads, runTileJob } from './threads.js';

/** Multiply-adds from which a GEMM is split among threads (below, waking a worker costs more). */
const PARALLEL_MIN = 1 << 20;

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

const DEFAULT_BLOCKING: GemmBlocking = { mc: 128, kc: 256, nc: 512, small: 1024 };
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
  // tiles of C: mb × nb (see threads.ts); big problems are split among the GEMM threads
  const parallel = M * N * K >= PARALLEL_MIN;
  const threads = parallel ? maxTileThreads(rt) : 1;
  // tiles: all rows × nc columns; while there are fewer than 4 per thread, halve the columns (down
  // to 8·NR), then the rows (down to 8·MR)
  let mb = Mp, nb = Math.min(NC, ldc);
  if (threads > 1) {
    const tiles = (): number => Math.ceil(M / mb) * Math.ceil(N / nb);
    while (tiles() < 4 * threads && nb > 8 * NR) nb = roundUp(nb >> 1, NR);
    while (tiles() < 4 * threads && mb > 8 * MR) mb = roundUp(mb >> 1, MR);
  }
  const mcMax = Math.min(MC, mb);
  const paBytes = align(4 * mcMax * kcMax), pbBytes = align(4 * kcMax * nb);

  const pA = HEAP_BASE;
  const pB = pA + align(4 * sa.floats);
  const pC = pB + align(4 * sb.floats);
  const pPA = pC + align(4 * Mp * ldc);
  const pPB = pPA + threads * paBytes;
  rt.ensure(pPB + threads * pbBytes, 'sgemm');

  const f32 = rt.f32;
  const lda2 = copyIn(f32, a, aOff, aRows, aCols, lda, sa.dense, pA);
  const ldb2 = copyIn(f32, b, bOff, bRows, bCols, ldb, sb.dense, pB);
  // byte strides of op(A)[i, k] and of op(B)ᵀ[j, k] (pack_b packs the transpose's rows as slivers)
  const aRs = transA ? 4 : 4 * lda2, aCs = transA ? 4 * lda2 : 4;
  const bRs = transB ? 4 * ldb2 : 4, bCs = transB ? 4 : 4 * ldb2;

  runTileJob(rt, { pA, aRs, aCs, pB, bRs, bCs, pC, ldc, M, N, K, KC, mb, nb, pPA, paBytes, pPB, pbBytes, MC }, threads > 1);

  const c0 = pC >> 2;
  const out = rt.f32; // the job does not grow memory, but re-read the view anyway
  if (ldc === N) c.set(out.subarray(c0, c0 + M * N), cOff);
  else for (let i = 0; i < M; i++) c.set(out.subarray(c0 + i * ldc, c0 + i * ldc + N), cOff + i * N);
}
