// Multi-threaded tile driver of the wasm sgemm (gemm.ts).
//
// The GEMM's C = op(A)·op(B) is cut into tiles of C, (mb rows) × (nb columns), mb a multiple of MR
// (the runtime's register-tile rows) and nb of NR. A tile is computed independently of every other
// one (thread t's buffers PA_t, PB_t):
//   for pc over K by KC:  pack_b(op(B)[pc:pc+kc, j0:j0+nb]) → PB_t
//     for ic over the tile's rows by MC:  pack_a(op(A)[ic:ic+MC, pc:pc+kc]) → PA_t
//       macro(PA_t, PB_t, C[ic:, j0:], first K block stores, later ones add)
// so each C element sums its K blocks in the same order, with the same micro-kernel, whatever the
// number of threads: results are bitwise identical to the single-threaded run.
// Packing per tile repeats work: op(A) is packed once per column of tiles and op(B) once per row.
// Prepacked jobs (`pre`) pack each operand once instead, in a first phase whose tasks (row blocks of
// op(A), column blocks of op(B), per K block) the threads take from a second counter (PACK); a thread
// that finds none left waits for PACKED = the task count, then the tiles read the packed blocks in
// place. The packed bytes are the same either way, so the results are too. A constant op(B) (a
// weight, packed-cache.ts) may come already packed: then it has no pack tasks.
// MaxSim jobs (S > 0) reduce each tile as it is computed, in a per-thread C buffer; for a symmetric
// C = X·Xᵀ (`sym`) only the tiles on and above the diagonal run, and each one above it also gives
// the maxima of its mirror tile from its columns.
//
// Threads take tiles from a shared counter (Atomics.add), so a thread that is descheduled (the
// machine is shared) simply takes fewer tiles. On Node, one worker (by default cores − 1, at most
// AVEY_CPU_THREADS − 1) instantiates the shared-memory kernels module over the same
// WebAssembly.Memory (runtime.ts). Protocol on the control words (Int32Array over a SharedArrayBuffer):
//   main:   write params; TILE = 0; STATE = open(seq); SEQ = seq; notify(SEQ)
//           run tiles;  CAS(STATE, open(seq) → closed(seq)):  succeeded → the worker never joined, done;
//           failed → the worker joined: wait until DONE = seq
//   worker: wait(SEQ ≠ seen);  CAS(STATE, open(seq) → joined(seq)):  succeeded → run tiles; DONE = seq; notify
// After a job the worker polls SEQ for up to SPIN µs (AVEY_CPU_SPIN_US, default 2000) before it
// sleeps in Atomics.wait: a model's GEMMs come a few hundred µs apart, and waking a sleeping thread
// costs tens of µs of the next job (Avey-B small at 128 tokens: 24.2 → 23.8 ms, and 26.6 → 25.2 ms
// in a slower hour; alternated A/B in one process).
// A worker that wakes late finds the job closed and goes back to sleep: the main thread never waits
// for a worker that has not started, only for one that is in the middle of its last tile.

import { BackendError } from '../../errors.js';
import { envVar, hostProcess } from '../host.js';
import { NR } from './kernels.gen.js';
import { wasmRuntime, type KernelExports, type WasmRuntime } from './runtime.js';

// control words (Int32Array indices)
const SEQ = 0, STATE = 1, DONE = 2, TILE = 3, PACK = 4, PACKED = 5, SPIN = 6;
/** PACKED / TILE after a throw: more than any job's task or tile count (releases the other threads). */
const RELEASED = 0x3fffffff;
const CTL_INTS = 8;
// parameter words (Uint32Array indices, after the control words): 0…27 a tile job, 28 the job kind
// (0 = GEMM tiles, else a row job's kernel, ROW_KERNELS), 29…39 the row job, 40…44 the tile job's
// `sym`, `tileC`, `pre`, `pAP`, `pBP`, 45…47 its `pE`, `eRs`, `eBs`
const NPARAM = 48;
const SYM = 40, TILE_C = 41, PRE = 42, PAP = 43, PBP = 44, PE = 45, ERS = 46, EBS = 47;
/** Columns of op(B) per pack task of a prepacked job (a multiple of NR). */
const PACK_B_COLS = 128;
const KIND = 28;

