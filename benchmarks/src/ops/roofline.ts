// A measured roofline for the CPU GEMM (docs/cpu-kernels.md, "Roofline"): how close the wasm
// GEMM is to what WebAssembly can compute on this CPU, and how far that ceiling is below native
// code such as onnxruntime's.
//
//   npx tsx benchmarks/src/ops/roofline.ts [--json] [--quick]
//
// Ceilings, each a register-only loop of 12 independent multiply-add chains (no memory traffic),
// best of several runs, one thread:
//   wasm SIMD128 mul + add      f32x4.mul then f32x4.add           (what Node 20 runs with no flags)
//   wasm relaxed-SIMD FMA       f32x4.relaxed_madd                 (the kernel the avey CLI uses)
//   native 128-bit FMA          _mm_fmadd_ps, gcc -O2 -mfma        (same width as wasm: the JIT's cost)
//   native 256-bit FMA          _mm256_fmadd_ps, gcc -O2 -mavx2    (what onnxruntime's MLAS issues)
// The native ceilings need gcc; without it they are reported as skipped with the reason.
// Then the GEMMs in the same process: avey's wasmSgemm (1 and 2 threads, copies included) and
// onnxruntime-node's MatMul (intra-op threads 1 and 2) at n³ = 256, 512, 1024 and the model's shapes,
// alternated in ROUNDS rounds per shape (each the best of its rounds), so that a drift of the
// shared machine's speed hits both.

import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import wabtInit from 'wabt';
import { setWasmGemmThreads, wasmGemmFma, wasmGemmTile, wasmSgemm, wasmTensorHeap } from '@avey/tensor';
import { matmulModel } from './onnx.js';

const argv = process.argv.slice(2);
const JSON_OUT = argv.includes('--json');
const QUICK = argv.includes('--quick');
const log = (s: string) => process.stderr.write(`${s}\n`);

// ---- ceilings -------------------------------------------------------------------------------
/** Alternations of avey and onnxruntime per shape and thread count (each reports its best). */
const ROUNDS = 3;
const CHAINS = 12; // independent accumulators: enough to cover FMA latency × ports (4 × 2 = 8)

function peakWat(fma: boolean): string {
  const locals = Array.from({ length: CHAINS }, (_, i) => `(local $c${i} v128)`).join(' ');
  const init = Array.from({ length: CHAINS }, (_, i) => `(local.set $c${i} (f32x4.splat (f32.const ${i}.0)))`).join('\n      ');
  const body = Array.from({ length: CHAINS }, (_, i) =>
    fma
      ? `(local.set $c${i} (f32x4.relaxed_madd (local.get $a) (local.get $b) (local.get $c${i})))`
      : `(local.set $c${i} (f32x4.add (f32x4.mul (local.get $a) (local.get $b)) (local.get $c${i})))`,
  ).join('\n        ');
  const sum = Array.from({ length: CHAINS - 1 }, (_, i) => i + 1).reduce((acc, i) => `(f32x4.add ${acc} (local.get $c${i}))`, '(local.get $c0)');
  return `(module
  (func (export "peak") (param $n i32) (param $x f32) (result f32)
    (local $a v128) (local $b v128) ${locals}
    (local.set $a (f32x4.splat (local.get $x)))
    (local.set $b (f32x4.splat (f32.const 0.999999)))
    ${init}
    (loop $l
        ${body}
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br_if $l (i32.gt_s (local.get $n) (i32.const 0))))
    (f32x4.extract_lane 0 ${sum})))`;
}

async function wasmPeak(fma: boolean): Promise<number> {
  const wabt = await wabtInit();
  const features = { simd: true, relaxed_simd: true };
  const mod = wabt.parseWat('peak.wat', peakWat(fma), features);
  const bin = mod.toBinary({}).buffer;
  mod.destroy();
  const inst = new WebAssembly.Instance(new WebAssembly.Module(new Uint8Array(bin)));
  const peak = inst.exports.peak as (n: number, x: number) => number;
  const iters = QUICK ? 2e6 : 5e7;
  peak(1e5, 1.0001); // tier up
  let best = 0;
  for (let r = 0; r < (QUICK ? 2 : 5); r++) {
    const t0 = performance.now();
    peak(iters, 1.0001);
    const s = (performance.now() - t0) / 1000;
    best = Math.max(best, (iters * CHAINS * 4 * 2) / s / 1e9);
  }
  return best;
}

