// wasmSgemmBiasAct: act(op(A)·op(B) + bias) with the bias and the exact GELU (and its derivative)
// applied in the GEMM epilogue must equal, bit for bit, wasmSgemm followed by a float32 bias add and
// the separate wasm GELU kernels (random sizes, transposes, both thread counts, tiny blocks).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  setWasmGemmBlocking, setWasmGemmThreads, wasmGeluWithGradF32, wasmKernelsAvailable, wasmSgemm, wasmSgemmBiasAct, wasmUnaryF32,
  type GemmActivation,
} from '../src/cpu/wasm/index.js';
import { lcg } from './reference.js';

const skip = wasmKernelsAvailable() ? false : 'WebAssembly SIMD128 unavailable';

test('wasmSgemmBiasAct = wasmSgemm, then bias add, then GELU / GELU-with-grad (bitwise)', { skip }, () => {
  try {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 90 }), fc.integer({ min: 1, max: 90 }), fc.integer({ min: 1, max: 70 }),
        fc.boolean(), fc.boolean(), fc.boolean(), fc.constantFrom<GemmActivation>('none', 'gelu', 'geluGrad'),
        fc.constantFrom(1, 2), fc.boolean(), fc.integer({ min: 1, max: 1e9 }),
        (M, N, K, transA, transB, withBias, act, threads, tiny, seed) => {
          setWasmGemmThreads(threads);
          setWasmGemmBlocking(tiny ? { mc: 8, kc: 5, nc: 16, small: 0 } : { mc: 128, kc: 256, nc: 512, small: 0 }); // small: 0 — the reference runs on wasm too
          const a = lcg(M * K + 1, seed, 2), b = lcg(K * N + 2, seed + 1, 2), bias = lcg(N + 3, seed + 2, 3);
          const lda = transA ? M : K, ldb = transB ? K : N;
          const c = new Float32Array(M * N + 2).fill(7), d = new Float32Array(M * N + 1).fill(7);
          wasmSgemmBiasAct(M, N, K, a, 1, lda, transA, b, 2, ldb, transB, c, 1, withBias ? bias : null, 3, act, act === 'geluGrad' ? d : null, 1);
          // reference: the separate passes
          const z = new Float32Array(M * N);
          wasmSgemm(M, N, K, a, 1, lda, transA, b, 2, ldb, transB, z, 0);
          if (withBias) for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) z[i * N + j] += bias[3 + j];
          const y = new Float32Array(M * N), dd = new Float32Array(M * N);
          if (act === 'gelu') wasmUnaryF32('gelu', z, y, M * N);
          else if (act === 'geluGrad') wasmGeluWithGradF32(z, y, dd, M * N);
          else y.set(z);
          assert.deepEqual(c.subarray(1, 1 + M * N), y);
          assert.equal(c[0], 7);
          assert.equal(c[M * N + 1], 7);
          if (act === 'geluGrad') {
            assert.deepEqual(d.subarray(1), dd);
            assert.equal(d[0], 7);
          }
        },
      ),
      { numRuns: 150 },
    );
  } finally {
    setWasmGemmThreads(null);
    setWasmGemmBlocking(null);
  }
});

test('wasmSgemmBiasAct rejects empty sizes and a missing D', { skip }, () => {
  const x = new Float32Array(4);
  assert.throws(() => wasmSgemmBiasAct(0, 2, 2, x, 0, 2, false, x, 0, 2, false, x, 0, null, 0, 'gelu'), /M, N, K >= 1/);
  assert.throws(() => wasmSgemmBiasAct(2, 2, 2, x, 0, 2, false, x, 0, 2, false, x, 0, null, 0, 'geluGrad', null), /needs the output d/);
});