/**
 * Row jobs: kernels whose rows (or, for flat maps, runs of elements) are independent, run by every
 * thread over chunks of `chunk` rows taken from the shared counter. Pointers are byte addresses of
 * row 0; row r of a pointer argument is at p + r·stride (bytes per row, in the order of the args).
 *   map2   k[name](x, y, out, rows)          flat binary map (rows = elements, strides 4)
 *   map1   k[name](x, out, rows)             flat unary map
 *   gelu2  k.gelu_with_grad_f32(x, y, d, rows)
 *   softmax k.softmax_rows(x, out, rows, cols, mx, sm)   (mx: 4 bytes per row, sm: 8)
 *   rowsop k[name](x, out, rows, cols, s)    row-scalar map (s: 4 bytes per row)
 *   adamw  k.adamw_f32(p, g, m, v, rows, h)  (rows = elements)
 */
export const ROW_KERNELS = [
  '', 'add_f32', 'sub_f32', 'mul_f32', 'div_f32', 'exp_f32', 'erf_f32', 'gelu_f32', 'sigmoid_f32', 'gelu_with_grad_f32', 'softmax_rows',
  'rows_add', 'rows_sub', 'rows_mul', 'rows_div', 'rows_rsub', 'rows_rdiv', 'adamw_f32',
] as const;
export type RowKernel = Exclude<(typeof ROW_KERNELS)[number], ''>;

/** One row job: `kernel` over `rows` rows in chunks of `chunk`; up to 4 pointer arguments, the byte
 *  strides per row of the first 3 (the 4th's follows from the kernel); `cols` (softmax, row-scalar
 *  maps) and `h` (adamw's hyper-parameters). */
export interface RowJob {
  kernel: RowKernel; rows: number; chunk: number; cols: number;
  ptrs: readonly number[]; strides: readonly number[]; h?: number;
}
const MAX_THREADS = 16;

/** One tile job: byte offsets into wasm memory and sizes. A, B as stored (see gemm.ts), C [·, ldc]. */
export interface TileJob {
  pA: number; aRs: number; aCs: number;
  pB: number; bRs: number; bCs: number;
  pC: number; ldc: number;
  M: number; N: number; K: number; KC: number;
  /** tile rows (multiple of the runtime's MR) and columns (multiple of NR); MC: rows of one packed A block */
  mb: number; nb: number; MC: number;
  /** per-thread packed-A and packed-B buffers: thread t uses pPA + t·paBytes, pPB + t·pbBytes (a
   *  prepacked job uses only the first MR·NR floats of its PA_t: the partial-sliver tile) */
  pPA: number; paBytes: number; pPB: number; pbBytes: number;
  /** batched GEMM: `batch` independent problems, problem b at pA + b·aBs, pB + b·bBs, pC + b·cBs
   *  (byte strides; 0 = shared operand) */
  batch: number; aBs: number; bBs: number; cBs: number;
  /** epilogue on each C block after its last K block (kernels `bias_act`): 0 none, else its mode
   *  bits (1 bias row at pBias, 2 GELU, 4 GELU and its derivative into D at pD, laid out as C) */
  epi: number; pBias: number; pD: number;
  /** MaxSim epilogue (kernels `group_max`) when S > 0: G[b, i, q] = max over columns qS…qS+S−1 of C
   *  row i, G at pG as [batch, M, N/S] (then C itself is not needed after the tile) */
  S: number; pG: number;
  /** 1: C = X·Xᵀ is symmetric (A = X, B = Xᵀ, M = N, square tiles mb = nb and MC multiples of S):
   *  only tiles on and above the diagonal are computed, and each one above it also writes the
   *  maxima of its mirror tile from its columns (kernel `group_max_cols`) */
  sym: number;
  /** > 0 (MaxSim jobs, whose C is not an output): each thread computes a tile into its own C
   *  buffer of `tileC` bytes at pC + t·tileC, row stride ldc (= nb), instead of into a whole C */
  tileC: number;
  /** Bits: 1 op(A) and 2 op(B) are packed once, before the tiles (not with `sym`; with 1, MC is a
   *  multiple of MR); 4 op(B) is already packed (a cached constant). Per distinct problem i (one
   *  when the operand's batch stride is 0) and K block pc (kc deep), op(A) is packed at pAP +
   *  4·(i·Mp·K + Mp·pc) as ⌈M/MR⌉ slivers of kc × MR, op(B) at pBP + 4·(i·Np·K + Np·pc) as ⌈N/NR⌉
   *  slivers of kc × NR (Mp, Np: M, N rounded up to MR, NR). Without 1 (2 and 4), tiles pack op(A)
   *  per tile into PA_t. */
  pre: number; pAP: number; pBP: number;
  /** > 0: after its last K block each C block is multiplied by E's (kernel `mul_f32`, row by row);
   *  E of problem b at pE + b·eBs, row stride eRs (bytes) */
  pE: number; eRs: number; eBs: number;
}

