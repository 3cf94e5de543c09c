// Generates the WebAssembly SIMD128 kernels of the CPU backend.
//
//   npx tsx packages/tensor/scripts/gen-wasm-kernels.ts          # rewrite the generated files
//   npx tsx packages/tensor/scripts/gen-wasm-kernels.ts --check  # exit 1 if they are stale
//
// The WAT text is built here (the GEMM micro-kernel is unrolled, so it is easier to generate than
// to write by hand), compiled with the `wabt` npm package, and written to
//   src/cpu/wasm/kernels.wat     the text, for reading and diffing
//   src/cpu/wasm/kernels.gen.ts  the binary as base64 plus the tile constants the loader needs
// Both are committed; test/wasm-gen.test.ts regenerates them and fails if they differ, so the
// runtime never needs wabt.
//
// SIMD128 (what Node 20 runs without flags), plus a shared-memory variant (threads) and a variant of
// that whose micro-kernel uses relaxed-SIMD FMA (runtime.ts switches relaxed SIMD on where it can).

import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import wabtInit from 'wabt';

/**
 * Register tile of the GEMM micro-kernel: MR rows of C × NR columns (NR/4 f32x4 vectors), and the
 * k-loop unroll factor. Measured on V8 11.3 (Node 20, x64; 15 allocatable xmm registers), kernel only:
 * - mul + add (SIMD128, no FMA): 4×8 (8 accumulators + 2 B vectors + the A broadcast + a product
 *   temporary) is fastest; 6×8 needs 16 registers and spills (25 vs 28 GFLOP/s), 5×8, 3×12 and 4×12
 *   spill too, and unrolling (KU = 2, 4) made TurboFan hoist the unrolled loads and spill.
 * - relaxed-SIMD FMA (no temporary): 6×8, 12 accumulators + 2 B + 1 A = 15 registers, runs ~1.2× the
 *   4×8 tile (36 vs 31 GFLOP/s): 12 independent FMA chains hide the FMA latency (4 cycles × 2 ports
 *   needs 8 in flight, exactly what 4×8 has) and the loop's loads and bookkeeping are spread over 12
 *   FMAs instead of 8. 4×12, 8×8 and 4×16 spill (18–35).
 * So the SIMD128 modules use DEFAULT_MR and the FMA module DEFAULT_FMA_MR. Other values are accepted
 * for experiments (`--mr=4 --fma-mr=6 --nr=8 --ku=1 --out=/tmp/x`; MR even, NR a multiple of 4).
 */
const argNum = (name: string, dflt: number): number => {
  const a = process.argv.find((x) => x.startsWith(`--${name}=`));
  return a === undefined ? dflt : Number(a.slice(name.length + 3));
};
export const DEFAULT_MR = 4;
export const DEFAULT_FMA_MR = 6;
export const DEFAULT_NR = 8;
export const DEFAULT_KU = 1;
/** Vectors per loop iteration of the elementwise kernels. */
export const DEFAULT_EU = 1;
let EU = DEFAULT_EU;
let MR = DEFAULT_MR;
let NR = DEFAULT_NR;
let KU = DEFAULT_KU;
let NV = NR / 4;
/** Micro-kernel multiply-add: false = f32x4.mul + f32x4.add (SIMD128); true = f32x4.relaxed_madd
 *  (relaxed SIMD: one fused multiply-add where the CPU has FMA). */
let FMA = false;
const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
const lines = (xs: string[]): string => xs.join('\n');

/** i8x16.shuffle byte indices for 32-bit lanes `l` (0..3 = first operand, 4..7 = second). */
const shuf = (l: number[]): string => l.flatMap((x) => range(4).map((b) => 4 * x + b)).join(' ');

/** 4×4 transpose of f32 lanes: [$r0..$r3] (rows) → [$o0..$o3] (columns), via $t0..$t3. */
function transpose4(r: string[], o: string[]): string {
  const s = (a: string, b: string, l: number[]) => `(i8x16.shuffle ${shuf(l)} (local.get ${a}) (local.get ${b}))`;
  return lines([
    `(local.set $t0 ${s(r[0], r[1], [0, 4, 1, 5])})`, // a0 b0 a1 b1
    `(local.set $t1 ${s(r[0], r[1], [2, 6, 3, 7])})`, // a2 b2 a3 b3
    `(local.set $t2 ${s(r[2], r[3], [0, 4, 1, 5])})`, // c0 d0 c1 d1
    `(local.set $t3 ${s(r[2], r[3], [2, 6, 3, 7])})`, // c2 d2 c3 d3
    `(local.set ${o[0]} ${s('$t0', '$t2', [0, 1, 4, 5])})`, // a0 b0 c0 d0
    `(local.set ${o[1]} ${s('$t0', '$t2', [2, 3, 6, 7])})`, // a1 b1 c1 d1
    `(local.set ${o[2]} ${s('$t1', '$t3', [0, 1, 4, 5])})`, // a2 b2 c2 d2
    `(local.set ${o[3]} ${s('$t1', '$t3', [2, 3, 6, 7])})`, // a3 b3 c3 d3
  ]);
}
const TLOCALS = '(local $t0 v128) (local $t1 v128) (local $t2 v128) (local $t3 v128) (local $v0 v128) (local $v1 v128) (local $v2 v128) (local $v3 v128) (local $w0 v128) (local $w1 v128) (local $w2 v128) (local $w3 v128)';

// ---------------------------------------------------------------------------------------------
// GEMM packing. A strided matrix X[i, j] lives at src + i*rs + j*cs (byte strides).
// Packed panels are "slivers" of W rows (A: W = MR) or columns (B: W = NR): for each sliver s and
// each k, W consecutive floats; partial slivers are zero-padded so the micro-kernel never sees an
// edge. Sliver s starts at dst + s*kc*W*4.

/** Slivers that pack_a / pack_b fill in one pass when the sliver dimension is contiguous (fastRowG). */
const PACK_ROW_GROUP = 4;

/**
 * pack(src, rs, cs, w, kc, dst): X is [w, kc] (w = rows of the sliver dimension, kc = depth).
 * dst[(s*kc + k)*W + r] = X[s*W + r, k] (0 beyond w).
 * Fast paths: cs == 4 (depth contiguous: 4×4 transposes) and rs == 4 (sliver dim contiguous:
 * straight vector copies, PACK_ROW_GROUP slivers per pass while that many are full). Used for A (W = MR, X = op(A) block) and for B (W = NR, X = op(B)ᵀ block).
 */
function packFn(name: string, W: number): string {
  const WV = Math.floor(W / 4); // whole groups of 4 sliver rows; W % 4 is 0 or 2 (a trailing pair)
  const pair = W % 4 === 2;
  // Full sliver, depth contiguous (cs == 4): 4 depth steps × 4 rows per transpose; a trailing pair of
  // rows (W % 4 == 2) is interleaved by two shuffles and stored 8 bytes per depth step.
  const rowAt = (r: number) => `(v128.load (i32.add (local.get $p) (i32.add (i32.mul (i32.const ${r}) (local.get $rs)) (i32.shl (local.get $k) (i32.const 2)))))`;
  const sh = (a: string, b: string, l: number[]) => `(i8x16.shuffle ${shuf(l)} (local.get ${a}) (local.get ${b}))`;
  const fastDepth = lines([
    '(local.set $k (i32.const 0))',
    '(block $dk_done (loop $dk',
    '  (br_if $dk_done (i32.gt_s (i32.add (local.get $k) (i32.const 4)) (local.get $kc)))',
    ...range(WV).flatMap((g) => [
      ...range(4).map((r) => `  (local.set $v${r} ${rowAt(4 * g + r)})`),
      transpose4(['$v0', '$v1', '$v2', '$v3'], ['$w0', '$w1', '$w2', '$w3']),
      ...range(4).map((kk) => `  (v128.store offset=${(kk * W + 4 * g) * 4} (local.get $q) (local.get $w${kk}))`),
    ]),
    ...(pair ? [
      `  (local.set $v0 ${rowAt(4 * WV)})`,
      `  (local.set $v1 ${rowAt(4 * WV + 1)})`,
      `  (local.set $t0 ${sh('$v0', '$v1', [0, 4, 1, 5])})`, // a0 b0 a1 b1
      `  (local.set $t1 ${sh('$v0', '$v1', [2, 6, 3, 7])})`, // a2 b2 a3 b3
      ...range(4).map((kk) => `  (v128.store64_lane offset=${(kk * W + 4 * WV) * 4} ${kk % 2} (local.get $q) (local.get $t${kk >> 1}))`),
    ] : []),
    `  (local.set $q (i32.add (local.get $q) (i32.const ${4 * W * 4})))`,
    '  (local.set $k (i32.add (local.get $k) (i32.const 4)))',
    '  (br $dk)))',
  ]);
  // Full sliver, sliver dim contiguous (rs == 4): WV vector copies (+ one 8-byte copy) per depth step.
  const fastRow = lines([
    '(local.set $k (i32.const 0))',
    '(block $rk_done (loop $rk',
    '  (br_if $rk_done (i32.ge_s (local.get $k) (local.get $kc)))',
    '  (local.set $e (i32.add (local.get $p) (i32.mul (local.get $k) (local.get $cs))))',
    ...range(WV).map((g) => `  (v128.store offset=${g * 16} (local.get $q) (v128.load offset=${g * 16} (local.get $e)))`),
    ...(pair ? [`  (i64.store offset=${WV * 16} (local.get $q) (i64.load offset=${WV * 16} (local.get $e)))`] : []),
    `  (local.set $q (i32.add (local.get $q) (i32.const ${W * 4})))`,
    '  (local.set $k (i32.add (local.get $k) (i32.const 1)))',
    '  (br $rk)))',
  ]);
  // G full slivers at once, sliver dim contiguous (rs == 4): each depth step reads G·W floats of one
  // source row (whole cache lines) and writes them to G destination slivers, kc·W·4 bytes apart.
  // One sliver per pass read half a line per row, and a row stride of 2^k bytes maps all the rows
  // to a few L1 sets, so the line's other half came back from L2 for the next sliver.
  // Locals: $r = the source row of depth step k, $e = bytes per packed sliver, $q walks the G slivers
  // and comes back to the first one's next step.
  const G = PACK_ROW_GROUP;
  const fastRowG = lines([
    '(local.set $k (i32.const 0))',
    `(local.set $e (i32.mul (local.get $kc) (i32.const ${W * 4})))`, // bytes per packed sliver
    '(block $gk_done (loop $gk',
    '  (br_if $gk_done (i32.ge_s (local.get $k) (local.get $kc)))',
    '  (local.set $r (i32.add (local.get $p) (i32.mul (local.get $k) (local.get $cs))))',
    ...range(G).flatMap((g) => [
      ...(g === 0 ? [] : ['  (local.set $q (i32.add (local.get $q) (local.get $e)))']),
      ...range(WV).map((v) => `  (v128.store offset=${v * 16} (local.get $q) (v128.load offset=${(g * W + 4 * v) * 4} (local.get $r)))`),
      ...(pair ? [`  (i64.store offset=${WV * 16} (local.get $q) (i64.load offset=${(g * W + 4 * WV) * 4} (local.get $r)))`] : []),
    ]),
    `  (local.set $q (i32.sub (local.get $q) (i32.sub (i32.mul (local.get $e) (i32.const ${G - 1})) (i32.const ${W * 4}))))`,
    '  (local.set $k (i32.add (local.get $k) (i32.const 1)))',
    '  (br $gk)))',
  ]);
  return `
  ;; ${name}(src, rs, cs, w, kc, dst): pack X[w, kc] (X[i,k] at src + i*rs + k*cs) into slivers of ${W}.
  (func $${name} (export "${name}") (param $src i32) (param $rs i32) (param $cs i32) (param $w i32) (param $kc i32) (param $dst i32)
    (local $s i32) (local $rows i32) (local $k i32) (local $r i32) (local $p i32) (local $q i32) (local $e i32)
    ${TLOCALS}
    (local.set $s (i32.const 0))
    (block $s_done (loop $s_loop
      (br_if $s_done (i32.ge_s (local.get $s) (local.get $w)))
      (local.set $rows (i32.sub (local.get $w) (local.get $s)))
      (local.set $p (i32.add (local.get $src) (i32.mul (local.get $s) (local.get $rs))))
      (local.set $q (i32.add (local.get $dst) (i32.shl (i32.mul (local.get $s) (local.get $kc)) (i32.const 2))))
      (local.set $k (i32.const 0))
      (if (i32.and (i32.eq (local.get $rs) (i32.const 4)) (i32.ge_s (local.get $rows) (i32.const ${G * W}))) (then
        ${fastRowG}
        (local.set $s (i32.add (local.get $s) (i32.const ${G * W})))
        (br $s_loop)))
      (if (i32.ge_s (local.get $rows) (i32.const ${W})) (then
        (if (i32.eq (local.get $cs) (i32.const 4)) (then
          ${fastDepth}
        ) (else (if (i32.eq (local.get $rs) (i32.const 4)) (then
          ${fastRow}
        ))))))
      ;; remaining depth steps (or everything, for an edge sliver / general strides): scalar
      (block $k_done (loop $k_loop
        (br_if $k_done (i32.ge_s (local.get $k) (local.get $kc)))
        (local.set $e (i32.add (local.get $p) (i32.mul (local.get $k) (local.get $cs))))
        (local.set $r (i32.const 0))
        (block $r_done (loop $r_loop
          (br_if $r_done (i32.ge_s (local.get $r) (i32.const ${W})))
          (f32.store (local.get $q)
            (if (result f32) (i32.lt_s (local.get $r) (local.get $rows))
              (then (f32.load (i32.add (local.get $e) (i32.mul (local.get $r) (local.get $rs)))))
              (else (f32.const 0))))
          (local.set $q (i32.add (local.get $q) (i32.const 4)))
          (local.set $r (i32.add (local.get $r) (i32.const 1)))
          (br $r_loop)))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $k_loop)))
      (local.set $s (i32.add (local.get $s) (i32.const ${W})))
      (br $s_loop)))
  )`;
}

