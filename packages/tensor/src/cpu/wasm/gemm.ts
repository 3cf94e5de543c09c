// float32 GEMM on the wasm SIMD128 kernels: C[M,N] = op(A)·op(B), same contract as ../sgemm.ts.
//
// Goto/BLIS blocking. Inside wasm memory (operands that are tensor storage in wasm memory, heap.ts,
// are used in place; the others are copied into the scratch area):
//   Araw, Braw  the stored A and B as they are (copies: one memcpy when the rows are dense)
//   C           [M, ldc] with ldc = ⌈N/NR⌉·NR, so every register tile has whole columns (the micro-kernel
//               writes only a partial last row sliver's rows); the output itself when it is a heap
//               view with ldc = N
//   PA_t        per thread: one packed A block  [mc ≤ MC, kc ≤ KC] in MR-row slivers (lives in L2),
//               then one MR×NR tile that a partial last sliver is computed into
//   PB_t        per thread: one packed B panel  [kc ≤ KC, nb ≤ NC] in NR-column slivers (L2)
// C is cut into tiles (mb rows × nb columns, threads.ts) that threads take from a shared counter;
// per tile:  for pc over K by KC:  pack B panel;  for ic over the tile's rows by MC:  pack A block;
//   macro-kernel (jr over NR slivers, ir over MR slivers, MR×NR micro-kernel over kc; MR is the
//   runtime's: 4 with mul + add, 6 with FMA),
//   overwriting C on the first K block and accumulating on the others. Every C element sums its K
//   blocks in the same order whatever the tiling, so the thread count never changes the result.
// Packing zero-pads partial slivers; C's padding columns are computed and never copied out.

import { BackendError } from '../../errors.js';
import { NR } from './kernels.gen.js';
import { wasmRuntime } from './runtime.js';
import { dropPacked, packedOperand } from './packed-cache.js';
import { maxTileThreads, runTileJob } from './threads.js';

/** Multiply-adds from which a GEMM is split among threads (below, waking a worker costs more). */
const PARALLEL_MIN = 1 << 20;
/** Tiles per thread that a threaded GEMM is cut into at least (halving the tile columns, then rows),
 *  so that a descheduled worker holds up the calling thread for one small tile at most (12 measured
 *  the same as 4 on the shared 2-vCPU machine). */
const TILES_PER_THREAD = 4;
/** Largest prepacked operands (bytes of packed op(A) and op(B) together) a job packs once up front
 *  (threads.ts); bigger jobs pack per tile, in per-thread buffers. */
const PREPACK_MAX_BYTES = 32 << 20;

export interface GemmBlocking {
  /** rows of the packed A block (a multiple of the register tile's rows, 4 or 6, runs best) */
  mc: number;
  /** depth of both packed blocks */
  kc: number;
  /** columns of the packed B panel (multiple of NR) */
  nc: number;
  /** problems with M·N·K ≤ small multiply-adds skip wasm (a plain loop beats ~1.5 µs of copying) */
  small: number;
}

const DEFAULT_BLOCKING: GemmBlocking = { mc: 120, kc: 512, nc: 512, small: 1024 };
let blocking: GemmBlocking = { ...DEFAULT_BLOCKING };