/** The tile loop, as source so that the worker (eval'd code, no module imports) runs the same code.
 *  runTiles(k, ctl, P, t): thread t takes tiles from ctl[TILE] until none are left. */
const RUN_TILES_SRC = `const NAMES = ${JSON.stringify(ROW_KERNELS)};
function runRows(k, ctl, P) {
  const f = k[NAMES[P[${KIND}]]], name = NAMES[P[${KIND}]];
  const rows = P[29], chunk = P[30], cols = P[31], h = P[32];
  const p0 = P[33], p1 = P[34], p2 = P[35], p3 = P[36], s0 = P[37], s1 = P[38], s2 = P[39];
  // strides of p3 (adamw's v: 4 bytes per element; softmax's sm: 8 per row) follow from the kernel
  const s3 = name === 'softmax_rows' ? 8 : 4;
  for (;;) {
    const r0 = Atomics.add(ctl, ${TILE}, 1) * chunk;
    if (r0 >= rows) return;
    const r = Math.min(chunk, rows - r0);
    const a = p0 + r0 * s0, b = p1 + r0 * s1, c = p2 + r0 * s2, d = p3 + r0 * s3;
    switch (name) {
      case 'add_f32': case 'sub_f32': case 'mul_f32': case 'div_f32': case 'gelu_with_grad_f32': f(a, b, c, r); break;
      case 'exp_f32': case 'erf_f32': case 'gelu_f32': case 'sigmoid_f32': f(a, b, r); break;
      case 'softmax_rows': f(a, b, r, cols, c, d); break;
      case 'adamw_f32': f(a, b, c, d, r, h); break;
      default: f(a, b, r, cols, c); // rows_*: (x, out, rows, cols, s)
    }
  }
}
function runTiles(k, ctl, P, t) {
  if (P[${KIND}] !== 0) return runRows(k, ctl, P);
  const pA0 = P[0], aRs = P[1], aCs = P[2], pB0 = P[3], bRs = P[4], bCs = P[5], pC0 = P[6], ldc = P[7];
  const M = P[8], N = P[9], K = P[10], KC = P[11], mb = P[12], nb = P[13], MC = P[18];
  const pPA = P[14] + t * P[15], pPB = P[16] + t * P[17];
  const batch = P[19], aBs = P[20], bBs = P[21], cBs = P[22], epi = P[23], pBias = P[24], pD0 = P[25];
  const S = P[26], pG0 = P[27], gld = S > 0 ? N / S : 0, sym = P[${SYM}], tileC = P[${TILE_C}];
  const pre = P[${PRE}], pAP = P[${PAP}], pBP = P[${PBP}], pE0 = P[${PE}], eRs = P[${ERS}], eBs = P[${EBS}];
  const MR = k.mr.value, Mp = Math.ceil(M / MR) * MR, Np = Math.ceil(N / ${NR}) * ${NR};
  if (pre & 3) { // phase 1: the pack tasks, per distinct problem and K block: MC rows of op(A), ${PACK_B_COLS} columns of op(B)
    const nkb = Math.ceil(K / KC), ca = Math.ceil(M / MC), cb = Math.ceil(N / ${PACK_B_COLS});
    const tA = pre & 1 ? (aBs === 0 ? 1 : batch) * nkb * ca : 0, total = tA + (pre & 2 ? (bBs === 0 ? 1 : batch) * nkb * cb : 0);
    for (;;) {
      let q = Atomics.add(ctl, ${PACK}, 1);
      if (q >= total) break;
      const isA = q < tA, c = isA ? ca : cb;
      if (!isA) q -= tA;
      const i = Math.floor(q / (nkb * c)), r = q - i * nkb * c, p = Math.floor(r / c), ch = r - p * c;
      const pc = p * KC, kc = Math.min(KC, K - pc);
      if (isA) {
        const r0 = ch * MC;
        k.pack_a(pA0 + i * aBs + r0 * aRs + pc * aCs, aRs, aCs, Math.min(MC, M - r0), kc, pAP + 4 * (i * Mp * K + Mp * pc + r0 * kc));
      } else {
        const j0 = ch * ${PACK_B_COLS};
        k.pack_b(pB0 + i * bBs + j0 * bRs + pc * bCs, bRs, bCs, Math.min(${PACK_B_COLS}, N - j0), kc, pBP + 4 * (i * Np * K + Np * pc + j0 * kc));
      }
      Atomics.add(ctl, ${PACKED}, 1);
    }
    while (Atomics.load(ctl, ${PACKED}) < total); // another thread's last pack tasks (short)
  }
  const tm = Math.ceil(M / mb), tn = Math.ceil(N / nb), per = sym ? (tm * (tm + 1)) / 2 : tm * tn, nt = batch * per;
  for (;;) {
    const q0 = Atomics.add(ctl, ${TILE}, 1);
    if (q0 >= nt) return;
    // tile q0 = (problem bi, tile row ti, tile column tj)
    const bi = Math.floor(q0 / per), q = q0 - bi * per;
    const pA = pA0 + bi * aBs, pB = pB0 + bi * bBs, pC = tileC > 0 ? pC0 + t * tileC : pC0 + bi * cBs;
    let ti = 0, tj = 0;
    if (sym) { // q-th tile of the upper triangle, row by row
      let rest = q;
      while (rest >= tm - ti) { rest -= tm - ti; ti++; }
      tj = ti + rest;
    } else {
      ti = Math.floor(q / tn);
      tj = q - ti * tn;
    }
    const i0 = ti * mb, j0 = tj * nb;
    const i1 = Math.min(i0 + mb, M), nr = Math.min(nb, N - j0);
    const nrp = Math.ceil(nr / ${NR}) * ${NR};
    // this problem's packed operands (prepacked jobs)
    const pAb = pAP + (aBs === 0 ? 0 : 4 * bi * Mp * K), pBb = pBP + (bBs === 0 ? 0 : 4 * bi * Np * K);
    for (let pc = 0; pc < K; pc += KC) {
      const kc = Math.min(KC, K - pc);
      let pb = pPB;
      if (pre & 6) pb = pBb + 4 * (Np * pc + j0 * kc);
      else k.pack_b(pB + j0 * bRs + pc * bCs, bRs, bCs, nr, kc, pPB);
      for (let ic = i0; ic < i1; ic += MC) {
        const mr = Math.min(MC, i1 - ic);
        let pa = pPA, tile = pPA; // a prepacked job's PA_t is just the partial-sliver tile
        if (pre & 1) pa = pAb + 4 * (Mp * pc + ic * kc);
        else {
          k.pack_a(pA + ic * aRs + pc * aCs, aRs, aCs, mr, kc, pPA);
          tile = pPA + 4 * Math.ceil(mr / MR) * MR * kc; // the spare tile after the packed block
        }
        const cp = pC + 4 * (tileC > 0 ? (ic - i0) * ldc : ic * ldc + j0); // C block (ic, j0)
        k.macro(pa, pb, cp, mr, nrp, kc, 4 * ldc, pc > 0 ? 1 : 0, tile);
        if (pE0 !== 0 && pc + kc >= K) {
          for (let r = 0, cr = cp, er = pE0 + bi * eBs + ic * eRs + 4 * j0; r < mr; r++, cr += 4 * ldc, er += eRs) k.mul_f32(cr, er, cr, nr);
        }
        if (epi !== 0 && pc + kc >= K) k.bias_act(cp, 4 * ldc, mr, nrp, pBias + 4 * j0, epi, pD0 + bi * cBs + 4 * (ic * ldc + j0));
        if (S > 0 && pc + kc >= K) k.group_max(cp, 4 * ldc, mr, nr, S, pG0 + 4 * ((bi * M + ic) * gld + j0 / S), 4 * gld);
        if (sym && ti !== tj && pc + kc >= K) k.group_max_cols(cp, 4 * ldc, mr, nr, S, pG0 + 4 * ((bi * M + j0) * gld + ic / S), 4 * gld);
      }
    }
  }
}
return runTiles;`;