const NATIVE_C = (width: 128 | 256) => `#include <immintrin.h>
#include <stdio.h>
#include <time.h>
#define V ${width === 256 ? '__m256' : '__m128'}
#define SET1 ${width === 256 ? '_mm256_set1_ps' : '_mm_set1_ps'}
#define FMA ${width === 256 ? '_mm256_fmadd_ps' : '_mm_fmadd_ps'}
#define ADD ${width === 256 ? '_mm256_add_ps' : '_mm_add_ps'}
int main(int argc, char **argv) {
  long n = ${QUICK ? '2000000' : '50000000'};
  V a = SET1((float)argc * 1.0001f), b = SET1(0.999999f);
  V c[${CHAINS}];
  for (int i = 0; i < ${CHAINS}; i++) c[i] = SET1((float)i);
  double best = 0;
  for (int r = 0; r < ${QUICK ? 2 : 5}; r++) {
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (long k = 0; k < n; k++) {
${Array.from({ length: CHAINS }, (_, i) => `      c[${i}] = FMA(a, b, c[${i}]);`).join('\n')}
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double s = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) * 1e-9;
    double g = (double)n * ${CHAINS} * ${width / 32} * 2 / s / 1e9;
    if (g > best) best = g;
  }
  V s = c[0];
  for (int i = 1; i < ${CHAINS}; i++) s = ADD(s, c[i]);
  float out[${width / 32}];
  ${width === 256 ? '_mm256_storeu_ps' : '_mm_storeu_ps'}(out, s);
  fprintf(stderr, "%f\\n", out[0]);
  printf("%f\\n", best);
  return 0;
}
`;

