// The CPU 'gatedMix' kernel (Avey-B's [gate ⊙ (S v) ‖ bypass], cpu/fused/gated-mix.ts) against its
// reference composition (matmul, mul, cat): bit for bit for every shape, with S per problem
// (…, C, C) or shared (C, C), stored or as a transposed view, on one and two GEMM threads (shapes the
// kernel does not take run the composition, so they must match too).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import * as T from '../src/index.js';
import { setWasmGemmThreads, wasmKernelsAvailable } from '../src/cpu/wasm/index.js';
import { lcg } from './reference.js';

const skip = wasmKernelsAvailable() ? false : 'WebAssembly SIMD128 unavailable';

test("'gatedMix' (cpu) = matmul, mul, cat, bit for bit", { skip }, () => {
  const k = T.getKernel('gatedMix', 'cpu');
  assert.ok(k, "the cpu backend registers 'gatedMix'");
  try {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 70 }), fc.constantFrom(8, 16, 64, 12, 4), fc.constantFrom('batched', 'shared', 'transposed'),
        fc.boolean(), fc.integer({ min: 1, max: 1e9 }),
        (B, C, m4, kind, twoThreads, seed) => {
          setWasmGemmThreads(twoThreads ? 2 : 1);
          T.scope(() => {
            const z = T.tensor(lcg(B * C * 4 * m4, seed, 2), { shape: [B, C, 4 * m4] });
            const mix = kind === 'batched' ? T.tensor(lcg(B * C * C, seed + 1, 1), { shape: [B, C, C] })
              : kind === 'shared' ? T.tensor(lcg(C * C, seed + 1, 1), { shape: [C, C] })
                : T.transpose(T.tensor(lcg(C * C, seed + 1, 1), { shape: [C, C] }), 0, 1);
            const got = k(z, mix), want = T.gatedMixComposed(z, mix);
            assert.deepEqual(got.shape, [B, C, 3 * m4]);
            assert.deepEqual(got.dataSync(), want.dataSync(), `B=${B} C=${C} m/4=${m4} ${kind}`);
          });
        },
      ),
      { numRuns: 150 },
    );
  } finally {
    setWasmGemmThreads(null);
  }
});

test("'gatedMix' (cpu) at Avey-B small's shape (2 chunks of 64 rows, m = 1024)", { skip }, () => {
  const k = T.getKernel('gatedMix', 'cpu')!;
  T.scope(() => {
    const z = T.tensor(lcg(2 * 64 * 1024, 3, 2), { shape: [2, 64, 1024] });
    for (const mix of [T.tensor(lcg(2 * 64 * 64, 4, 0.2), { shape: [2, 64, 64] }), T.tensor(lcg(64 * 64, 5, 0.2), { shape: [64, 64] })]) {
      assert.deepEqual(k(z, mix).dataSync(), T.gatedMixComposed(z, mix).dataSync(), `mix ${mix.shape.join('×')}`);
    }
  });
});