/** Tuning / test hook: changes the cache blocking (`null` restores the default). */
export function setWasmGemmBlocking(b: Partial<GemmBlocking> | null): void {
  const next = b === null ? { ...DEFAULT_BLOCKING } : { ...blocking, ...b };
  if (!(Number.isInteger(next.mc) && next.mc >= 1 && next.nc >= NR && next.nc % NR === 0 && Number.isInteger(next.kc) && next.kc >= 1 && next.small >= 0)) {
    throw new BackendError('sgemm', `bad wasm blocking mc=${next.mc} kc=${next.kc} nc=${next.nc} (mc, kc >= 1; nc % ${NR} must be 0)`);
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
  wasmSgemmBatched(1, M, N, K, a, aOff, 0, lda, transA, b, bOff, 0, ldb, transB, c, cOff);
}

/** `batch` GEMMs in one call: C_i[M,N] = op(A_i)·op(B_i) for i < batch, with A_i at a[aOff + i·aStride],
 *  B_i at b[bOff + i·bStride] (a stride of 0 shares one operand) and C_i at c[cOff + i·M·N]; per
 *  problem the `sgemm` contract (../sgemm.ts). Operands outside wasm memory are copied in once (a
 *  shared one once for the batch), and the batch's tiles go to the GEMM threads together, so B small
 *  GEMMs cost one call's overhead instead of B (the (M, C, C) @ (M, C, m/4) mixing products of
 *  Avey-B). Each C element is computed exactly as by `wasmSgemm` on its own problem (same packing,
 *  same K order). */
export function wasmSgemmBatched(
  batch: number, M: number, N: number, K: number,
  a: Float32Array, aOff: number, aStride: number, lda: number, transA: boolean,
  b: Float32Array, bOff: number, bStride: number, ldb: number, transB: boolean,
  c: Float32Array, cOff: number,
): void {
  gemm(batch, M, N, K, a, aOff, aStride, lda, transA, b, bOff, bStride, ldb, transB, c, cOff, null, null);
}

/** What the GEMM epilogue applies to C = op(A)·op(B) (see `wasmSgemmBiasAct`). */
export type GemmActivation = 'none' | 'gelu' | 'geluGrad';

/**
 * C[M,N] = act(op(A)·op(B) + bias) in one pass: the bias row (N floats at bias[biasOff], or none)
 * and the exact GELU are applied by the `bias_act` kernel to each block of C right after its last
 * K block, while it is in cache, instead of in separate passes over C. 'geluGrad' also writes
 * D[M,N] = Φ(z) + z·φ(z) (z = the pre-activation) to d[dOff…]. The bits are those of `wasmSgemm`
 * followed by a float32 bias add and `wasmUnaryF32('gelu')` / `wasmGeluWithGradF32`. Needs
 * M, N, K ≥ 1 (every size runs on wasm, whatever the small-problem threshold). `bConst`: an
 * object that stands for B's contents and that the caller guarantees never change while it lives
 * (a tensor's storage): op(B) is then packed once and reused by later calls (packed-cache.ts).
 */
export function wasmSgemmBiasAct(
  M: number, N: number, K: number,
  a: Float32Array, aOff: number, lda: number, transA: boolean,
  b: Float32Array, bOff: number, ldb: number, transB: boolean,
  c: Float32Array, cOff: number,
  bias: Float32Array | null, biasOff: number, act: GemmActivation, d: Float32Array | null = null, dOff = 0,
  bConst: object | null = null,
): void {
  if (!(M >= 1 && N >= 1 && K >= 1)) throw new BackendError('sgemm', `wasmSgemmBiasAct needs M, N, K >= 1, got ${M}, ${N}, ${K}`);
  if (act === 'geluGrad' && d === null) throw new BackendError('sgemm', "wasmSgemmBiasAct: 'geluGrad' needs the output d");
  gemm(1, M, N, K, a, aOff, 0, lda, transA, b, bOff, 0, ldb, transB, c, cOff, { bias, biasOff, act, d, dOff }, bConst);
}

/**
 * C_i = (op(A_i)·op(B_i)) ⊙ E_i for a batch (operands as `wasmSgemmBatched`), C_i written in place
 * into c at cOff + i·M·cLd with row stride cLd ≥ N (a view of wasm memory; N a multiple of the
 * register tile's NR columns), E_i read at e[eOff + i·eStride] with row stride eLd (wasm memory).
 * The product is multiplied by E block by block, right after each block's last K block, by the
 * `mul_f32` kernel: bitwise `wasmSgemmBatched` followed by a float32 multiply. Avey-B's gated mix
 * (gate ⊙ (S v), written straight into its slot of the layer's output) is its user.
 */
export function wasmSgemmMulInto(
  batch: number, M: number, N: number, K: number,
  a: Float32Array, aOff: number, aStride: number, lda: number, transA: boolean,
  b: Float32Array, bOff: number, bStride: number, ldb: number, transB: boolean,
  c: Float32Array, cOff: number, cLd: number,
  e: Float32Array, eOff: number, eStride: number, eLd: number,
): void {
  if (!(M >= 1 && N >= 1 && K >= 1 && batch >= 1)) throw new BackendError('sgemm', `wasmSgemmMulInto needs batch, M, N, K >= 1, got ${batch}, ${M}, ${N}, ${K}`);
  gemm(batch, M, N, K, a, aOff, aStride, lda, transA, b, bOff, bStride, ldb, transB, c, cOff,
    { bias: null, biasOff: 0, act: 'none', d: null, dOff: 0, cLd, mul: { e, eOff, eLd, eStride } }, null);
}

/**
 * MaxSim: G_i[m, q] = max_{j < S} C_i[m, q·S + j] for the batched C_i = op(A_i)·op(B_i) (arguments as
 * `wasmSgemmBatched`), written to g[gOff + (i·M + m)·(N/S) + q]; C itself never leaves wasm memory.
 * The max is the CPU backend's reduction rule (first of tied maxima, NaN wins), so G equals
 * max(reshape(matmul, [.., N/S, S]), −1) bit for bit. N % S == 0.
 */
export function wasmSgemmGroupMax(
  batch: number, M: number, N: number, K: number,
  a: Float32Array, aOff: number, aStride: number, lda: number, transA: boolean,
  b: Float32Array, bOff: number, bStride: number, ldb: number, transB: boolean,
  S: number, g: Float32Array, gOff: number,
): void {
  if (!(S >= 1 && Number.isInteger(S) && N % S === 0)) throw new BackendError('sgemm', `wasmSgemmGroupMax: N = ${N} is not a multiple of S = ${S}`);
  if (!(M >= 1 && N >= 1 && K >= 1)) throw new BackendError('sgemm', `wasmSgemmGroupMax needs M, N, K >= 1, got ${M}, ${N}, ${K}`);
  gemm(batch, M, N, K, a, aOff, aStride, lda, transA, b, bOff, bStride, ldb, transB, g, gOff,
    { bias: null, biasOff: 0, act: 'none', d: null, dOff: 0, groupS: S }, null);
}

/**
 * MaxSim of a symmetric product: G_i[m, q] = max_{j < S} C_i[m, q·S + j] with C_i = X_i·X_iᵀ, X_i
 * [M, K] at x[xOff + i·xStride] (row stride ldx), G as `wasmSgemmGroupMax` writes it. C is symmetric
 * bit for bit (x·y = y·x, and each entry is the same chain of multiply-adds in the same k order), so
 * only the tiles on and above the diagonal are computed (about half the multiply-adds): a tile above
 * it gives the row maxima of its own rows and, from its columns, those of the mirror tile's rows, in
 * the same order and with the same max rule. Bitwise `wasmSgemmGroupMax(batch, M, M, K, x, …, false,
 * x, …, true, S, g, gOff)` (tested). M % S == 0.
 */
export function wasmSgemmGroupMaxSym(
  batch: number, M: number, K: number, x: Float32Array, xOff: number, xStride: number, ldx: number,
  S: number, g: Float32Array, gOff: number,
): void {
  if (!(S >= 1 && Number.isInteger(S) && M % S === 0)) throw new BackendError('sgemm', `wasmSgemmGroupMaxSym: M = ${M} is not a multiple of S = ${S}`);
  if (!(M >= 1 && K >= 1)) throw new BackendError('sgemm', `wasmSgemmGroupMaxSym needs M, K >= 1, got ${M}, ${K}`);
  gemm(batch, M, M, K, x, xOff, xStride, ldx, false, x, xOff, xStride, ldx, true, g, gOff,
    { bias: null, biasOff: 0, act: 'none', d: null, dOff: 0, groupS: S, sym: true }, null);
}

interface Epilogue {
  bias: Float32Array | null; biasOff: number; act: GemmActivation; d: Float32Array | null; dOff: number;
  /** > 0: C is written in place at this row stride (a heap view, N % NR = 0; not with 'geluGrad') */
  cLd?: number;
  /** C ⊙= E after the last K block: E_i at e[eOff + i·eStride], row stride eLd (a heap view) */
  mul?: { e: Float32Array; eOff: number; eLd: number; eStride: number };
  /** > 0: the MaxSim epilogue instead of writing C (the `c` argument receives G) */
  groupS?: number;
  /** with groupS: A = X, B = Xᵀ (see wasmSgemmGroupMaxSym) */
  sym?: boolean;
}

const gcd = (x: number, y: number): number => (y === 0 ? x : gcd(y, x % y));

/**
 * Tiles of C for the threads: mb rows (a multiple of MR, the register tile's rows; ≥ 8·MR unless M
 * is smaller) × nb columns (a multiple of NR, ≤ NC, ≥ 8·NR unless N is smaller), at least `want`
 * tiles in all where the sizes
 * allow. Every tile packs its own panels, so op(A) is packed once per column of tiles and op(B) once
 * per row of tiles: among the splits into 2^i × 2^j tiles, the one with the least packing traffic,
 * ∝ M·(tiles across) + N·(tiles down), wins (ties: fewer tiles). A tall, narrow C (the MLM head's
 * gradients, 2048 × 256 with K = 8192) is then cut into row bands that pack A once, where cutting
 * its columns first packed A four times. (A prepacked job, threads.ts, packs each operand once
 * whatever the split; there the split only shapes the tiles, and row bands, column bands and
 * squarer tiles measured the same at 512³ and 1024³.)
 */
export function tileShape(batch: number, M: number, N: number, want: number, NC: number, MR: number): { mb: number; nb: number } {
  const Mp = roundUp(M, MR), ldc = roundUp(N, NR);
  let best = { mb: Mp, nb: Math.min(NC, ldc) }, bestCost = Infinity, bestTiles = Infinity;
  for (let nb = Math.min(NC, ldc); ; nb = roundUp(nb >> 1, NR)) {
    for (let mb = Mp; ; mb = roundUp(mb >> 1, MR)) {
      const tm = Math.ceil(M / mb), tn = Math.ceil(N / nb), tiles = batch * tm * tn;
      const enough = tiles >= want;
      const cost = M * tn + N * tm;
      // a split with enough tiles beats one without; then less packing, then fewer tiles
      const key = enough ? cost : Infinity;
      if (key < bestCost || (key === bestCost && (tiles < bestTiles || (!enough && tiles > bestTiles)))) {
        best = { mb, nb };
        bestCost = key;
        bestTiles = tiles;
      }
      if (enough || mb <= 8 * MR) break;
    }
    if (nb <= 8 * NR) break;
  }
  return best;
}

function gemm(
  batch: number, M: number, N: number, K: number,
  a: Float32Array, aOff: number, aStride: number, lda: number, transA: boolean,
  b: Float32Array, bOff: number, bStride: number, ldb: number, transB: boolean,
  c: Float32Array, cOff: number, epi: Epilogue | null, bConst: object | null,
): void {
  if (M === 0 || N === 0 || batch === 0) return;
  if (K === 0) {
    c.fill(0, cOff, cOff + batch * M * N);
    return;
  }
  if (epi === null && M * N * K <= blocking.small) {
    for (let i = 0; i < batch; i++) {
      smallSgemm(M, N, K, a, aOff + i * aStride, lda, transA, b, bOff + i * bStride, ldb, transB, c, cOff + i * M * N);
    }
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
  const nA = aStride === 0 ? 1 : batch, nB = bStride === 0 ? 1 : batch; // distinct operands to copy in
  const MR = rt.mr;
  const ldc = roundUp(N, NR);
  const kcMax = Math.min(KC, K);
  // tiles of C: mb × nb (see threads.ts); big problems are split among the GEMM threads
  const parallel = batch * M * N * K >= PARALLEL_MIN;
  const threads = parallel ? maxTileThreads(rt) : 1;
  let { mb, nb } = tileShape(batch, M, N, threads > 1 ? TILES_PER_THREAD * threads : 1, NC, MR);
  const groupS = epi?.groupS ?? 0;
  // MaxSim tiles hold whole groups: widths a multiple of L = lcm(S, NR)
  const L = groupS > 0 ? (groupS / gcd(groupS, NR)) * NR : NR;
  if (groupS > 0) nb = Math.max(L, Math.floor(nb / L) * L);
  const sym = epi?.sym === true;
  let MCj = MC;
  if (sym) {
    // square tiles of whole groups (a multiple of L, at most NC unless one group is wider), halved
    // until the upper triangle has enough tiles for the threads; packed A blocks of whole groups,
    // so a tile's column maxima never straddle two blocks
    const want = threads > 1 ? TILES_PER_THREAD * threads : 1;
    const tri = (t: number): number => (t * (t + 1)) / 2;
    let tb = Math.min(roundUp(M, L), Math.max(L, Math.floor(NC / L) * L));
    while (tb > L && batch * tri(Math.ceil(M / tb)) < want) tb = Math.max(L, Math.floor(tb / 2 / L) * L);
    mb = nb = tb;
    MCj = Math.max(groupS, Math.floor(MC / groupS) * groupS);
  }
  // Prepacked (threads.ts): op(A) and op(B) packed once each, instead of once per column / row of
  // tiles, when there is more than one tile and the packed copies are not too large
  const Mp = roundUp(M, MR);
  const prepackBytes = 4 * K * (nA * Mp + nB * ldc);
  const pre = !sym && batch * Math.ceil(M / mb) * Math.ceil(N / nb) > 1 && prepackBytes <= PREPACK_MAX_BYTES;
  const heap = rt.heap;
  // a constant op(B) (packed-cache.ts): its cached packed copy, or a new one that this call fills
  const constLayout = bConst !== null && batch === 1 && !sym ? `${bOff},${ldb},${transB ? 1 : 0},${N},${K},${KC}` : '';
  const cached = constLayout !== '' && bConst !== null ? packedOperand(heap, bConst, constLayout, K * ldc) : null;
  // what runTiles packs up front (bits, threads.ts TileJob.pre): 1 op(A), 2 op(B); 4 op(B) is cached
  const preBits = cached === null ? (pre ? 3 : 0) : (pre ? 1 : 0) | (cached.ready ? 4 : 2);
  if (preBits & 1) MCj = Math.max(MR, Math.floor(MCj / MR) * MR); // row blocks start on sliver boundaries
  const mcMax = roundUp(Math.min(MCj, mb), MR); // packed rows: whole slivers
  const paBytes = align(4 * ((preBits & 1 ? 0 : mcMax * kcMax) + MR * NR)), pbBytes = preBits & 6 ? 0 : align(4 * kcMax * nb);

  // Operands that are views of wasm memory (tensor storage, heap.ts) are used where they are, at any
  // row stride; others are copied into the scratch area. C (and D) are written in place when they
  // are heap views whose rows need no padding (N % NR == 0), else into scratch and copied out.
  const aHeap = heap.ptr(a, aOff), bHeap = heap.ptr(b, bOff);
  const cLd = epi?.cLd ?? 0; // C in place at its own row stride (wasmSgemmMulInto)
  const cHeap = groupS === 0 && (ldc === N || cLd > 0) ? heap.ptr(c, cOff) : -1;
  if (cLd > 0 && !(cHeap >= 0 && ldc === N && cLd >= N && epi?.act !== 'geluGrad')) {
    throw new BackendError('sgemm', `C with row stride ${cLd} needs a wasm-memory output and N = ${N} a multiple of ${NR}`);
  }
  const mul = epi?.mul;
  const pE = mul === undefined ? 0 : heap.ptr(mul.e, mul.eOff);
  if (mul !== undefined && pE < 0) throw new BackendError('sgemm', 'the C ⊙ E epilogue needs E in wasm memory');
  const dHeap = epi !== null && epi.act === 'geluGrad' && epi.d !== null && cHeap >= 0 ? heap.ptr(epi.d, epi.dOff) : -1;
  const aBytes = aHeap >= 0 ? 0 : align(4 * sa.floats), bBytes = bHeap >= 0 ? 0 : align(4 * sb.floats);
  const cBytes = align(4 * M * ldc);
  // MaxSim: C is never an output, so each thread computes its tile into a buffer of its own
  // (mb × nb; a whole C of the ranker's 8,192 tokens would be 256 MiB)
  const tileC = groupS > 0 ? align(4 * mb * nb) : 0;

  const epiMode = epi === null ? 0 : (epi.bias !== null ? 1 : 0) | (epi.act === 'gelu' ? 2 : epi.act === 'geluGrad' ? 4 : 0);
  const dScratch = epi !== null && epi.act === 'geluGrad' && dHeap < 0;

  // scratch layout (byte offsets from its start)
  const oA = 0;
  const oB = oA + nA * aBytes;
  const oC = oB + nB * bBytes;
  const oD = oC + (tileC > 0 ? threads * tileC : cHeap >= 0 ? 0 : batch * cBytes); // D of the 'geluGrad' epilogue, laid out as C
  const oBias = oD + (dScratch ? batch * cBytes : 0);      // the bias row, zero-padded to ldc
  const oG = oBias + (epiMode & 1 ? align(4 * ldc) : 0);   // G of the MaxSim epilogue: [batch, M, N/S]
  const oPA = oG + (groupS > 0 ? align(4 * batch * M * (N / groupS)) : 0);
  const oPB = oPA + threads * paBytes;
  const oAP = oPB + threads * pbBytes;                     // prepacked op(A), then op(B)
  const oBP = oAP + (preBits & 1 ? align(4 * K * nA * Mp) : 0);
  const S0 = rt.scratch(oBP + (cached === null && pre ? align(4 * K * nB * ldc) : 0), 'sgemm');
  const f32 = rt.f32;

  const pBias = S0 + oBias, pG = S0 + oG;
  const pC = cHeap >= 0 ? cHeap : S0 + oC;
  const cBs = cHeap >= 0 ? 4 * M * (cLd > 0 ? cLd : N) : cBytes; // byte stride between the batch's C
  const pD = dHeap >= 0 ? dHeap : S0 + oD;
  if (epi !== null && epi.bias !== null) {
    f32.set(epi.bias.subarray(epi.biasOff, epi.biasOff + N), pBias >> 2);
    f32.fill(0, (pBias >> 2) + N, (pBias >> 2) + ldc);
  }
  let lda2 = lda, ldb2 = ldb, pA = aHeap, pB = bHeap, aBs = 4 * aStride, bBs = 4 * bStride;
  if (aHeap < 0) {
    pA = S0 + oA;
    aBs = nA === 1 ? 0 : aBytes;
    for (let i = 0; i < nA; i++) lda2 = copyIn(f32, a, aOff + i * aStride, aRows, aCols, lda, sa.dense, pA + i * aBytes);
  }
  if (bHeap < 0 && cached?.ready !== true) { // (a cached op(B) is not read)
    pB = S0 + oB;
    bBs = nB === 1 ? 0 : bBytes;
    for (let i = 0; i < nB; i++) ldb2 = copyIn(f32, b, bOff + i * bStride, bRows, bCols, ldb, sb.dense, pB + i * bBytes);
  }
  // byte strides of op(A)[i, k] and of op(B)ᵀ[j, k] (pack_b packs the transpose's rows as slivers)
  const aRs = transA ? 4 : 4 * lda2, aCs = transA ? 4 * lda2 : 4;
  const bRs = transB ? 4 * ldb2 : 4, bCs = transB ? 4 : 4 * ldb2;

  const job = {
    pA, aRs, aCs, pB, bRs, bCs, pC, ldc: tileC > 0 ? nb : cLd > 0 ? cLd : ldc, M, N, K, KC, mb, nb, pPA: S0 + oPA, paBytes, pPB: S0 + oPB, pbBytes, MC: MCj,
    batch, aBs, bBs, cBs,
    epi: epiMode, pBias, pD, S: groupS, pG, sym: sym ? 1 : 0, tileC,
    pre: preBits, pAP: S0 + oAP, pBP: cached === null ? S0 + oBP : cached.ptr,
    pE: Math.max(pE, 0), eRs: mul === undefined ? 0 : 4 * mul.eLd, eBs: mul === undefined ? 0 : 4 * mul.eStride,
  };
  try {
    runTileJob(rt, job, threads > 1);
  } catch (e) {
    if (cached !== null && !cached.ready && bConst !== null) dropPacked(bConst, constLayout); // maybe half filled
    throw e;
  }

  const out = rt.f32; // the job does not grow memory, but re-read the view anyway
  const copyOut = (p: number, dst: Float32Array, dstOff: number): void => {
    for (let bi = 0; bi < batch; bi++) {
      const c0 = (p + bi * cBs) >> 2, o = dstOff + bi * M * N;
      if (ldc === N) dst.set(out.subarray(c0, c0 + M * N), o);
      else for (let i = 0; i < M; i++) dst.set(out.subarray(c0 + i * ldc, c0 + i * ldc + N), o + i * N);
    }
  };
  if (groupS > 0) {
    const g0 = pG >> 2;
    c.set(out.subarray(g0, g0 + batch * M * (N / groupS)), cOff);
    return;
  }
  if (cHeap < 0) copyOut(pC, c, cOff);
  if (dScratch && epi !== null && epi.d !== null) copyOut(pD, epi.d, epi.dOff);
}