// ---------------------------------------------------------------------------------------------
// GEMM macro-kernel: C[mc, nc] (+)= Ap[mc, kc] · Bp[kc, nc] over packed panels (A's last sliver and
// B's slivers zero-padded to MR rows / NR columns; nc is a multiple of NR). Loop order (BLIS): jr over
// B slivers (one stays in L1), ir over A slivers (the A block stays in L2), then the MR×NR register
// tile over kc in its own function, `micro`. The k loop must not be unrolled: V8 (11.x) unrolls small
// innermost loops by ~(nesting depth + 1)·50 / size, and its unrolled 6×8 body loads the second step's
// operands early and spills accumulators (16 vs 36 GFLOP/s measured). A loop at depth 0 in a function
// of its own is above that size and stays rolled. A call per register tile costs ~1 % at kc = 256
// (half that at the default 512).

function microFn(): string {
  const acc = (r: number, v: number) => `$c${r}_${v}`;
  const accLocals = range(MR).flatMap((r) => range(NV).map((v) => `(local ${acc(r, v)} v128)`)).join(' ');
  const bLocals = range(NV).map((v) => `(local $b${v} v128)`).join(' ');
  // One k step at packed offsets (u*MR*4 into A, u*NR*4 into B): NR/4 B vectors, then per row one
  // broadcast of A and NR/4 multiply-adds (this order keeps one A register live at a time).
  const step = (u: number) => lines([
    ...range(NV).map((v) => `(local.set $b${v} (v128.load offset=${(u * NR + 4 * v) * 4} (local.get $pb)))`),
    ...range(MR).flatMap((r) => [
      `(local.set $a (v128.load32_splat offset=${(u * MR + r) * 4} (local.get $pa)))`,
      ...range(NV).map((v) => (FMA
        ? `(local.set ${acc(r, v)} (f32x4.relaxed_madd (local.get $a) (local.get $b${v}) (local.get ${acc(r, v)})))`
        : `(local.set ${acc(r, v)} (f32x4.add (local.get ${acc(r, v)}) (f32x4.mul (local.get $a) (local.get $b${v}))))`)),
    ]),
  ]);
  const zero = range(MR).flatMap((r) => range(NV).map((v) => `(local.set ${acc(r, v)} (v128.const i32x4 0 0 0 0))`));
  const cAddr = (r: number) => (r === 0 ? '(local.get $cp)' : `(i32.add (local.get $cp) (i32.mul (local.get $ldc) (i32.const ${r})))`);
  const rowsOf = (write: (r: number) => string[]) => range(MR).map((r) => [`(local.set $e ${cAddr(r)})`, ...write(r)].join(' '));
  const store = rowsOf((r) => range(NV).map((v) => `(v128.store offset=${16 * v} (local.get $e) (local.get ${acc(r, v)}))`));
  const accumulate = rowsOf((r) => range(NV).map((v) => `(v128.store offset=${16 * v} (local.get $e) (f32x4.add (v128.load offset=${16 * v} (local.get $e)) (local.get ${acc(r, v)})))`));
  return `
  ;; micro(pa, pb, cp, kc, ldc, acc): one ${MR}×${NR} register tile, C[i, j] (+)= Σ_k Ap[k, i]·Bp[k, j];
  ;; Ap: kc steps of ${MR} floats, Bp: kc steps of ${NR}; acc = 0 overwrites C. Its stores are
  ;; unconditional: with a branch per row after the loop, TurboFan moved every broadcast of the loop
  ;; ahead of the multiply-adds and spilled (18 vs 36 GFLOP/s), so a partial tile goes through \`tile_out\`.
  (func $micro (param $pa i32) (param $pb i32) (param $cp i32) (param $kc i32) (param $ldc i32) (param $accflag i32)
    (local $k i32) (local $e i32) (local $a v128)
    ${accLocals} ${bLocals}
    ${zero.join('\n    ')}
    ;; the first k step, peeled (kc >= 1: callers never pass an empty K block). Its broadcasts share
    ;; their addresses (memory base + offset) with the loop's, so TurboFan computes them once, before
    ;; the loop, instead of one \`lea\` per broadcast per step (V8's x64 \`vbroadcastss\` takes no
    ;; displacement), and the loop's pa and pb need no zero-extension: 27 instructions per step, was 33
    ${step(0)}
    (local.set $pa (i32.add (local.get $pa) (i32.const ${MR * 4})))
    (local.set $pb (i32.add (local.get $pb) (i32.const ${NR * 4})))
    ;; k loop${KU === 1 ? '' : `, unrolled ${KU}× (then one step at a time)`}
    (local.set $k (i32.sub (local.get $kc) (i32.const 1)))
    (block $ku_done (loop $ku_loop
      (br_if $ku_done (i32.lt_s (local.get $k) (i32.const ${KU})))
      ${range(KU).map(step).join('\n')}
      (local.set $pa (i32.add (local.get $pa) (i32.const ${KU * MR * 4})))
      (local.set $pb (i32.add (local.get $pb) (i32.const ${KU * NR * 4})))
      (local.set $k (i32.sub (local.get $k) (i32.const ${KU})))
      (br $ku_loop)))
${KU === 1 ? '' : `    (block $k1_done (loop $k1_loop
      (br_if $k1_done (i32.eqz (local.get $k)))
      ${step(0)}
      (local.set $pa (i32.add (local.get $pa) (i32.const ${MR * 4})))
      (local.set $pb (i32.add (local.get $pb) (i32.const ${NR * 4})))
      (local.set $k (i32.sub (local.get $k) (i32.const 1)))
      (br $k1_loop)))
`}    (if (local.get $accflag) (then
      ${accumulate.join('\n      ')}
    ) (else
      ${store.join('\n      ')}
    ))
  )`;
}

function macroFn(): string {
  return `
  ;; tile_out(src, dst, ldc, rows, acc): rows (< ${MR}) rows of a packed ${MR}×${NR} tile at src to C at dst
  ;; (row stride ldc bytes): C = tile (acc = 0) or C = C + tile, the same f32x4.add as micro's.
  (func $tile_out (param $src i32) (param $dst i32) (param $ldc i32) (param $rows i32) (param $accflag i32)
    (block $done (loop $row
      (br_if $done (i32.eqz (local.get $rows)))
      ${range(NV).map((v) => `(v128.store offset=${16 * v} (local.get $dst) (if (result v128) (local.get $accflag)
        (then (f32x4.add (v128.load offset=${16 * v} (local.get $dst)) (v128.load offset=${16 * v} (local.get $src))))
        (else (v128.load offset=${16 * v} (local.get $src)))))`).join('\n      ')}
      (local.set $src (i32.add (local.get $src) (i32.const ${NR * 4})))
      (local.set $dst (i32.add (local.get $dst) (local.get $ldc)))
      (local.set $rows (i32.sub (local.get $rows) (i32.const 1)))
      (br $row)))
  )
  ;; macro(pa, pb, pc, mc, nc, kc, ldc, acc, tile): C (+)= Ap·Bp for C rows 0..mc-1 (any mc >= 1) and
  ;; columns 0..nc-1 (nc % ${NR} == 0); C[i, j] at pc + i*ldc + j*4. acc = 0 overwrites C, acc = 1 adds
  ;; to it. A last, partial row sliver is computed into the ${MR}×${NR} tile buffer at \`tile\` (${MR * NR * 4}
  ;; bytes) and its rows copied out, so C needs no padding rows.
  (func $macro (export "macro") (param $pa0 i32) (param $pb0 i32) (param $pc0 i32) (param $mc i32) (param $nc i32) (param $kc i32) (param $ldc i32) (param $accflag i32) (param $tile i32)
    (local $jr i32) (local $ir i32) (local $pa i32) (local $pb i32) (local $cp i32)
    (local.set $jr (i32.const 0))
    (block $jr_done (loop $jr_loop
      (br_if $jr_done (i32.ge_s (local.get $jr) (local.get $nc)))
      (local.set $ir (i32.const 0))
      (block $ir_done (loop $ir_loop
        (br_if $ir_done (i32.ge_s (local.get $ir) (local.get $mc)))
        ;; A sliver ir/MR starts at pa0 + ir*kc*4; B sliver jr/NR at pb0 + jr*kc*4
        (local.set $pa (i32.add (local.get $pa0) (i32.shl (i32.mul (local.get $ir) (local.get $kc)) (i32.const 2))))
        (local.set $pb (i32.add (local.get $pb0) (i32.shl (i32.mul (local.get $jr) (local.get $kc)) (i32.const 2))))
        (local.set $cp (i32.add (local.get $pc0) (i32.add (i32.mul (local.get $ir) (local.get $ldc)) (i32.shl (local.get $jr) (i32.const 2)))))
        (if (i32.ge_s (i32.sub (local.get $mc) (local.get $ir)) (i32.const ${MR}))
          (then (call $micro (local.get $pa) (local.get $pb) (local.get $cp) (local.get $kc) (local.get $ldc) (local.get $accflag)))
          (else
            (call $micro (local.get $pa) (local.get $pb) (local.get $tile) (local.get $kc) (i32.const ${NR * 4}) (i32.const 0))
            (call $tile_out (local.get $tile) (local.get $cp) (local.get $ldc) (i32.sub (local.get $mc) (local.get $ir)) (local.get $accflag))))
        (local.set $ir (i32.add (local.get $ir) (i32.const ${MR})))
        (br $ir_loop)))
      (local.set $jr (i32.add (local.get $jr) (i32.const ${NR})))
      (br $jr_loop)))
  )
  ;; the register tile of this module's micro-kernel (gemm.ts reads it)
  (global (export "mr") i32 (i32.const ${MR}))`;
}