function nativePeak(width: 128 | 256): { gflops: number | null; reason?: string } {
  const cc = spawnSync('gcc', ['--version'], { encoding: 'utf8' });
  if (cc.status !== 0) return { gflops: null, reason: 'no gcc on this machine (apt install gcc)' };
  const dir = mkdtempSync(join(tmpdir(), 'avey-roofline-'));
  try {
    writeFileSync(join(dir, 'peak.c'), NATIVE_C(width));
    execFileSync('gcc', ['-O2', '-mavx2', '-mfma', '-o', join(dir, 'peak'), join(dir, 'peak.c')]);
    const out = execFileSync(join(dir, 'peak'), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    return { gflops: Number(out.trim()) };
  } catch (e) {
    return { gflops: null, reason: `could not build or run the native loop: ${(e as Error).message.split('\n')[0]}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---- GEMMs ----------------------------------------------------------------------------------
interface Shape { name: string; M: number; N: number; K: number }
const SHAPES: Shape[] = [
  { name: '256³', M: 256, N: 256, K: 256 },
  { name: '512³', M: 512, N: 512, K: 512 },
  { name: '1024³', M: 1024, N: 1024, K: 1024 },
  ...(QUICK ? [] : [
    // Avey-B small (d = 256, enricher 256 → 1024, vocab 8192): bench train's batch 4 × 512 tokens,
    // and one 128-token inference
    { name: 'enricher, training: 2048×1024×256', M: 2048, N: 1024, K: 256 },
    { name: 'MLM head, training: 2048×8192×256', M: 2048, N: 8192, K: 256 },
    { name: 'enricher, inference T=128: 128×1024×256', M: 128, N: 1024, K: 256 },
  ]),
];

// avey's operands live where the CPU backend keeps float32 tensors (wasm memory, used in place), as
// onnxruntime's live in its own tensors
const heap = wasmTensorHeap();
const rand = (n: number, seed: number) => {
  const a = heap?.allocF32(n) ?? new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) { s = (s * 1664525 + 1013904223) >>> 0; a[i] = s / 2 ** 32 - 0.5; }
  return a;
};

async function timeBest(run: () => unknown | Promise<unknown>, minMs: number): Promise<number> {
  await run(); // warm
  let best = Infinity;
  const t0 = performance.now();
  let reps = 0;
  while (reps < 3 || (performance.now() - t0 < minMs && reps < 200)) {
    const t = performance.now();
    await run();
    best = Math.min(best, performance.now() - t);
    reps++;
  }
  return best;
}

async function gemms() {
  let ort: typeof import('onnxruntime-node') | null = null;
  let ortReason: string | undefined;
  try { ort = await import('onnxruntime-node'); } catch (e) { ortReason = `onnxruntime-node: ${(e as Error).message}`; }
  const rows = [];
  // start avey's GEMM worker before the first timing (its start-up, tens of ms, is not a GEMM's cost)
  setWasmGemmThreads(2);
  { const w = rand(512 * 512, 3), o = rand(512 * 512, 4); const t0 = performance.now(); while (performance.now() - t0 < 300) wasmSgemm(512, 512, 512, w, 0, 512, false, w, 0, 512, false, o, 0); }
  for (const s of SHAPES) {
    const a = rand(s.M * s.K, 1), b = rand(s.K * s.N, 2), c = rand(s.M * s.N, 5);
    const flop = 2 * s.M * s.N * s.K;
    const gf = (ms: number) => Math.round((flop / (ms / 1000) / 1e9) * 10) / 10;
    const row: Record<string, unknown> = { shape: s.name, M: s.M, N: s.N, K: s.K };
    const sessions = ort ? await Promise.all([1, 2].map((t) => ort.InferenceSession.create(matmulModel(s.M, s.K, s.N), { intraOpNumThreads: t, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all' }))) : [];
    const feeds = ort ? { A: new ort.Tensor('float32', Float32Array.from(a), [s.M, s.K]), B: new ort.Tensor('float32', Float32Array.from(b), [s.K, s.N]) } : null;
    // ROUNDS alternations of avey and onnxruntime, each best of its rounds: the shared machine's
    // speed drifts over seconds, and timing one library after the other had charged the drift to one
    const best: Record<string, number> = {};
    const keep = (k: string, ms: number) => { best[k] = Math.min(best[k] ?? Infinity, ms); };
    for (let r = 0; r < ROUNDS; r++) {
      for (const t of [1, 2]) {
        setWasmGemmThreads(t);
        keep(`avey_${t}t`, await timeBest(() => wasmSgemm(s.M, s.N, s.K, a, 0, s.K, false, b, 0, s.N, false, c, 0), (QUICK ? 100 : 600) / ROUNDS));
        setWasmGemmThreads(null);
        const session = sessions[t - 1];
        if (session && feeds) keep(`onnxruntime_${t}t`, await timeBest(async () => { (await session.run(feeds)).Y.dispose(); }, (QUICK ? 100 : 600) / ROUNDS));
      }
    }
    for (const k of ['avey_1t', 'avey_2t', 'onnxruntime_1t', 'onnxruntime_2t']) if (best[k] !== undefined) row[k] = gf(best[k]);
    for (const session of sessions) await session.release();
    rows.push(row);
    log(`  ${s.name}: ${JSON.stringify(row)}`);
  }
  return { rows, onnxruntime: ortReason ?? 'onnxruntime-node MatMul (MLAS), intraOpNumThreads 1 and 2' };
}

// ---- main -----------------------------------------------------------------------------------
setFlagsFromString('--experimental-wasm-relaxed-simd'); // Node 20: relaxed SIMD is behind a flag
log(`roofline on ${cpus()[0]?.model ?? 'unknown CPU'} × ${cpus().length}, node ${process.version}, load ${loadavg()[0].toFixed(2)}`);
const ceilings = {
  wasm_simd128_mul_add: await wasmPeak(false),
  wasm_relaxed_fma: await wasmPeak(true),
  native_fma_128: nativePeak(128),
  native_fma_256: nativePeak(256),
};
log(`  ceilings (GFLOP/s, 1 thread): ${JSON.stringify(ceilings)}`);
const g = await gemms();
const report = {
  cpu: cpus()[0]?.model ?? null, cpus: cpus().length, node: process.version, load_start: loadavg()[0],
  gemm_kernel: wasmGemmFma() ? 'relaxed-SIMD FMA' : 'SIMD128 mul + add', gemm_tile: `${wasmGemmTile().mr}×${wasmGemmTile().nr}`,
  ceilings_gflops_1thread: ceilings, gemm_gflops: g.rows, onnxruntime: g.onnxruntime, load_end: loadavg()[0],
  time: new Date().toISOString(),
};
if (JSON_OUT) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
else {
  const r1 = (x: number | null | undefined) => (x === null || x === undefined ? '–' : x.toFixed(1));
  process.stdout.write(`ceilings, 1 thread (GFLOP/s): wasm mul+add ${r1(ceilings.wasm_simd128_mul_add)}, wasm relaxed FMA ${r1(ceilings.wasm_relaxed_fma)}, native 128-bit FMA ${r1(ceilings.native_fma_128.gflops)}, native 256-bit FMA ${r1(ceilings.native_fma_256.gflops)}\n`);
  process.stdout.write('| GEMM | avey 1 thread | avey 2 threads | onnxruntime 1 thread | onnxruntime 2 threads | avey 1t / wasm FMA ceiling |\n|---|---|---|---|---|---|\n');
  for (const r of g.rows) {
    const x = r as Record<string, number> & { shape: string };
    process.stdout.write(`| ${x.shape} | ${r1(x.avey_1t)} | ${r1(x.avey_2t)} | ${r1(x.onnxruntime_1t)} | ${r1(x.onnxruntime_2t)} | ${Math.round((100 * x.avey_1t) / ceilings.wasm_relaxed_fma)} % |\n`);
  }
}
