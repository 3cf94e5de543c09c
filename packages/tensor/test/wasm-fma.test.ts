// The relaxed-SIMD FMA micro-kernel of the wasm sgemm (KERNELS_FMA_SHARED_WASM_BASE64): active where
// the engine ships relaxed SIMD (Node ≥ 22), or with AVEY_CPU_FMA=1 (runtime.ts then switches V8's
// relaxed SIMD on, as the avey CLI does at start-up); AVEY_CPU_FMA=0 keeps the SIMD128 mul + add
// kernel. Both against a float64 loop (fast-check), and run to run bitwise stable.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { setWasmGemmBlocking, wasmGemmFma, wasmKernelsAvailable, wasmSgemm } from '../src/cpu/wasm/index.js';
import { KERNELS_FMA_SHARED_WASM_BASE64 } from '../src/cpu/wasm/kernels.gen.js';
import { lcg } from './reference.js';

const skip = wasmKernelsAvailable() ? false : 'WebAssembly SIMD128 unavailable';

/** C = A·B (A [M, K], B [K, N], row-major) in float64. */
function naive(M: number, N: number, K: number, a: Float32Array, b: Float32Array): Float64Array {
  const c = new Float64Array(M * N);
  for (let i = 0; i < M; i++) for (let k = 0; k < K; k++) for (let j = 0; j < N; j++) c[i * N + j] += a[i * K + k] * b[k * N + j];
  return c;
}

test('the FMA micro-kernel is active where relaxed SIMD ships or AVEY_CPU_FMA=1, never with AVEY_CPU_FMA=0', { skip }, () => {
  const env = process.env.AVEY_CPU_FMA;
  const native = WebAssembly.validate(Buffer.from(KERNELS_FMA_SHARED_WASM_BASE64, 'base64'));
  assert.equal(wasmGemmFma(), env === '0' ? false : env === '1' || native);
});

test('wasm sgemm (active micro-kernel) = float64 loop, and the same bits on a second call', { skip }, () => {
  setWasmGemmBlocking({ small: 0 });
  try {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 70 }), fc.integer({ min: 1, max: 70 }), fc.integer({ min: 1, max: 300 }), fc.integer({ min: 1, max: 1e9 }), (M, N, K, seed) => {
        const a = lcg(M * K, seed), b = lcg(K * N, seed + 7);
        const c1 = new Float32Array(M * N), c2 = new Float32Array(M * N);
        wasmSgemm(M, N, K, a, 0, K, false, b, 0, N, false, c1, 0);
        wasmSgemm(M, N, K, a, 0, K, false, b, 0, N, false, c2, 0);
        assert.deepEqual(c2, c1);
        const ref = naive(M, N, K, a, b);
        for (let i = 0; i < M * N; i++) assert.ok(Math.abs(c1[i] - ref[i]) <= 1e-6 * K + 1e-6, `C[${i}] = ${c1[i]} vs ${ref[i]}`);
      }),
      { numRuns: 100 },
    );
  } finally {
    setWasmGemmBlocking(null);
  }
});

test('AVEY_CPU_FMA=0 (SIMD128 mul + add) and AVEY_CPU_FMA=1 (FMA, relaxed SIMD switched on) agree to float32 rounding', { skip }, () => {
  const M = 37, N = 45, K = 300;
  const a = lcg(M * K, 3), b = lcg(K * N, 4);
  const here = new Float32Array(M * N);
  wasmSgemm(M, N, K, a, 0, K, false, b, 0, N, false, here, 0);
  const src = fileURLToPath(new URL('../src/cpu/wasm/index.ts', import.meta.url));
  const script = `
    const m = await import(${JSON.stringify(src)});
    ${lcg.toString()}
    const a = lcg(${M * K}, 3), b = lcg(${K * N}, 4), c = new Float32Array(${M * N});
    m.wasmSgemm(${M}, ${N}, ${K}, a, 0, ${K}, false, b, 0, ${N}, false, c, 0);
    process.stdout.write(JSON.stringify({ fma: m.wasmGemmFma(), c: Array.from(c) }));`;
  const ref = naive(M, N, K, a, b);
  for (const mode of ['0', '1'] as const) {
    const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      env: { ...process.env, AVEY_CPU_FMA: mode }, encoding: 'utf8',
    });
    const child = JSON.parse(out) as { fma: boolean; c: number[] };
    assert.equal(child.fma, mode === '1', `AVEY_CPU_FMA=${mode}`);
    for (let i = 0; i < M * N; i++) {
      assert.ok(Math.abs(child.c[i] - ref[i]) <= 1e-6 * K, `AVEY_CPU_FMA=${mode}: C[${i}] = ${child.c[i]} vs ${ref[i]}`);
      assert.ok(Math.abs(child.c[i] - here[i]) <= 2e-6 * K, `AVEY_CPU_FMA=${mode} vs this process: C[${i}]`);
    }
  }
});