// ---------------------------------------------------------------------------------------------
// Elementwise float32 kernels on n contiguous elements. They process whole f32x4 vectors (EU per
// iteration), i.e. they may read and write up to 4·EU − 1 floats past n: callers pass buffers with
// that slack (the loader's chunk buffers). Math bodies are emitted inline in the loop (V8 does not
// inline wasm calls) and constants come from a pool in memory (see ConstPool): a called $vexp
// with v128.const constants ran at 2.1 ns/element, the inline one with pooled constants at 1.5.
// EU vectors per iteration, their statements interleaved: at EU = 2, exp 2.34 → 1.85 ns/element but
// erf 2.9 → 3.9 and GELU 3.3 → 4.4 (two vectors' temporaries and constants spill), so EU = 1.

/**
 * Vector constants live in a pool at the bottom of linear memory ([0, POOL_BYTES), a data segment),
 * and kernels read them with v128.load. V8 folds v128.const locals back into immediates and
 * re-materialises each one inside the loop (3 instructions apiece); a load is one cheap µop.
 */
export const POOL_BYTES = 1024;
class ConstPool {
  private offsets = new Map<string, number>();
  private bytes: number[] = [];
  /** Address of the splat of `c` (f32 or i32 lanes). */
  addr(c: number, kind: 'f32' | 'i32'): number {
    const lit = `${kind}:${c}`;
    let off = this.offsets.get(lit);
    if (off === undefined) {
      off = this.bytes.length;
      if (off + 16 > POOL_BYTES) throw new Error('gen-wasm-kernels: constant pool full');
      const dv = new DataView(new ArrayBuffer(4));
      if (kind === 'f32') dv.setFloat32(0, c, true);
      else dv.setInt32(0, c, true);
      for (let l = 0; l < 4; l++) for (let j = 0; j < 4; j++) this.bytes.push(dv.getUint8(j));
      this.offsets.set(lit, off);
    }
    return off;
  }
  segment(): string {
    return `(data (i32.const 0) "${this.bytes.map((x) => `\\${x.toString(16).padStart(2, '0')}`).join('')}")`;
  }
}
let pool = new ConstPool();

/** Builds one kernel body: pooled constants (`k`, `ki`) and scratch locals (`t`). */
class Body {
  private temps = new Set<string>();
  private suffix = '';
  /** Where `anchor` stores (an address expression in the kernel's own output), or null. */
  anchorAt: string | null = null;
  /** A store of `v` to the anchor address: a memory effect, so V8 computes v before the pooled
   *  constant loads that follow it in the code (it loads constants as early as their place in the
   *  effect chain allows, all at the top of a loop body without anchors, and spills them). The
   *  kernel's final store overwrites it. */
  anchor(v: string): string[] {
    return this.anchorAt === null ? [] : [`(v128.store ${this.anchorAt} ${v})`];
  }
  /** The same body, whose scratch locals get `suffix` appended (independent copies of a math
   *  function's temporaries, for interleaving several vectors). */
  renamed(suffix: string): Body {
    const v = Object.create(this) as Body;
    v.suffix = this.suffix + suffix;
    return v;
  }
  /** A float constant splat (loaded from the pool). */
  k(c: number): string {
    return `(v128.load offset=${pool.addr(c, 'f32')} (i32.const 0))`;
  }
  /** An int constant splat (loaded from the pool). */
  ki(c: number): string {
    return `(v128.load offset=${pool.addr(c, 'i32')} (i32.const 0))`;
  }
  /** Declares a v128 scratch local and returns its name. */
  t(name: string): string {
    const n = name + this.suffix;
    this.temps.add(n);
    return n;
  }
  decls(): string {
    return [...this.temps].map((n) => `(local ${n} v128)`).join(' ');
  }
}

/** Statements that leave the vector result of a math function of `x` (a WAT expr) in local `out`. */
type VecMath = (b: Body, x: string, out: string) => string[];

const get = (n: string): string => `(local.get ${n})`;

// exp(x), Cephes expf: n = round(x·log2 e) via the 1.5·2²³ magic add, r = x − n·ln2 (two-part ln2),
// e^r = 1 + r + r²·P(r) (degree 5), then ·2^h·2^(n−h) with h = n >> 1 built in the exponent bits
// (two factors so that n in [−150, 128] never overflows the exponent field). x is clamped to
// [−104, 89]: e^−104 underflows to 0 and e^89 overflows to +inf; NaN propagates (pmin/pmax keep a
// NaN first operand). Max error ≈ 1–2 ulp (tested).
const EXP = {
  hi: 89,
  lo: -104,
  log2e: 1.44269504088896341,
  magic: 12582912, // 1.5·2²³: adding it rounds to an integer held in the low mantissa bits
  magicBits: 0x4b400000,
  c1: 0.693359375,
  c2: -2.12194440e-4,
  p: [1.9875691500e-4, 1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1, 5.0000001201e-1],
};
const vexp: VecMath = (b, x, out) => {
  const [xc, z, f, r, y, n, h] = ['$ex', '$ez', '$ef', '$er', '$ey', '$en', '$eh'].map((v) => b.t(v));
  const poly = EXP.p.slice(1).reduce((acc, c) => `(f32x4.add (f32x4.mul ${acc} ${get(r)}) ${b.k(c)})`, b.k(EXP.p[0]));
  const pow2 = (e: string) => `(i32x4.shl (i32x4.add ${e} ${b.ki(127)}) (i32.const 23))`;
  return [
    `(local.set ${xc} (f32x4.pmax (f32x4.pmin ${x} ${b.k(EXP.hi)}) ${b.k(EXP.lo)}))`,
    `(local.set ${z} (f32x4.add (f32x4.mul ${get(xc)} ${b.k(EXP.log2e)}) ${b.k(EXP.magic)}))`,
    `(local.set ${f} (f32x4.sub ${get(z)} ${b.k(EXP.magic)}))`,
    `(local.set ${r} (f32x4.sub (f32x4.sub ${get(xc)} (f32x4.mul ${get(f)} ${b.k(EXP.c1)})) (f32x4.mul ${get(f)} ${b.k(EXP.c2)})))`,
    `(local.set ${y} (f32x4.add (f32x4.add (f32x4.mul ${poly} (f32x4.mul ${get(r)} ${get(r)})) ${get(r)}) ${b.k(1)}))`,
    `(local.set ${n} (i32x4.sub ${get(z)} ${b.ki(EXP.magicBits)}))`,
    `(local.set ${h} (i32x4.shr_s ${get(n)} (i32.const 1)))`,
    `(local.set ${out} (f32x4.mul (f32x4.mul ${get(y)} ${pow2(get(h))}) ${pow2(`(i32x4.sub ${get(n)} ${get(h)})`)}))`,
  ];
};

// erf(x), two float32 polynomials blended by |x|, fitted here (minimax by iteratively reweighted least
// squares in float64, coefficients rounded to float32; max abs error measured against float64 in
// float32 arithmetic, with mul + add and with FMA):
//   |x| < 1:   x · P(x²),        P of degree 6                          1.3e-7
//   |x| ≥ 1:   ±(1 − R(|x| − m)), R of degree 12 around m = (1 + c)/2    1.1e-7
// (P by Horner's rule, R by Estrin's scheme: estrinV), and exactly ±1 from the clamp c = 3.8325 on
// (where erf rounds to 1 in float32); NaN propagates.
// No division and no exp: about half the operations of the rational + exp form it replaces (the
// GELU epilogue of the enricher GEMMs was ~30 % of their time). The FMA module evaluates both
// polynomials with relaxed_madd (fewer roundings: its bits differ from the mul + add modules').
const ERF = {
  clamp: 3.832506856900711,
  m: 2.4162533283233643,
  small: [1.1283791065216064, -0.3761260509490967, 0.11283430457115173, -0.02684859186410904, 0.005179750733077526, -0.0007942366064526141, 7.647148595424369e-05],
  large: [0.0006328947492875159, -0.0032879230566322803, 0.007945829071104527, -0.01170135848224163, 0.011478009633719921, -0.0075919413939118385, 0.0030819920357316732, -0.0003042647731490433, -0.000514125160407275, 0.00032159220427274704, -3.8187456084415317e-05, -3.0245286325225607e-05, 9.102918738790322e-06],
};
/** a·b + c on f32x4, fused in the FMA module. */
const maddV = (a: string, b: string, c: string): string => (FMA ? `(f32x4.relaxed_madd ${a} ${b} ${c})` : `(f32x4.add (f32x4.mul ${a} ${b}) ${c})`);
/** Horner's rule Σ cs[i]·vⁱ on f32x4 (cs in increasing order). */
const hornerV = (b: Body, cs: number[], v: string): string => cs.slice(0, -1).reduceRight((acc, c) => maddV(acc, get(v), b.k(c)), b.k(cs[cs.length - 1]));
/**
 * Σ cs[i]·vⁱ on f32x4 (cs in increasing order) by Estrin's scheme: pairs c₂ⱼ + c₂ⱼ₊₁·v, then pairs of
 * those with v², v⁴, … A degree-12 polynomial becomes a chain of 4 dependent multiply-adds (after the
 * powers) instead of Horner's 12 (erf 3.37 → 2.94 ns/element; docs/cpu-kernels.md). Returns the
 * statements that set `out`; `tag` names the scratch locals (the powers, the two top-level halves).
 */