type RunTiles = (k: KernelExports, ctl: Int32Array, P: Uint32Array, t: number) => void;
const runTiles = new Function(RUN_TILES_SRC)() as RunTiles;

const WORKER_SRC = `
const { workerData } = require('node:worker_threads');
const { module, memory, ctlBuf, t } = workerData;
const k = new WebAssembly.Instance(module, { env: { memory } }).exports;
const ctl = new Int32Array(ctlBuf, 0, ${CTL_INTS});
const P = new Uint32Array(ctlBuf, ${CTL_INTS * 4}, ${NPARAM});
const runTiles = new Function(workerData.src)();
let seen = 0;
for (;;) {
  const spin = Atomics.load(ctl, ${SPIN}); // µs of polling before sleeping
  if (spin > 0) for (const t0 = performance.now(); Atomics.load(ctl, ${SEQ}) === seen && performance.now() - t0 < spin / 1000;);
  Atomics.wait(ctl, ${SEQ}, seen);
  const seq = Atomics.load(ctl, ${SEQ});
  if (seq === seen) continue;
  if (seq < 0) break;
  seen = seq;
  if (Atomics.compareExchange(ctl, ${STATE}, seq * 4, seq * 4 + 1) !== seq * 4) continue;
  // (a throw releases the pack phase, so the main thread cannot wait on its tasks forever)
  try { runTiles(k, ctl, P, t); } catch (e) { Atomics.store(ctl, ${PACKED}, ${RELEASED}); throw e; } finally { Atomics.store(ctl, ${DONE}, seq); Atomics.notify(ctl, ${DONE}); }
}
`;

