// wasmSgemmGroupMax (the MaxSim GEMM epilogue): G[b, m, q] = max over column group q (S columns) of
// C_b = op(A_b)·op(B_b) must equal the batched GEMM followed by the CPU max rule (first of tied
// maxima, NaN wins), bit for bit (Object.is), for random sizes, group sizes, transposes, shared
// operands, zero rows (±0 ties), NaNs and both thread counts.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { setWasmGemmBlocking, setWasmGemmThreads, wasmKernelsAvailable, wasmSgemmBatched, wasmSgemmGroupMax, wasmSgemmGroupMaxSym } from '../src/cpu/wasm/index.js';
import { lcg } from './reference.js';

const skip = wasmKernelsAvailable() ? false : 'WebAssembly SIMD128 unavailable';

test('wasmSgemmGroupMax = batched GEMM, then the max rule per column group (bitwise)', { skip }, () => {
  try {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 60 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 1, max: 40 }), fc.boolean(), fc.boolean(), fc.boolean(), fc.constantFrom(1, 2), fc.constantFrom('none', 'zeros', 'nan'),
        fc.boolean(), fc.integer({ min: 1, max: 1e9 }),
        (batch, M, groups, S, K, transA, transB, shareB, threads, special, tiny, seed) => {
          setWasmGemmThreads(threads);
          setWasmGemmBlocking(tiny ? { mc: 8, kc: 3, nc: 16, small: 0 } : { mc: 128, kc: 256, nc: 512, small: 0 });
          const N = groups * S;
          const lda = transA ? M : K, ldb = transB ? K : N;
          const a = lcg(batch * M * K, seed), b = lcg(batch * K * N, seed + 1);
          if (special === 'zeros') for (let i = 0; i < a.length; i += 3) a[i] = 0, a[i + 1] = -0; // many ±0 products
          if (special === 'zeros') for (let i = 0; i < b.length; i += 2) b[i] = 0;
          if (special === 'nan') a[seed % a.length] = NaN;
          const bStride = shareB ? 0 : K * N;
          const g = new Float32Array(1 + batch * M * groups).fill(9);
          wasmSgemmGroupMax(batch, M, N, K, a, 0, M * K, lda, transA, b, 0, bStride, ldb, transB, S, g, 1);
          const c = new Float32Array(batch * M * N);
          wasmSgemmBatched(batch, M, N, K, a, 0, M * K, lda, transA, b, 0, bStride, ldb, transB, c, 0);
          assert.equal(g[0], 9);
          for (let r = 0; r < batch * M; r++) {
            for (let q = 0; q < groups; q++) {
              let acc = c[r * N + q * S];
              for (let j = 1; j < S; j++) {
                const v = c[r * N + q * S + j];
                if (v > acc || v !== v) acc = v;
              }
              assert.ok(Object.is(g[1 + r * groups + q], acc) || (Number.isNaN(acc) && Number.isNaN(g[1 + r * groups + q])), `G[${r}, ${q}] = ${g[1 + r * groups + q]} vs ${acc}`);
            }
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

test('wasmSgemmGroupMax rejects N not a multiple of S', { skip }, () => {
  const x = new Float32Array(64);
  assert.throws(() => wasmSgemmGroupMax(1, 2, 6, 2, x, 0, 0, 2, false, x, 0, 0, 6, false, 4, x, 0), /not a multiple/);
});

test("'matmulGroupMax' (cpu) = max(reshape(matmul(a, b)), −1), bit for bit (views as the ranker passes them)", { skip }, async () => {
  const T = await import('../src/index.js');
  const { matmulGroupMaxComposed } = await import('../src/fused/index.js');
  const k = T.getKernel('matmulGroupMax', 'cpu');
  assert.ok(k);
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 40 }), fc.boolean(), fc.integer({ min: 1, max: 1e9 }), (B, N, S, E, all, seed) => {
      T.scope(() => {
        const Tp = N * S;
        const x = T.tensor(lcg(B * Tp * E, seed), { shape: [B, Tp, E] });
        const xT = T.transpose(x, 1, 2);                       // (B, E, T'), a transposed view
        // every query row (q = x: the symmetric kernel) or a narrow of them
        const q = all ? T.narrow(x, 1, 0, Tp) : T.narrow(x, 1, 0, Math.max(1, Math.floor(N / 2)) * S);
        const got = k(q, xT, S).dataSync() as Float32Array;
        const want = matmulGroupMaxComposed(q, xT, S).dataSync() as Float32Array;
        assert.equal(got.length, want.length);
        for (let i = 0; i < got.length; i++) assert.ok(Object.is(got[i], want[i]), `[${i}] ${got[i]} vs ${want[i]}`);
      });
    }),
    { numRuns: 100 },
  );
});

test('wasmSgemmGroupMaxSym (upper-triangle tiles of X·Xᵀ) = wasmSgemmGroupMax on X, Xᵀ, bit for bit', { skip }, () => {
  try {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 9 }), fc.constantFrom(1, 2, 3, 5, 8, 16, 64), fc.integer({ min: 1, max: 70 }),
        fc.constantFrom(1, 2), fc.constantFrom('none', 'ties', 'nan'), fc.constantFrom('default', 'tiny', 'mid'), fc.integer({ min: 0, max: 7 }), fc.integer({ min: 1, max: 1e9 }),
        (batch, groups, S, K, threads, special, blk, pad, seed) => {
          setWasmGemmThreads(threads);
          setWasmGemmBlocking(blk === 'tiny' ? { mc: 8, kc: 3, nc: 16, small: 0 } : blk === 'mid' ? { mc: 24, kc: 17, nc: 64, small: 0 } : { mc: 120, kc: 256, nc: 512, small: 0 });
          const M = groups * S, ldx = K + pad;
          const x = lcg(batch * M * ldx + 3, seed);
          // quantised values: equal products, ties in the maxima, exact zeros
          if (special === 'ties') for (let i = 0; i < x.length; i++) x[i] = Math.round(x[i] * 2) / 2;
          if (special === 'nan') x[3 + (seed % (batch * M)) * ldx] = NaN;
          const gs = new Float32Array(2 + batch * M * groups).fill(9), gg = new Float32Array(2 + batch * M * groups).fill(9);
          wasmSgemmGroupMaxSym(batch, M, K, x, 3, M * ldx, ldx, S, gs, 2);
          wasmSgemmGroupMax(batch, M, M, K, x, 3, M * ldx, ldx, false, x, 3, M * ldx, ldx, true, S, gg, 2);
          assert.deepEqual(new Uint32Array(gs.buffer), new Uint32Array(gg.buffer));
        },
      ),
      { numRuns: 200 },
    );
  } finally {
    setWasmGemmThreads(null);
    setWasmGemmBlocking(null);
  }
  assert.throws(() => wasmSgemmGroupMaxSym(1, 10, 4, new Float32Array(40), 0, 0, 4, 3, new Float32Array(40), 0), /not a multiple of S/);
});