const estrinV = (b: Body, cs: number[], v: string, out: string, tag: string): string[] => {
  // the powers v², v⁴, … in locals, each half of the top level as one nested expression after an
  // anchor (Body.anchor), so that its coefficients are loaded right before its multiply-adds
  const stmts: string[] = [];
  const pows = [get(v)];
  for (let n = 2; n < cs.length; n *= 2) {
    const p = b.t(`$${tag}p${pows.length}`);
    stmts.push(`(local.set ${p} (f32x4.mul ${pows[pows.length - 1]} ${pows[pows.length - 1]}))`);
    pows.push(get(p));
  }
  // Σ_{i<len} cs[lo + i]·v^i, len a power of two: low half + v^(len/2)·high half
  const rec = (lo: number, len: number, level: number): string => {
    if (len === 1) return b.k(cs[lo]);
    const half = len / 2;
    if (lo + half >= cs.length) return rec(lo, half, level - 1);
    return maddV(rec(lo + half, half, level - 1), pows[level - 1], rec(lo, half, level - 1));
  };
  // the two halves of the top level in their own statements, each after an anchor
  const L = pows.length, half = 2 ** (L - 1);
  const lo = b.t(`$${tag}lo`), hi = b.t(`$${tag}hi`);
  stmts.push(...b.anchor(pows[L - 1]), `(local.set ${lo} ${rec(0, half, L - 1)})`);
  stmts.push(...b.anchor(get(lo)), `(local.set ${hi} ${rec(half, half, L - 1)})`);
  stmts.push(`(local.set ${out} ${maddV(get(hi), pows[L - 1], get(lo))})`);
  return stmts;
};

const verf: VecMath = (b, x, out) => {
  const [xv, ax, t, u, pl, ps] = ['$rx0', '$rax', '$rt', '$ru', '$rpl', '$rps'].map((v) => b.t(v));
  const sign = `(v128.and ${get(xv)} ${b.ki(-0x80000000)})`;
  return [
    `(local.set ${xv} ${x})`,
    `(local.set ${ax} (f32x4.abs ${get(xv)}))`,
    `(local.set ${t} (f32x4.mul ${get(xv)} ${get(xv)}))`,
    `(local.set ${u} (f32x4.sub (f32x4.pmin ${get(ax)} ${b.k(ERF.clamp)}) ${b.k(ERF.m)}))`,
    ...estrinV(b, ERF.large, u, pl, 'rl'),
    ...b.anchor(get(pl)),
    `(local.set ${ps} ${hornerV(b, ERF.small, t)})`,
    ...b.anchor(get(ps)),
    `(local.set ${out} (v128.bitselect (f32x4.mul ${get(xv)} ${get(ps)}) (v128.or ${sign} (f32x4.sub ${b.k(1)} ${get(pl)})) (f32x4.lt ${get(ax)} ${b.k(1)})))`,
    // at and beyond the clamp: exactly ±1
    `(local.set ${out} (v128.bitselect (v128.or ${sign} ${b.k(1)}) ${get(out)} (f32x4.ge ${get(ax)} ${b.k(ERF.clamp)})))`,
  ];
};

/** gelu(x) = x/2 · (1 + erf(x/√2)) (exact GELU, torch's default). */
const vgelu: VecMath = (b, x, out) => {
  const [xv, e] = [b.t('$gx'), b.t('$ge')];
  return [
    `(local.set ${xv} ${x})`,
    ...verf(b, `(f32x4.mul ${get(xv)} ${b.k(Math.SQRT1_2)})`, e),
    `(local.set ${out} (f32x4.mul (f32x4.mul ${get(xv)} ${b.k(0.5)}) (f32x4.add ${b.k(1)} ${get(e)})))`,
  ];
};

/** sigmoid(x) = 1 / (1 + e^−x). */
const vsigmoid: VecMath = (b, x, out) => {
  const e = b.t('$se');
  return [...vexp(b, `(f32x4.neg ${x})`, e), `(local.set ${out} (f32x4.div ${b.k(1)} (f32x4.add ${b.k(1)} ${get(e)})))`];
};

/** A map kernel `name(x, [y,] out, n)` over ⌈n/4⌉ vectors; `body` sets `$res` from the operands. */
function mapFn(name: string, arity: 1 | 2, math: (b: Body, x: string, y: string, out: string) => string[], unroll = 1): string {
  const b = new Body();
  const ps = arity === 2 ? '(param $x i32) (param $y i32) (param $out i32) (param $n i32)' : '(param $x i32) (param $out i32) (param $n i32)';
  // `unroll` vectors per iteration, each with its own scratch locals, their statements interleaved
  // one by one (V8 emits them in about that order, so the core sees independent work close together)
  const per = range(unroll).map((u) => {
    const bu = b.renamed(`_${u}`);
    const xv = `(v128.load offset=${16 * u} (i32.add (local.get $x) (local.get $i)))`;
    const yv = `(v128.load offset=${16 * u} (i32.add (local.get $y) (local.get $i)))`;
    const res = bu.t('$res');
    bu.anchorAt = `offset=${16 * u} (i32.add (local.get $out) (local.get $i))`;
    return [...math(bu, xv, yv, res), `(v128.store offset=${16 * u} (i32.add (local.get $out) (local.get $i)) (local.get ${res}))`];
  });
  const body = range(Math.max(...per.map((p) => p.length))).flatMap((j) => per.filter((p) => j < p.length).map((p) => p[j]));
  const step = 16 * unroll;
  return `
  ;; ${name}: ${unroll} vector(s) per iteration, so it may touch up to ${step / 4 - 1} floats past n
  (func $${name} (export "${name}") ${ps}
    (local $i i32) (local $end i32) ${b.decls()}
    (local.set $end (i32.and (i32.add (i32.shl (local.get $n) (i32.const 2)) (i32.const ${step - 1})) (i32.const ${-step})))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
      ${body.join('\n      ')}
      (local.set $i (i32.add (local.get $i) (i32.const ${step})))
      (br $next)))
  )`;
}

/**
 * gelu_with_grad_f32(x, y, d, n): y = x·Φ(x) and d = dy/dx = Φ(x) + x·φ(x) in one pass, with
 * Φ(x) = ½(1 + erf(x/√2)), φ(x) = e^(−x²/2)/√(2π). Same vector over-run as the map kernels.
 */
function geluWithGradFn(): string {
  const b = new Body();
  b.anchorAt = '(i32.add (local.get $y) (local.get $i))'; // y, stored at the end of the iteration
  const [xv, e, g, cdf] = [b.t('$wx'), b.t('$we'), b.t('$wg'), b.t('$wcdf')];
  const body = [
    `(local.set ${xv} (v128.load (i32.add (local.get $x) (local.get $i))))`,
    ...verf(b, `(f32x4.mul ${get(xv)} ${b.k(Math.SQRT1_2)})`, e),
    `(local.set ${cdf} (f32x4.mul ${b.k(0.5)} (f32x4.add ${b.k(1)} ${get(e)})))`,
    ...vexp(b, `(f32x4.mul (f32x4.mul ${get(xv)} ${get(xv)}) ${b.k(-0.5)})`, g),
    `(v128.store (i32.add (local.get $y) (local.get $i)) (f32x4.mul ${get(xv)} ${get(cdf)}))`,
    `(v128.store (i32.add (local.get $d) (local.get $i)) (f32x4.add ${get(cdf)} (f32x4.mul (f32x4.mul ${get(xv)} ${b.k(0.3989422804014327)}) ${get(g)})))`,
  ];
  return `
  ;; gelu_with_grad_f32: y = x·Φ(x), d = Φ(x) + x·φ(x); whole vectors (up to 3 floats past n)
  (func $gelu_with_grad_f32 (export "gelu_with_grad_f32") (param $x i32) (param $y i32) (param $d i32) (param $n i32)
    (local $i i32) (local $end i32) ${b.decls()}
    (local.set $end (i32.and (i32.add (i32.shl (local.get $n) (i32.const 2)) (i32.const 15)) (i32.const -16)))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
      ${body.join('\n      ')}
      (local.set $i (i32.add (local.get $i) (i32.const 16)))
      (br $next)))
  )`;
}

const binaryKernel = (op: string) => mapFn(`${op}_f32`, 2, (_b, x, y, out) => [`(local.set ${out} (f32x4.${op} ${x} ${y}))`], EU);
const unaryKernel = (name: string, m: VecMath) => mapFn(`${name}_f32`, 1, (b, x, _y, out) => m(b, x, out), EU);

/**
 * sum_rows(x, out, outer, inner): out[o] = Σ_i x[o, i] for x [outer, inner] contiguous; float64
 * accumulation (two f64x2 partial sums per 4 lanes, 2 vectors per step), rounded once to float32.
 */
function sumRowsFn(): string {
  return `
  (func $sum_rows (export "sum_rows") (param $x i32) (param $out i32) (param $outer i32) (param $inner i32)
    (local $o i32) (local $p i32) (local $end i32) (local $end8 i32) (local $v v128) (local $w v128)
    (local $s0 v128) (local $s1 v128) (local $s2 v128) (local $s3 v128) (local $s f64)
    (block $o_done (loop $o_loop
      (br_if $o_done (i32.ge_s (local.get $o) (local.get $outer)))
      (local.set $p (local.get $x))
      (local.set $end (i32.add (local.get $x) (i32.shl (local.get $inner) (i32.const 2))))
      (local.set $end8 (i32.add (local.get $x) (i32.shl (i32.and (local.get $inner) (i32.const -8)) (i32.const 2))))
      (local.set $s0 (v128.const i32x4 0 0 0 0)) (local.set $s1 (v128.const i32x4 0 0 0 0))
      (local.set $s2 (v128.const i32x4 0 0 0 0)) (local.set $s3 (v128.const i32x4 0 0 0 0))
      (block $v_done (loop $v_loop
        (br_if $v_done (i32.ge_u (local.get $p) (local.get $end8)))
        (local.set $v (v128.load (local.get $p)))
        (local.set $w (v128.load offset=16 (local.get $p)))
        (local.set $s0 (f64x2.add (local.get $s0) (f64x2.promote_low_f32x4 (local.get $v))))
        (local.set $s1 (f64x2.add (local.get $s1) (f64x2.promote_low_f32x4 (i8x16.shuffle ${shuf([2, 3, 2, 3])} (local.get $v) (local.get $v)))))
        (local.set $s2 (f64x2.add (local.get $s2) (f64x2.promote_low_f32x4 (local.get $w))))
        (local.set $s3 (f64x2.add (local.get $s3) (f64x2.promote_low_f32x4 (i8x16.shuffle ${shuf([2, 3, 2, 3])} (local.get $w) (local.get $w)))))
        (local.set $p (i32.add (local.get $p) (i32.const 32)))
        (br $v_loop)))
      (local.set $s0 (f64x2.add (f64x2.add (local.get $s0) (local.get $s1)) (f64x2.add (local.get $s2) (local.get $s3))))
      (local.set $s (f64.add (f64x2.extract_lane 0 (local.get $s0)) (f64x2.extract_lane 1 (local.get $s0))))
      (block $t_done (loop $t_loop
        (br_if $t_done (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $s (f64.add (local.get $s) (f64.promote_f32 (f32.load (local.get $p)))))
        (local.set $p (i32.add (local.get $p) (i32.const 4)))
        (br $t_loop)))
      (f32.store (local.get $out) (f32.demote_f64 (local.get $s)))
      (local.set $x (local.get $end))
      (local.set $out (i32.add (local.get $out) (i32.const 4)))
      (local.set $o (i32.add (local.get $o) (i32.const 1)))
      (br $o_loop)))
  )`;
}