interface WorkerLike {
  unref(): void;
  on(ev: 'error' | 'exit', f: (e: unknown) => void): unknown;
}
type WorkerCtor = new (src: string, opts: { eval: true; workerData: unknown }) => WorkerLike;

/** A pool of one worker (the GEMMs of this library use at most two threads: the main one + 1). */
class GemmPool {
  readonly ctl: Int32Array;
  readonly P: Uint32Array;
  readonly threads: number;
  private seq = 0;
  private alive = true;

  constructor(rt: WasmRuntime, Worker: WorkerCtor, workers: number) {
    const sab = new SharedArrayBuffer(4 * (CTL_INTS + NPARAM));
    this.ctl = new Int32Array(sab, 0, CTL_INTS);
    this.P = new Uint32Array(sab, 4 * CTL_INTS, NPARAM);
    Atomics.store(this.ctl, SPIN, spinMicros());
    const shared = rt.shared;
    if (shared === null) throw new Error('no shared memory');
    for (let t = 1; t <= workers; t++) {
      const w = new Worker(WORKER_SRC, { eval: true, workerData: { module: shared.module, memory: shared.memory, ctlBuf: sab, t, src: RUN_TILES_SRC } });
      w.on('error', () => { this.alive = false; });
      w.on('exit', () => { this.alive = false; });
      w.unref();
    }
    this.threads = workers + 1;
  }

  get usable(): boolean {
    return this.alive;
  }

