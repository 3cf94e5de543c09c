// wasmSgemmBatched / sgemmBatched: B problems in one call must give, bit for bit, what one wasmSgemm
// call per problem gives (shared operands with batch stride 0, transposes, padded row strides, both
// thread counts), and stay within float32 rounding of a float64 loop.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { setWasmGemmBlocking, setWasmGemmThreads, wasmKernelsAvailable, wasmSgemm, wasmSgemmBatched } from '../src/cpu/wasm/index.js';
import { getSgemmImpl, setSgemmImpl, sgemmBatched, sgemmJs } from '../src/cpu/sgemm.js';
import { lcg } from './reference.js';

const skip = wasmKernelsAvailable() ? false : 'WebAssembly SIMD128 unavailable';

const arb = fc.record({
  batch: fc.integer({ min: 1, max: 9 }),
  M: fc.integer({ min: 1, max: 80 }),
  N: fc.integer({ min: 1, max: 80 }),
  K: fc.integer({ min: 1, max: 90 }),
  transA: fc.boolean(),
  transB: fc.boolean(),
  shareA: fc.boolean(),
  shareB: fc.boolean(),
  pad: fc.integer({ min: 0, max: 3 }),
  off: fc.integer({ min: 0, max: 4 }),
  seed: fc.integer({ min: 1, max: 1e9 }),
  small: fc.constantFrom(0, 1024),
  threads: fc.constantFrom(1, 2),
});

test('wasmSgemmBatched = one wasmSgemm per problem, bitwise (strides, shared operands, threads)', { skip }, () => {
  try {
    fc.assert(
      fc.property(arb, (p) => {
        setWasmGemmBlocking({ small: p.small });
        setWasmGemmThreads(p.threads);
        const { batch, M, N, K, transA, transB, pad, off } = p;
        const lda = (transA ? M : K) + pad, ldb = (transB ? K : N) + pad;
        const aSpan = (transA ? K : M) * lda, bSpan = (transB ? N : K) * ldb;
        const aStride = p.shareA ? 0 : aSpan + 1, bStride = p.shareB ? 0 : bSpan + 2;
        const a = lcg(off + batch * (aSpan + 1) + 1, p.seed), b = lcg(off + batch * (bSpan + 2) + 1, p.seed + 1);
        const got = new Float32Array(off + batch * M * N + 2).fill(9);
        wasmSgemmBatched(batch, M, N, K, a, off, aStride, lda, transA, b, off, bStride, ldb, transB, got, off);
        const want = new Float32Array(got.length).fill(9);
        for (let i = 0; i < batch; i++) {
          wasmSgemm(M, N, K, a, off + i * aStride, lda, transA, b, off + i * bStride, ldb, transB, want, off + i * M * N);
        }
        assert.deepEqual(got, want);
        // and against float64 (problem batch − 1)
        const i = batch - 1;
        for (let r = 0; r < M; r++) {
          for (let c = 0; c < N; c++) {
            let s = 0;
            for (let k = 0; k < K; k++) {
              const av = transA ? a[off + i * aStride + k * lda + r] : a[off + i * aStride + r * lda + k];
              const bv = transB ? b[off + i * bStride + c * ldb + k] : b[off + i * bStride + k * ldb + c];
              s += av * bv;
            }
            assert.ok(Math.abs(got[off + i * M * N + r * N + c] - s) <= 1e-6 * K + 1e-6);
          }
        }
      }),
      { numRuns: 150 },
    );
  } finally {
    setWasmGemmBlocking(null);
    setWasmGemmThreads(null);
  }
});

test('sgemmBatched without a batched implementation loops over the installed sgemm', { skip }, () => {
  const before = getSgemmImpl();
  try {
    setSgemmImpl(sgemmJs);
    const a = lcg(3 * 4 * 5, 1), b = lcg(5 * 6, 2);
    const got = new Float32Array(3 * 4 * 6), want = new Float32Array(3 * 4 * 6);
    sgemmBatched(3, 4, 6, 5, a, 0, 20, 5, false, b, 0, 0, 6, false, got, 0);
    for (let i = 0; i < 3; i++) sgemmJs(4, 6, 5, a, i * 20, 5, false, b, 0, 6, false, want, i * 24);
    assert.deepEqual(got, want);
  } finally {
    setSgemmImpl(before === sgemmJs ? null : before, before === wasmSgemm ? wasmSgemmBatched : null);
  }
});