/**
 * bias_act(c, ldc, rows, cols, bias, mode, d): the GEMM epilogue, in place on a block of C while it is
 * in cache. For r < rows, 4-float vectors i < cols (cols % 4 == 0; C's padding columns are computed
 * too), z = C[r, i] (+ bias[i] when mode & 1), then
 *   mode & 4:  C[r, i] = z·Φ(z), D[r, i] = Φ(z) + z·φ(z)   (D at d with the same ldc; as gelu_with_grad_f32)
 *   mode & 2:  C[r, i] = z·Φ(z)                             (as gelu_f32)
 *   else:      C[r, i] = z
 * The math is emitted from the same generators as those kernels, so the bits are the same as a
 * separate bias add (IEEE float32 add) followed by them. ldc is in bytes.
 */
function biasActFn(): string {
  const b = new Body();
  b.anchorAt = '(i32.add (local.get $p) (local.get $i))'; // C[r, i], stored at the end of the iteration
  const [z, e, g, cdf, y] = [b.t('$az'), b.t('$ae'), b.t('$ag'), b.t('$acdf'), b.t('$ay')];
  const grad = [
    ...verf(b, `(f32x4.mul ${get(z)} ${b.k(Math.SQRT1_2)})`, e),
    `(local.set ${cdf} (f32x4.mul ${b.k(0.5)} (f32x4.add ${b.k(1)} ${get(e)})))`,
    ...vexp(b, `(f32x4.mul (f32x4.mul ${get(z)} ${get(z)}) ${b.k(-0.5)})`, g),
    `(v128.store (i32.add (local.get $q) (local.get $i)) (f32x4.add ${get(cdf)} (f32x4.mul (f32x4.mul ${get(z)} ${b.k(0.3989422804014327)}) ${get(g)})))`,
    `(local.set ${z} (f32x4.mul ${get(z)} ${get(cdf)}))`,
  ];
  const gelu = [...vgelu(b, get(z), y), `(local.set ${z} ${get(y)})`];
  // one loop per mode (the GELU code in a shared loop body had V8 keep the bias-only path's locals in
  // stack slots: 1.15 ns per element for a bias add)
  const loop = (label: string, body: string[]) => `
      (local.set $i (i32.const 0))
      (block $${label}_done (loop $${label}_next
        (br_if $${label}_done (i32.ge_u (local.get $i) (local.get $end)))
        (local.set ${z} (v128.load (i32.add (local.get $p) (local.get $i))))
        (if (i32.and (local.get $mode) (i32.const 1)) (then
          (local.set ${z} (f32x4.add ${get(z)} (v128.load (i32.add (local.get $bias) (local.get $i)))))))
        ${body.join('\n        ')}
        (v128.store (i32.add (local.get $p) (local.get $i)) ${get(z)})
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $${label}_next)))`;
  return `
  (func $bias_act (export "bias_act") (param $c i32) (param $ldc i32) (param $rows i32) (param $cols i32) (param $bias i32) (param $mode i32) (param $d i32)
    (local $r i32) (local $i i32) (local $p i32) (local $q i32) (local $end i32) ${b.decls()}
    (local.set $end (i32.shl (local.get $cols) (i32.const 2)))
    (block $r_done (loop $r_loop
      (br_if $r_done (i32.ge_s (local.get $r) (local.get $rows)))
      (local.set $p (i32.add (local.get $c) (i32.mul (local.get $r) (local.get $ldc))))
      (local.set $q (i32.add (local.get $d) (i32.mul (local.get $r) (local.get $ldc))))
      (if (i32.and (local.get $mode) (i32.const 4)) (then${loop('g', grad)}
      ) (else (if (i32.and (local.get $mode) (i32.const 2)) (then${loop('a', gelu)}
      ) (else${loop('n', [])}
      ))))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $r_loop)))
  )`;
}
// MaxSim of a symmetric product (C = X·Xᵀ): a tile above the diagonal also yields the maxima of the
// tile below it, whose rows are this tile's columns. G[n, p] = max_{r < S} C[pS + r, n] for the
// groups p < rows/S of the block's rows and its columns n < cols, in increasing r with the CPU max
// rule (NaN wins, else the first strict maximum: the bits the row-wise group_max gives on the
// transposed tile). Four columns per f32x4, each lane the scalar rule; g points at G[0, 0], rows of
// G gld bytes apart.
function groupMaxColsFn(): string {
  // acc = max down S rows from column address $q (rows ldc bytes apart), vector or scalar: the same walk
  const walk = (label: string, load: string, acc: string, v: string, pick: string) => `
        (local.set $q (i32.add (local.get $base) (i32.shl (local.get $n) (i32.const 2))))
        (local.set $e (i32.add (local.get $q) (i32.mul (local.get $s) (local.get $ldc))))
        (local.set ${acc} (${load} (local.get $q)))
        (local.set $q (i32.add (local.get $q) (local.get $ldc)))
        (block $${label}_done (loop $${label}_loop
          (br_if $${label}_done (i32.ge_u (local.get $q) (local.get $e)))
          (local.set ${v} (${load} (local.get $q)))
          (local.set ${acc} ${pick})
          (local.set $q (i32.add (local.get $q) (local.get $ldc)))
          (br $${label}_loop)))
        (local.set $o (i32.add (local.get $gq) (i32.mul (local.get $n) (local.get $gld))))`;
  return `
  (func $group_max_cols (export "group_max_cols") (param $c i32) (param $ldc i32) (param $rows i32) (param $cols i32) (param $s i32) (param $g i32) (param $gld i32)
    (local $base i32) (local $n i32) (local $q i32) (local $e i32) (local $o i32) (local $cols4 i32) (local $pg i32) (local $gq i32)
    (local $acc v128) (local $v v128) (local $a f32) (local $x f32)
    (local.set $cols4 (i32.and (local.get $cols) (i32.const -4)))
    (local.set $gq (local.get $g))
    (block $p_done (loop $p_loop
      (br_if $p_done (i32.ge_s (local.get $pg) (local.get $rows)))
      (local.set $base (i32.add (local.get $c) (i32.mul (local.get $pg) (local.get $ldc))))
      (local.set $n (i32.const 0))
      ;; four columns at a time; G[n + l, group] for the four lanes
      (block $v_done (loop $v_loop
        (br_if $v_done (i32.ge_s (local.get $n) (local.get $cols4)))
        ${walk('r', 'v128.load', '$acc', '$v', '(v128.bitselect (local.get $v) (local.get $acc) (v128.or (f32x4.gt (local.get $v) (local.get $acc)) (f32x4.ne (local.get $v) (local.get $v))))')}
        ${range(4).map((l) => `(f32.store ${l === 0 ? '(local.get $o)' : `(i32.add (local.get $o) (i32.mul (local.get $gld) (i32.const ${l})))`} (f32x4.extract_lane ${l} (local.get $acc)))`).join('\n        ')}
        (local.set $n (i32.add (local.get $n) (i32.const 4)))
        (br $v_loop)))
      ;; the last cols % 4 columns, one at a time (the same rule)
      (block $t_done (loop $t_loop
        (br_if $t_done (i32.ge_s (local.get $n) (local.get $cols)))
        ${walk('s', 'f32.load', '$a', '$x', '(select (local.get $x) (local.get $a) (i32.or (f32.gt (local.get $x) (local.get $a)) (f32.ne (local.get $x) (local.get $x))))')}
        (f32.store (local.get $o) (local.get $a))
        (local.set $n (i32.add (local.get $n) (i32.const 1)))
        (br $t_loop)))
      (local.set $pg (i32.add (local.get $pg) (local.get $s)))
      (local.set $gq (i32.add (local.get $gq) (i32.const 4))) ;; the next group's column of G
      (br $p_loop)))
  )`;
}

function groupMaxFn(): string {
  return `
  (func $group_max (export "group_max") (param $c i32) (param $ldc i32) (param $rows i32) (param $cols i32) (param $s i32) (param $g i32) (param $gld i32)
    (local $r i32) (local $p i32) (local $o i32) (local $rend i32) (local $gend i32) (local $acc f32) (local $v f32)
    (block $r_done (loop $r_loop
      (br_if $r_done (i32.ge_s (local.get $r) (local.get $rows)))
      (local.set $p (i32.add (local.get $c) (i32.mul (local.get $r) (local.get $ldc))))
      (local.set $o (i32.add (local.get $g) (i32.mul (local.get $r) (local.get $gld))))
      (local.set $rend (i32.add (local.get $p) (i32.shl (local.get $cols) (i32.const 2))))
      (block $q_done (loop $q_loop
        (br_if $q_done (i32.ge_u (local.get $p) (local.get $rend)))
        (local.set $gend (i32.add (local.get $p) (i32.shl (local.get $s) (i32.const 2))))
        (local.set $acc (f32.load (local.get $p)))
        (local.set $p (i32.add (local.get $p) (i32.const 4)))
        (block $j_done (loop $j_loop
          (br_if $j_done (i32.ge_u (local.get $p) (local.get $gend)))
          (local.set $v (f32.load (local.get $p)))
          (local.set $acc (select (local.get $v) (local.get $acc)
            (i32.or (f32.gt (local.get $v) (local.get $acc)) (f32.ne (local.get $v) (local.get $v)))))
          (local.set $p (i32.add (local.get $p) (i32.const 4)))
          (br $j_loop)))
        (f32.store (local.get $o) (local.get $acc))
        (local.set $o (i32.add (local.get $o) (i32.const 4)))
        (br $q_loop)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $r_loop)))
  )`;
}

/**
 * max_rows(x, out, outer, inner): out[o] = max_i x[o, i] for x [outer, inner] contiguous, inner ≥ 4;
 * f32x4.max / f32.max (NaN-propagating, −0 < +0). The caller re-does rows whose result is NaN or ±0
 * in JS, so its first-maximum / NaN-payload semantics hold exactly (every other maximum is one
 * unique float value, whatever the order).
 */
function maxRowsFn(): string {
  return `
  (func $max_rows (export "max_rows") (param $x i32) (param $out i32) (param $outer i32) (param $inner i32)
    (local $o i32) (local $p i32) (local $end i32) (local $end4 i32) (local $m v128) (local $s f32)
    (block $o_done (loop $o_loop
      (br_if $o_done (i32.ge_s (local.get $o) (local.get $outer)))
      (local.set $end (i32.add (local.get $x) (i32.shl (local.get $inner) (i32.const 2))))
      (local.set $end4 (i32.add (local.get $x) (i32.shl (i32.and (local.get $inner) (i32.const -4)) (i32.const 2))))
      (local.set $m (v128.load (local.get $x)))
      (local.set $p (i32.add (local.get $x) (i32.const 16)))
      (block $v_done (loop $v_loop
        (br_if $v_done (i32.ge_u (local.get $p) (local.get $end4)))
        (local.set $m (f32x4.max (local.get $m) (v128.load (local.get $p))))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (br $v_loop)))
      (local.set $s (f32.max (f32.max (f32x4.extract_lane 0 (local.get $m)) (f32x4.extract_lane 1 (local.get $m)))
                             (f32.max (f32x4.extract_lane 2 (local.get $m)) (f32x4.extract_lane 3 (local.get $m)))))
      (block $t_done (loop $t_loop
        (br_if $t_done (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $s (f32.max (local.get $s) (f32.load (local.get $p))))
        (local.set $p (i32.add (local.get $p) (i32.const 4)))
        (br $t_loop)))
      (f32.store (local.get $out) (local.get $s))
      (local.set $x (local.get $end))
      (local.set $out (i32.add (local.get $out) (i32.const 4)))
      (local.set $o (i32.add (local.get $o) (i32.const 1)))
      (br $o_loop)))
  )`;
}