  /** Runs every tile (or row chunk) of the job whose parameters `write` puts in P, on this thread
   *  and whichever workers join in time. */
  run(k: KernelExports, write: (P: Uint32Array) => void): void {
    const { P, ctl } = this;
    write(P);
    this.seq = this.seq >= 0x1fffffff ? 1 : this.seq + 1;
    const seq = this.seq;
    Atomics.store(ctl, TILE, 0);
    Atomics.store(ctl, PACK, 0);
    Atomics.store(ctl, PACKED, 0);
    Atomics.store(ctl, STATE, seq * 4);
    Atomics.store(ctl, SEQ, seq);
    Atomics.notify(ctl, SEQ);
    try {
      runTiles(k, ctl, P, 0);
    } catch (e) {
      // let a worker that waits on this thread's pack tasks, or takes tiles, finish; then rethrow
      Atomics.store(ctl, PACKED, RELEASED);
      Atomics.store(ctl, TILE, RELEASED);
      this.finish(seq);
      throw e;
    }
    this.finish(seq);
  }

  /** Closes job `seq`: at once if no worker joined it, else when the worker that did is done. */
  private finish(seq: number): void {
    const { ctl } = this;
    if (Atomics.compareExchange(ctl, STATE, seq * 4, seq * 4 + 2) === seq * 4) return; // nobody joined
    for (;;) {
      const d = Atomics.load(ctl, DONE);
      if (d === seq) return;
      Atomics.wait(ctl, DONE, d, 1000);
    }
  }
}

function writeParams(P: Uint32Array, job: TileJob): void {
  P[0] = job.pA; P[1] = job.aRs; P[2] = job.aCs; P[3] = job.pB; P[4] = job.bRs; P[5] = job.bCs;
  P[6] = job.pC; P[7] = job.ldc; P[8] = job.M; P[9] = job.N; P[10] = job.K; P[11] = job.KC;
  P[12] = job.mb; P[13] = job.nb; P[14] = job.pPA; P[15] = job.paBytes; P[16] = job.pPB; P[17] = job.pbBytes; P[18] = job.MC;
  P[19] = job.batch; P[20] = job.aBs; P[21] = job.bBs; P[22] = job.cBs; P[23] = job.epi; P[24] = job.pBias; P[25] = job.pD;
  P[26] = job.S; P[27] = job.pG; P[KIND] = 0; P[SYM] = job.sym; P[TILE_C] = job.tileC;
  P[PRE] = job.pre; P[PAP] = job.pAP; P[PBP] = job.pBP; P[PE] = job.pE; P[ERS] = job.eRs; P[EBS] = job.eBs;
}

function writeRowParams(P: Uint32Array, job: RowJob): void {
  P[KIND] = ROW_KERNELS.indexOf(job.kernel);
  P[29] = job.rows; P[30] = job.chunk; P[31] = job.cols; P[32] = job.h ?? 0;
  for (let i = 0; i < 4; i++) P[33 + i] = job.ptrs[i] ?? 0;
  for (let i = 0; i < 3; i++) P[37 + i] = job.strides[i] ?? 0;
}

let pool: GemmPool | null | undefined;
let spinUs = -1; // the workers' polling time after a job (−1: AVEY_CPU_SPIN_US, else 2000)

function spinMicros(): number {
  if (spinUs < 0) {
    const env = envVar('AVEY_CPU_SPIN_US');
    const n = env === undefined || env === '' ? 2000 : Number(env);
    if (!(Number.isFinite(n) && n >= 0)) throw new BackendError('AVEY_CPU_SPIN_US', `must be a number of µs ≥ 0, got '${env}'`);
    spinUs = Math.min(Math.floor(n), 1_000_000);
  }
  return spinUs;
}

/** How long (µs) a GEMM worker polls for the next job before it sleeps (null: AVEY_CPU_SPIN_US,
 *  default 2000; 0 sleeps at once, the CPU-frugal choice on a machine shared with busy processes). */
export function setWasmWorkerSpin(us: number | null): void {
  spinUs = us === null ? -1 : Math.max(0, Math.min(Math.floor(us), 1_000_000));
  if (pool) Atomics.store(pool.ctl, SPIN, spinMicros());
}
let wanted = -1; // threads requested with setWasmGemmThreads (−1: default)
const localCtl = new Int32Array(CTL_INTS);
const localP = new Uint32Array(NPARAM);