/** The float64 lanes (0,1) / (2,3) of an f32x4 expression, and two f64x2 rounded back into one f32x4. */
const lo64 = (v: string) => `(f64x2.promote_low_f32x4 ${v})`;
const hi64 = (v: string) => `(f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 ${v} ${v}))`;
const pack32 = (a: string, b: string) => `(i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (f32x4.demote_f64x2_zero ${a}) (f32x4.demote_f64x2_zero ${b}))`;

/**
 * rms_scale(x, out, rows, cols, inv, w): RMSNorm's output, out[r, j] = float32((x[r, j] · inv[r]) · w[j])
 * with both products in float64 (inv: float64 per row; x, out [rows, cols] contiguous f32, w f32,
 * cols % 4 == 0): the bits of the JS loop `out[j] = X[j] * inv * W[j]`.
 */
function rmsScaleFn(): string {
  const half = (f: (v: string) => string) => `(f64x2.mul (f64x2.mul ${f('(local.get $xv)')} (local.get $iv)) ${f('(local.get $wv)')})`;
  return `
  (func $rms_scale (export "rms_scale") (param $x i32) (param $out i32) (param $rows i32) (param $cols i32) (param $inv i32) (param $w i32)
    (local $r i32) (local $j i32) (local $nb i32) (local $iv v128) (local $xv v128) (local $wv v128)
    (local.set $nb (i32.shl (local.get $cols) (i32.const 2)))
    (block $r_done (loop $r_loop
      (br_if $r_done (i32.ge_s (local.get $r) (local.get $rows)))
      (local.set $iv (f64x2.splat (f64.load (local.get $inv))))
      (local.set $j (i32.const 0))
      (block $c_done (loop $c_loop
        (br_if $c_done (i32.ge_u (local.get $j) (local.get $nb)))
        (local.set $xv (v128.load (i32.add (local.get $x) (local.get $j))))
        (local.set $wv (v128.load (i32.add (local.get $w) (local.get $j))))
        (v128.store (i32.add (local.get $out) (local.get $j)) ${pack32(half(lo64), half(hi64))})
        (local.set $j (i32.add (local.get $j) (i32.const 16)))
        (br $c_loop)))
      (local.set $x (i32.add (local.get $x) (local.get $nb)))
      (local.set $out (i32.add (local.get $out) (local.get $nb)))
      (local.set $inv (i32.add (local.get $inv) (i32.const 8)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $r_loop)))
  )`;
}

/**
 * rms_grad(x, g, dx, rows, cols, inv, c, w, acc): RMSNorm's gradient given per-row float64 inv[r] and
 * c[r]: dx[r, j] = float32(((inv·g)·w) − x·c) and acc[j] += (g·x)·inv (acc: float64 [cols], rows in
 * order), every operation in float64: the bits of the JS loop of cpu/fused/norms.ts. cols % 4 == 0.
 */
function rmsGradFn(): string {
  const d = (f: (v: string) => string) => `(f64x2.sub (f64x2.mul (f64x2.mul (local.get $iv) ${f('(local.get $gv)')}) ${f('(local.get $wv)')}) (f64x2.mul ${f('(local.get $xv)')} (local.get $cv)))`;
  const a = (f: (v: string) => string, off: number) => `(f64x2.store offset=${off} (local.get $q) (f64x2.add (v128.load offset=${off} (local.get $q)) (f64x2.mul (f64x2.mul ${f('(local.get $gv)')} ${f('(local.get $xv)')}) (local.get $iv))))`.replace('f64x2.store', 'v128.store');
  return `
  (func $rms_grad (export "rms_grad") (param $x i32) (param $g i32) (param $dx i32) (param $rows i32) (param $cols i32) (param $inv i32) (param $c i32) (param $w i32) (param $acc i32)
    (local $r i32) (local $j i32) (local $q i32) (local $nb i32) (local $iv v128) (local $cv v128) (local $xv v128) (local $gv v128) (local $wv v128)
    (local.set $nb (i32.shl (local.get $cols) (i32.const 2)))
    (block $r_done (loop $r_loop
      (br_if $r_done (i32.ge_s (local.get $r) (local.get $rows)))
      (local.set $iv (f64x2.splat (f64.load (local.get $inv))))
      (local.set $cv (f64x2.splat (f64.load (local.get $c))))
      (local.set $j (i32.const 0))
      (local.set $q (local.get $acc))
      (block $c_done (loop $c_loop
        (br_if $c_done (i32.ge_u (local.get $j) (local.get $nb)))
        (local.set $xv (v128.load (i32.add (local.get $x) (local.get $j))))
        (local.set $gv (v128.load (i32.add (local.get $g) (local.get $j))))
        (local.set $wv (v128.load (i32.add (local.get $w) (local.get $j))))
        (v128.store (i32.add (local.get $dx) (local.get $j)) ${pack32(d(lo64), d(hi64))})
        ${a(lo64, 0)}
        ${a(hi64, 16)}
        (local.set $j (i32.add (local.get $j) (i32.const 16)))
        (local.set $q (i32.add (local.get $q) (i32.const 32)))
        (br $c_loop)))
      (local.set $x (i32.add (local.get $x) (local.get $nb)))
      (local.set $g (i32.add (local.get $g) (local.get $nb)))
      (local.set $dx (i32.add (local.get $dx) (local.get $nb)))
      (local.set $inv (i32.add (local.get $inv) (i32.const 8)))
      (local.set $c (i32.add (local.get $c) (i32.const 8)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $r_loop)))
  )`;
}

/** Lanes (x[k], y[k]) of two f32x4 expressions, as float64. */
const pair64 = (k: number, a: string, b: string) => {
  const bytes = [0, 1, 2, 3].map((i) => 4 * k + i);
  return `(f64x2.promote_low_f32x4 (i8x16.shuffle ${[...bytes, ...bytes.map((i) => i + 16), ...bytes, ...bytes].join(' ')} ${a} ${b}))`;
};

/**
 * rms_ss4(x, quads, cols, out): for rows 0 … 4·quads − 1 of x [·, cols] (contiguous f32, cols % 4 == 0),
 * out[r] = Σ_j x[r, j]² in float64 (the square in float64), each row summed sequentially in j order
 * (one f64x2 lane per row): the bits of the JS row loop.
 */
function rmsSs4Fn(): string {
  const body = [0, 1, 2, 3].map((k) => `
        (local.set $e ${pair64(k, '(local.get $v0)', '(local.get $v1)')})
        (local.set $f ${pair64(k, '(local.get $v2)', '(local.get $v3)')})
        (local.set $s0 (f64x2.add (local.get $s0) (f64x2.mul (local.get $e) (local.get $e))))
        (local.set $s1 (f64x2.add (local.get $s1) (f64x2.mul (local.get $f) (local.get $f))))`).join('');
  return `
  (func $rms_ss4 (export "rms_ss4") (param $x i32) (param $quads i32) (param $cols i32) (param $out i32)
    (local $q i32) (local $j i32) (local $nb i32) (local $s0 v128) (local $s1 v128) (local $e v128) (local $f v128) (local $v0 v128) (local $v1 v128) (local $v2 v128) (local $v3 v128)
    (local.set $nb (i32.shl (local.get $cols) (i32.const 2)))
    (block $q_done (loop $q_loop
      (br_if $q_done (i32.ge_s (local.get $q) (local.get $quads)))
      (local.set $s0 (v128.const i32x4 0 0 0 0)) (local.set $s1 (v128.const i32x4 0 0 0 0))
      (local.set $j (i32.const 0))
      (block $c_done (loop $c_loop
        (br_if $c_done (i32.ge_u (local.get $j) (local.get $nb)))
        (local.set $v0 (v128.load (i32.add (local.get $x) (local.get $j))))
        (local.set $v1 (v128.load (i32.add (i32.add (local.get $x) (local.get $nb)) (local.get $j))))
        (local.set $v2 (v128.load (i32.add (i32.add (local.get $x) (i32.shl (local.get $nb) (i32.const 1))) (local.get $j))))
        (local.set $v3 (v128.load (i32.add (i32.add (local.get $x) (i32.mul (local.get $nb) (i32.const 3))) (local.get $j))))${body}
        (local.set $j (i32.add (local.get $j) (i32.const 16)))
        (br $c_loop)))
      (v128.store (local.get $out) (local.get $s0))
      (v128.store offset=16 (local.get $out) (local.get $s1))
      (local.set $x (i32.add (local.get $x) (i32.shl (local.get $nb) (i32.const 2))))
      (local.set $out (i32.add (local.get $out) (i32.const 32)))
      (local.set $q (i32.add (local.get $q) (i32.const 1)))
      (br $q_loop)))
  )`;
}

/**
 * rms_sums2(x, g, w, pairs, cols, ss, gwx): for rows 0 … 2·pairs − 1 of x and g [·, cols] (contiguous
 * f32, cols % 4 == 0) and w [cols]: ss[r] = Σ_j x² and gwx[r] = Σ_j (g·w)·x, every operation in float64,
 * each row summed sequentially in j order (one f64x2 lane per row): the bits of the JS row loop.
 */
function rmsSums2Fn(): string {
  const body = [0, 1, 2, 3].map((k) => `
        (local.set $e ${pair64(k, '(local.get $x0)', '(local.get $x1)')})
        (local.set $f ${pair64(k, '(local.get $g0)', '(local.get $g1)')})
        (local.set $s0 (f64x2.add (local.get $s0) (f64x2.mul (local.get $e) (local.get $e))))
        (local.set $s1 (f64x2.add (local.get $s1) (f64x2.mul (f64x2.mul (local.get $f) (f64x2.splat (f64.promote_f32 (f32x4.extract_lane ${k} (local.get $wv))))) (local.get $e))))`).join('');
  return `
  (func $rms_sums2 (export "rms_sums2") (param $x i32) (param $g i32) (param $w i32) (param $pairs i32) (param $cols i32) (param $ss i32) (param $gwx i32)
    (local $q i32) (local $j i32) (local $nb i32) (local $s0 v128) (local $s1 v128) (local $e v128) (local $f v128) (local $x0 v128) (local $x1 v128) (local $g0 v128) (local $g1 v128) (local $wv v128)
    (local.set $nb (i32.shl (local.get $cols) (i32.const 2)))
    (block $q_done (loop $q_loop
      (br_if $q_done (i32.ge_s (local.get $q) (local.get $pairs)))
      (local.set $s0 (v128.const i32x4 0 0 0 0)) (local.set $s1 (v128.const i32x4 0 0 0 0))
      (local.set $j (i32.const 0))
      (block $c_done (loop $c_loop
        (br_if $c_done (i32.ge_u (local.get $j) (local.get $nb)))
        (local.set $x0 (v128.load (i32.add (local.get $x) (local.get $j))))
        (local.set $x1 (v128.load (i32.add (i32.add (local.get $x) (local.get $nb)) (local.get $j))))
        (local.set $g0 (v128.load (i32.add (local.get $g) (local.get $j))))
        (local.set $g1 (v128.load (i32.add (i32.add (local.get $g) (local.get $nb)) (local.get $j))))
        (local.set $wv (v128.load (i32.add (local.get $w) (local.get $j))))${body}
        (local.set $j (i32.add (local.get $j) (i32.const 16)))
        (br $c_loop)))
      (v128.store (local.get $ss) (local.get $s0))
      (v128.store (local.get $gwx) (local.get $s1))
      (local.set $x (i32.add (local.get $x) (i32.shl (local.get $nb) (i32.const 1))))
      (local.set $g (i32.add (local.get $g) (i32.shl (local.get $nb) (i32.const 1))))
      (local.set $ss (i32.add (local.get $ss) (i32.const 16)))
      (local.set $gwx (i32.add (local.get $gwx) (i32.const 16)))
      (local.set $q (i32.add (local.get $q) (i32.const 1)))
      (br $q_loop)))
  )`;
}

/**
 * softmax_rows(x, out, rows, cols, mx, sm): for each row of x [rows, cols] (contiguous, cols % 4 == 0,
 * cols ≥ 4): m = max_j x[r, j] (f32x4.max: NaN-propagating) stored as f32 at mx; e_j = exp(x_j − m)
 * (the exp_f32 math: the float32 subtraction and exp give the same bits as the JS subtraction followed
 * by exp_f32); s = Σ_j e_j in float64 (two f64x2 partial sums, lanes (0,1) and (2,3), added in the
 * fixed order s0.0 + s0.1 + s1.0 + s1.1) stored as f64 at sm; out_j = float32(e_j · (1/s)) with the
 * product in float64 (as a JS `P[j] *= 1 / s` on a Float32Array). Rows whose m is NaN or ±∞ are
 * meaningless here: the caller re-does them.
 */
function softmaxRowsFn(): string {
  const b = new Body();
  const e = b.t('$se0');
  const math = vexp(b, `(f32x4.sub (v128.load (local.get $p)) (local.get $ms))`, e);
  return `
  (func $softmax_rows (export "softmax_rows") (param $x i32) (param $out i32) (param $rows i32) (param $cols i32) (param $mx i32) (param $sm i32)
    (local $r i32) (local $p i32) (local $q i32) (local $end i32) (local $m v128) (local $ms v128) (local $s f32)
    (local $a0 v128) (local $a1 v128) (local $sum f64) (local $inv v128) (local $w v128) ${b.decls()}
    (block $r_done (loop $r_loop
      (br_if $r_done (i32.ge_s (local.get $r) (local.get $rows)))
      (local.set $end (i32.add (local.get $x) (i32.shl (local.get $cols) (i32.const 2))))
      (local.set $m (v128.load (local.get $x)))
      (local.set $p (i32.add (local.get $x) (i32.const 16)))
      (block $m_done (loop $m_loop
        (br_if $m_done (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $m (f32x4.max (local.get $m) (v128.load (local.get $p))))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (br $m_loop)))
      (local.set $s (f32.max (f32.max (f32x4.extract_lane 0 (local.get $m)) (f32x4.extract_lane 1 (local.get $m)))
                             (f32.max (f32x4.extract_lane 2 (local.get $m)) (f32x4.extract_lane 3 (local.get $m)))))
      (f32.store (local.get $mx) (local.get $s))
      (local.set $ms (f32x4.splat (local.get $s)))
      (local.set $a0 (v128.const i32x4 0 0 0 0)) (local.set $a1 (v128.const i32x4 0 0 0 0))
      (local.set $p (local.get $x))
      (local.set $q (local.get $out))
      (block $e_done (loop $e_loop
        (br_if $e_done (i32.ge_u (local.get $p) (local.get $end)))
        ${math.join('\n        ')}
        (v128.store (local.get $q) (local.get ${e}))
        (local.set $a0 (f64x2.add (local.get $a0) (f64x2.promote_low_f32x4 (local.get ${e}))))
        (local.set $a1 (f64x2.add (local.get $a1) (f64x2.promote_low_f32x4 (i8x16.shuffle ${shuf([2, 3, 2, 3])} (local.get ${e}) (local.get ${e})))))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (local.set $q (i32.add (local.get $q) (i32.const 16)))
        (br $e_loop)))
      (local.set $sum (f64.add (f64.add (f64.add (f64x2.extract_lane 0 (local.get $a0)) (f64x2.extract_lane 1 (local.get $a0)))
                                        (f64x2.extract_lane 0 (local.get $a1))) (f64x2.extract_lane 1 (local.get $a1))))
      (f64.store (local.get $sm) (local.get $sum))
      (local.set $inv (f64x2.splat (f64.div (f64.const 1) (local.get $sum))))
      (local.set $p (local.get $out))
      (block $s_done (loop $s_loop
        (br_if $s_done (i32.ge_u (local.get $p) (local.get $q)))
        (local.set $w (v128.load (local.get $p)))
        (v128.store (local.get $p) (i8x16.shuffle ${shuf([0, 1, 4, 5])}
          (f32x4.demote_f64x2_zero (f64x2.mul (f64x2.promote_low_f32x4 (local.get $w)) (local.get $inv)))
          (f32x4.demote_f64x2_zero (f64x2.mul (f64x2.promote_low_f32x4 (i8x16.shuffle ${shuf([2, 3, 2, 3])} (local.get $w) (local.get $w))) (local.get $inv)))))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (br $s_loop)))
      (local.set $x (local.get $end))
      (local.set $out (local.get $q))
      (local.set $mx (i32.add (local.get $mx) (i32.const 4)))
      (local.set $sm (i32.add (local.get $sm) (i32.const 8)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $r_loop)))
  )`;
}

/**
 * rows_<op>(x, out, rows, cols, s): out[r, j] = x[r, j] op s[r] (rsub, rdiv: s[r] op x[r, j]) for x, out
 * [rows, cols] packed and s a float32 per row; float32 ops, the same bits as the JS float64 op
 * rounded to float32 (add, sub, mul and div of two floats are correctly rounded that way). Whole
 * vectors per row: a row may write up to 3 floats into the next row (which overwrites them) and the
 * last one up to 3 floats past rows·cols.
 */
function rowsOpFn(op: string): string {
  const base = op.startsWith('r') ? op.slice(1) : op;
  const expr = op.startsWith('r') ? `(f32x4.${base} (local.get $v) (v128.load (local.get $p)))` : `(f32x4.${base} (v128.load (local.get $p)) (local.get $v))`;
  return `
  (func $rows_${op} (export "rows_${op}") (param $x i32) (param $out i32) (param $rows i32) (param $cols i32) (param $s i32)
    (local $r i32) (local $p i32) (local $q i32) (local $end i32) (local $v v128)
    (block $r_done (loop $r_loop
      (br_if $r_done (i32.ge_s (local.get $r) (local.get $rows)))
      (local.set $v (v128.load32_splat (local.get $s)))
      (local.set $p (local.get $x))
      (local.set $q (local.get $out))
      (local.set $end (i32.add (local.get $x) (i32.shl (local.get $cols) (i32.const 2))))
      (block $c_done (loop $c_loop
        (br_if $c_done (i32.ge_u (local.get $p) (local.get $end)))
        (v128.store (local.get $q) ${expr})
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (local.set $q (i32.add (local.get $q) (i32.const 16)))
        (br $c_loop)))
      (local.set $x (local.get $end))
      (local.set $out (i32.add (local.get $out) (i32.shl (local.get $cols) (i32.const 2))))
      (local.set $s (i32.add (local.get $s) (i32.const 4)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $r_loop)))
  )`;
}

/**
 * copy_rows(dst, drs, src, srs, rows, bytes): `bytes` bytes of each of `rows` rows, row strides drs and
 * srs in bytes, by one bulk-memory `memory.copy` per row (a memmove: overlap is allowed). For strided
 * row copies between tensors in wasm memory (cat, contiguous): ~3× the per-row TypedArray.set loop.
 */
function copyRowsFn(): string {
  return `
  (func $copy_rows (export "copy_rows") (param $dst i32) (param $drs i32) (param $src i32) (param $srs i32) (param $rows i32) (param $bytes i32)
    (local $r i32)
    (block $done (loop $next
      (br_if $done (i32.ge_s (local.get $r) (local.get $rows)))
      (memory.copy (local.get $dst) (local.get $src) (local.get $bytes))
      (local.set $dst (i32.add (local.get $dst) (local.get $drs)))
      (local.set $src (i32.add (local.get $src) (local.get $srs)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $next)))
  )`;
}

/**
 * col_sum(x, acc, rows, cols, init): acc[c] (float64) += x[r, c] for r < rows in row order, x [rows,
 * cols] packed float32; with init the first row sets acc (acc[c] = x[0, c], exactly as a JS reduction
 * that starts from the first element, so −0 survives). Every column is a sequential float64 sum, the
 * same bits as the JS column reduction. Four columns per step: a row may read up to 3 floats past
 * its end and acc must have 3 float64s of slack.
 */
function colSumFn(): string {
  const lo = (v: string) => `(f64x2.promote_low_f32x4 ${v})`;
  const hi = (v: string) => `(f64x2.promote_low_f32x4 (i8x16.shuffle ${shuf([2, 3, 2, 3])} ${v} ${v}))`;
  return `
  (func $col_sum (export "col_sum") (param $x i32) (param $acc i32) (param $rows i32) (param $cols i32) (param $init i32)
    (local $r i32) (local $p i32) (local $q i32) (local $end i32) (local $v v128)
    (if (i32.and (local.get $init) (i32.gt_s (local.get $rows) (i32.const 0))) (then
      (local.set $p (local.get $x))
      (local.set $q (local.get $acc))
      (local.set $end (i32.add (local.get $x) (i32.shl (local.get $cols) (i32.const 2))))
      (block $i_done (loop $i_loop
        (br_if $i_done (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $v (v128.load (local.get $p)))
        (v128.store (local.get $q) ${lo('(local.get $v)')})
        (v128.store offset=16 (local.get $q) ${hi('(local.get $v)')})
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (local.set $q (i32.add (local.get $q) (i32.const 32)))
        (br $i_loop)))
      (local.set $x (local.get $end))
      (local.set $r (i32.const 1))))
    (block $r_done (loop $r_loop
      (br_if $r_done (i32.ge_s (local.get $r) (local.get $rows)))
      (local.set $p (local.get $x))
      (local.set $q (local.get $acc))
      (local.set $end (i32.add (local.get $x) (i32.shl (local.get $cols) (i32.const 2))))
      (block $c_done (loop $c_loop
        (br_if $c_done (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $v (v128.load (local.get $p)))
        (v128.store (local.get $q) (f64x2.add (v128.load (local.get $q)) ${lo('(local.get $v)')}))
        (v128.store offset=16 (local.get $q) (f64x2.add (v128.load offset=16 (local.get $q)) ${hi('(local.get $v)')}))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (local.set $q (i32.add (local.get $q) (i32.const 32)))
        (br $c_loop)))
      (local.set $x (local.get $end))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $r_loop)))
  )`;
}

/**
 * adamw_f32(p, g, m, v, n, h): one AdamW step over n floats (n % 4 == 0 after the caller pads; whole
 * vectors) in float64 lanes, exactly the JS loop of optim/adamw.ts: with the float64 hyper-parameters
 * h = [decay, a1, a2, beta2, c2, eps, stepSize] (decay = 1 when there is no weight decay; ·1 is exact)
 *   pi = p·decay;  m' = m + (g − m)·a1;  v' = v·beta2 + g·g·a2;
 *   m ← f32(m'), v ← f32(v'), p ← f32(pi − (m' / (√v' / c2 + eps))·stepSize)
 * (every op an IEEE float64 op, as in JS, so the bits are the same). In place on p, m, v.
 */