function envThreads(): number {
  const env = envVar('AVEY_CPU_THREADS');
  if (env !== undefined && env !== '') {
    const n = Number(env);
    if (Number.isInteger(n) && n >= 1) return Math.min(n, MAX_THREADS);
  }
  const os = hostProcess()?.getBuiltinModule?.('node:os') as { availableParallelism?: () => number; cpus?: () => unknown[] } | undefined;
  const cores = os?.availableParallelism?.() ?? os?.cpus?.().length ?? 1;
  return Math.max(1, Math.min(cores, 2)); // the wasm GEMM stops scaling usefully here; keep the rest free
}

/** The worker pool for `rt`, created on first use; null when single-threaded (1 thread wanted, no
 *  shared memory, or no node:worker_threads). */
function poolFor(rt: WasmRuntime): GemmPool | null {
  if (pool !== undefined) return pool !== null && pool.usable ? pool : null;
  pool = null;
  const threads = wanted > 0 ? wanted : envThreads();
  if (threads <= 1 || rt.shared === null) return null;
  const wt = hostProcess()?.getBuiltinModule?.('node:worker_threads') as { Worker?: WorkerCtor } | undefined;
  if (!wt?.Worker) return null;
  spinMicros(); // a bad AVEY_CPU_SPIN_US is the caller's error, not a reason to run single-threaded
  try {
    pool = new GemmPool(rt, wt.Worker, threads - 1);
  } catch {
    pool = null;
  }
  return pool;
}

let single = false;

/** Threads the wasm sgemm uses for large problems (1 = only the calling thread). Starts the worker
 *  pool if it is not running yet. */
export function wasmGemmThreads(): number {
  const rt = wasmRuntime();
  if (rt === null || single) return 1;
  return poolFor(rt)?.threads ?? 1;
}

/** Sets the number of wasm sgemm threads: n ≥ 1, or null for the default (AVEY_CPU_THREADS, else
 *  min(cores, 2)). A pool that already runs keeps its workers; n = 1 stops using them. */
export function setWasmGemmThreads(n: number | null): void {
  wanted = n === null ? -1 : Math.max(1, Math.min(MAX_THREADS, Math.floor(n)));
  single = wanted === 1;
  if (pool === null) pool = undefined; // no pool yet: decide again with the new count
}

/** Runs the job that `write` describes: on the pool when `parallel` and a pool is usable, else on
 *  this thread. */
function runJob(rt: WasmRuntime, write: (P: Uint32Array) => void, parallel: boolean): void {
  const p = parallel && !single ? poolFor(rt) : null;
  if (p !== null) {
    p.run(rt.k, write);
    return;
  }
  write(localP);
  localCtl[TILE] = 0;
  localCtl[PACK] = 0;
  localCtl[PACKED] = 0;
  runTiles(rt.k, localCtl, localP, 0);
}

/** Runs every tile of `job`: on the pool when `parallel` and a pool is usable, else on this thread. */
export function runTileJob(rt: WasmRuntime, job: TileJob, parallel: boolean): void {
  runJob(rt, (P) => writeParams(P, job), parallel);
}

/** Runs a row job (see ROW_KERNELS) over the GEMM threads when there is a pool, else on this thread.
 *  Every row is computed by the same kernel call shape whatever thread takes it, so the result does
 *  not depend on the thread count. */
export function runRowJob(rt: WasmRuntime, job: RowJob): void {
  runJob(rt, (P) => writeRowParams(P, job), true);
}

/** Whether row jobs have a second thread to share the work with (else callers keep their own loop). */
export function rowJobsParallel(rt: WasmRuntime): boolean {
  return !single && poolFor(rt) !== null;
}

/** Threads a tile job of `rt` may use (sizes the per-thread pack buffers). */
export function maxTileThreads(rt: WasmRuntime): number {
  return single ? 1 : poolFor(rt)?.threads ?? 1;
}