function adamwFn(): string {
  const half = (lo: boolean, src: string) => lo ? `(f64x2.promote_low_f32x4 ${src})` : `(f64x2.promote_low_f32x4 (i8x16.shuffle ${shuf([2, 3, 2, 3])} ${src} ${src}))`;
  const lane = (lo: boolean) => {
    const sfx = lo ? 'l' : 'h';
    return `
        (local.set $g${sfx} ${half(lo, '(local.get $gv)')})
        (local.set $m${sfx} ${half(lo, '(local.get $mv)')})
        (local.set $v${sfx} ${half(lo, '(local.get $vv)')})
        (local.set $p${sfx} (f64x2.mul ${half(lo, '(local.get $pv)')} (local.get $decay)))
        (local.set $m${sfx} (f64x2.add (local.get $m${sfx}) (f64x2.mul (f64x2.sub (local.get $g${sfx}) (local.get $m${sfx})) (local.get $a1))))
        (local.set $v${sfx} (f64x2.add (f64x2.mul (local.get $v${sfx}) (local.get $b2)) (f64x2.mul (f64x2.mul (local.get $g${sfx}) (local.get $g${sfx})) (local.get $a2))))
        (local.set $p${sfx} (f64x2.sub (local.get $p${sfx}) (f64x2.mul (f64x2.div (local.get $m${sfx}) (f64x2.add (f64x2.div (f64x2.sqrt (local.get $v${sfx})) (local.get $c2)) (local.get $eps))) (local.get $step))))`;
  };
  const join = (a: string, b: string) => `(i8x16.shuffle ${shuf([0, 1, 4, 5])} (f32x4.demote_f64x2_zero (local.get ${a})) (f32x4.demote_f64x2_zero (local.get ${b})))`;
  return `
  (func $adamw_f32 (export "adamw_f32") (param $p i32) (param $g i32) (param $m i32) (param $v i32) (param $n i32) (param $h i32)
    (local $i i32) (local $end i32) (local $decay v128) (local $a1 v128) (local $a2 v128) (local $b2 v128) (local $c2 v128) (local $eps v128) (local $step v128)
    (local $pv v128) (local $gv v128) (local $mv v128) (local $vv v128)
    (local $pl v128) (local $gl v128) (local $ml v128) (local $vl v128) (local $ph v128) (local $gh v128) (local $mh v128) (local $vh v128)
    (local.set $decay (v128.load64_splat offset=0 (local.get $h)))
    (local.set $a1 (v128.load64_splat offset=8 (local.get $h)))
    (local.set $a2 (v128.load64_splat offset=16 (local.get $h)))
    (local.set $b2 (v128.load64_splat offset=24 (local.get $h)))
    (local.set $c2 (v128.load64_splat offset=32 (local.get $h)))
    (local.set $eps (v128.load64_splat offset=40 (local.get $h)))
    (local.set $step (v128.load64_splat offset=48 (local.get $h)))
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
      (local.set $pv (v128.load (i32.add (local.get $p) (local.get $i))))
      (local.set $gv (v128.load (i32.add (local.get $g) (local.get $i))))
      (local.set $mv (v128.load (i32.add (local.get $m) (local.get $i))))
      (local.set $vv (v128.load (i32.add (local.get $v) (local.get $i))))${lane(true)}${lane(false)}
      (v128.store (i32.add (local.get $m) (local.get $i)) ${join('$ml', '$mh')})
      (v128.store (i32.add (local.get $v) (local.get $i)) ${join('$vl', '$vh')})
      (v128.store (i32.add (local.get $p) (local.get $i)) ${join('$pl', '$ph')})
      (local.set $i (i32.add (local.get $i) (i32.const 16)))
      (br $next)))
  )`;
}

export interface GenOptions { mr?: number; fmaMr?: number; nr?: number; ku?: number; eu?: number; fma?: boolean }

/** The whole module's text. */
export function buildWat(opts: GenOptions = {}): string {
  FMA = opts.fma ?? false;
  MR = FMA ? opts.fmaMr ?? DEFAULT_FMA_MR : opts.mr ?? DEFAULT_MR;
  NR = opts.nr ?? DEFAULT_NR;
  KU = opts.ku ?? DEFAULT_KU;
  EU = opts.eu ?? DEFAULT_EU;
  NV = NR / 4;
  pool = new ConstPool();
  if (MR % 2 !== 0 || NR % 4 !== 0 || MR < 2 || NR < 4 || KU < 1) throw new Error(`gen-wasm-kernels: bad tile ${MR}x${NR} ku=${KU}`);
  return `;; GENERATED by packages/tensor/scripts/gen-wasm-kernels.ts — do not edit by hand.
;; WebAssembly SIMD128 kernels of the CPU backend: GEMM (packing + ${MR}×${NR} micro-kernel${FMA ? ', relaxed-SIMD FMA' : ''}) and
;; float32 elementwise maps / row sums. All pointers are byte offsets into the exported memory;
;; bytes [0, ${POOL_BYTES}) hold constants.
(module
  (memory (export "memory") 1)
${packFn('pack_a', MR)}
${packFn('pack_b', NR)}
${microFn()}
${macroFn()}
${['add', 'sub', 'mul', 'div'].map(binaryKernel).join('\n')}
${unaryKernel('exp', vexp)}
${unaryKernel('erf', verf)}
${unaryKernel('gelu', vgelu)}
${unaryKernel('sigmoid', vsigmoid)}
${geluWithGradFn()}
${sumRowsFn()}
${maxRowsFn()}
${softmaxRowsFn()}
${['add', 'sub', 'mul', 'div', 'rsub', 'rdiv'].map(rowsOpFn).join('\n')}
${adamwFn()}
${colSumFn()}
${copyRowsFn()}
${rmsScaleFn()}
${rmsGradFn()}
${rmsSs4Fn()}
${rmsSums2Fn()}
${biasActFn()}
${groupMaxFn()}
${groupMaxColsFn()}
  ;; vector constants of the elementwise kernels (see ConstPool)
  ${pool.segment()}
)
`;
}

/** The memory declaration of kernels.wat (the module owns a private, growable memory). */
const PRIVATE_MEMORY = '(memory (export "memory") 1)';
/** The shared variant imports a shared memory (env.memory, up to the 4 GiB wasm32 limit) instead,
 *  so a worker thread can instantiate the same kernels over the same bytes (runtime.ts, threads.ts).
 *  Everything else is identical; the constant pool's data segment is re-written (same bytes) by each
 *  instantiation. */
export function sharedVariant(wat: string): string {
  if (!wat.includes(PRIVATE_MEMORY)) throw new Error('gen-wasm-kernels: memory declaration not found');
  return wat.replace(PRIVATE_MEMORY, '(memory (export "memory") (import "env" "memory") 1 65536 shared)');
}

/** Compiles WAT to a wasm binary with wabt (SIMD128 and bulk memory; threads only for the shared
 *  memory, relaxed SIMD only for the FMA variant). */
export async function compileWat(wat: string): Promise<Uint8Array> {
  const wabt = await wabtInit();
  const features = { simd: true, threads: true, relaxed_simd: true, bulk_memory: true };
  const mod = wabt.parseWat('kernels.wat', wat, features);
  try {
    // the typings omit validate's features argument (the threads feature is needed for the shared memory)
    (mod as unknown as { validate(f: typeof features): void }).validate(features);
    return mod.toBinary({ canonicalize_lebs: true, write_debug_names: true }).buffer;
  } finally {
    mod.destroy();
  }
}

/** The two generated files, as text. */
export async function generate(opts: GenOptions = {}): Promise<{ wat: string; ts: string }> {
  const wat = buildWat(opts);
  const bin = await compileWat(wat);
  const sharedBin = await compileWat(sharedVariant(wat));
  // the FMA variant: the same module with f32x4.relaxed_madd in the micro-kernel, shared memory only
  // (it is used where Node can switch relaxed SIMD on, which also has worker threads)
  const fmaBin = await compileWat(sharedVariant(buildWat({ ...opts, fma: true })));
  buildWat(opts); // restore the generator state of the main variant
  const b64chunks = (b: Uint8Array): string[] => Buffer.from(b).toString('base64').match(/.{1,100}/g) ?? [];
  const chunks = b64chunks(bin);
  const ts = `// GENERATED by packages/tensor/scripts/gen-wasm-kernels.ts from kernels.wat — do not edit by hand.
// Regenerate: npx tsx packages/tensor/scripts/gen-wasm-kernels.ts

/** Bytes [0, HEAP_BASE) of the memory hold the kernels' constants; buffers must start above. */
export const HEAP_BASE = ${POOL_BYTES};
/** GEMM register tile columns (every module); its rows differ by module (${MR} here, ${opts.fmaMr ?? DEFAULT_FMA_MR} in the FMA
 *  module), so each module exports them as the global \`mr\`, which the runtime reads. */
export const NR = ${NR};

/** The kernels module (${bin.length} bytes), base64. */
export const KERNELS_WASM_BASE64 =
${chunks.map((c) => `  '${c}'`).join(' +\n')};

/** The same kernels importing a shared memory \`env.memory\` (${sharedBin.length} bytes), base64: for the
 *  multi-threaded GEMM (threads.ts). */
export const KERNELS_SHARED_WASM_BASE64 =
${b64chunks(sharedBin).map((c) => `  '${c}'`).join(' +\n')};

/** The shared-memory kernels with a relaxed-SIMD FMA micro-kernel (\`f32x4.relaxed_madd\`; ${fmaBin.length}
 *  bytes), base64: needs relaxed SIMD (Node 20: --experimental-wasm-relaxed-simd, see runtime.ts). */
export const KERNELS_FMA_SHARED_WASM_BASE64 =
${b64chunks(fmaBin).map((c) => `  '${c}'`).join(' +\n')};
`;
  return { wat, ts };
}

export const GENERATED_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'cpu', 'wasm');

async function main(): Promise<void> {
  const { wat, ts } = await generate({ mr: argNum('mr', DEFAULT_MR), fmaMr: argNum('fma-mr', DEFAULT_FMA_MR), nr: argNum('nr', DEFAULT_NR), ku: argNum('ku', DEFAULT_KU), eu: argNum('eu', DEFAULT_EU) });
  const outArg = process.argv.find((x) => x.startsWith('--out='));
  const dir = outArg === undefined ? GENERATED_DIR : outArg.slice(6);
  const files: [string, string][] = [[join(dir, 'kernels.wat'), wat], [join(dir, 'kernels.gen.ts'), ts]];
  if (process.argv.includes('--check')) {
    const stale = files.filter(([p, text]) => {
      try { return readFileSync(p, 'utf8') !== text; } catch { return true; }
    });
    for (const [p] of stale) console.error(`stale: ${p}`);
    process.exit(stale.length ? 1 : 0);
  }
  for (const [p, text] of files) writeFileSync(p, text);
  console.log(`wrote ${files.map(([p]) => p).join(', ')}`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
