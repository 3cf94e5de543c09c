// The CPU 'linearGelu' kernel (bias + exact GELU in the wasm GEMM's epilogue) against its reference
// composition ('linear' then 'gelu' / 'geluWithGrad'): bit for bit at every size (below the
// small-GEMM / small-map thresholds the kernel itself falls back to the composition); w as stored
// (out, in) or as a transposed view, with and without bias.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import * as T from '../src/index.js';
import { linearGeluComposed } from '../src/fused/index.js';
import { wasmKernelsAvailable } from '../src/cpu/wasm/index.js';
import { lcg } from './reference.js';

const skip = wasmKernelsAvailable() ? false : 'WebAssembly SIMD128 unavailable';

test("'linearGelu' (cpu) = linear then GELU (with and without dy/dz)", { skip }, () => {
  const k = T.getKernel('linearGelu', 'cpu');
  assert.ok(k, "the cpu backend registers 'linearGelu'");
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 70 }), fc.integer({ min: 1, max: 60 }),
      fc.boolean(), fc.boolean(), fc.boolean(), fc.integer({ min: 1, max: 1e9 }),
      (R, lead, outF, inF, withBias, wT, withGrad, seed) => {
        T.scope(() => {
          const x = T.tensor(lcg(lead * R * inF, seed, 2), { shape: [lead, R, inF] });
          const w = wT ? T.transpose(T.tensor(lcg(inF * outF, seed + 1, 1), { shape: [inF, outF] }), 0, 1) : T.tensor(lcg(outF * inF, seed + 1, 1), { shape: [outF, inF] });
          const b = withBias ? T.tensor(lcg(outF, seed + 2, 1), { shape: [outF] }) : null;
          const got = k(x, w, b, withGrad);
          const want = linearGeluComposed(x, w, b, withGrad);
          assert.deepEqual(got.y.shape, [lead, R, outF]);
          const gy = got.y.dataSync() as Float32Array, wy = want.y.dataSync() as Float32Array;
          const exact = true;
          const close = (a: Float32Array, c: Float32Array, what: string): void => {
            if (exact) assert.deepEqual(a, c, what);
            else for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - c[i]) <= 1e-5 * (1 + Math.abs(c[i])), `${what}[${i}]: ${a[i]} vs ${c[i]}`);
          };
          close(gy, wy, 'y');
          if (withGrad) close(got.dydz!.dataSync() as Float32Array, want.dydz!.dataSync() as Float32Array, 'dydz');
          else assert.equal(got.dydz, null);
        });
      },
    ),
    { numRuns: 120 },
  );
});

test("'linearGelu' (cpu) on a large problem is bitwise the two-step path", { skip }, () => {
  const k = T.getKernel('linearGelu', 'cpu')!;
  T.scope(() => {
    const x = T.tensor(lcg(300 * 64, 5, 2), { shape: [300, 64] });
    const w = T.tensor(lcg(96 * 64, 6, 0.5), { shape: [96, 64] });
    const b = T.tensor(lcg(96, 7, 1), { shape: [96] });
    const got = k(x, w, b, true), want = linearGeluComposed(x, w, b, true);
    assert.deepEqual(got.y.dataSync(), want.y.dataSync());
    assert.deepEqual(got.dydz!.dataSync(), want.dydz!.dataSync());
  });
});

test("'linear' (cpu) = matmul then bias add, bit for bit (bias in the wasm epilogue above the small-GEMM threshold)", { skip }, () => {
  const k = T.getKernel('linear', 'cpu')!;
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 300 }), fc.integer({ min: 1, max: 70 }), fc.integer({ min: 1, max: 60 }), fc.boolean(), fc.integer({ min: 1, max: 1e9 }),
      (R, outF, inF, wT, seed) => {
        T.scope(() => {
          const x = T.tensor(lcg(R * inF, seed, 2), { shape: [1, R, inF] });
          const w = wT ? T.transpose(T.tensor(lcg(inF * outF, seed + 1, 1), { shape: [inF, outF] }), 0, 1) : T.tensor(lcg(outF * inF, seed + 1, 1), { shape: [outF, inF] });
          const b = T.tensor(lcg(outF, seed + 2, 1), { shape: [outF] });
          const got = k(x, w, b), want = T.add(T.matmul(x, T.transpose(w, 0, 1)), b);
          assert.deepEqual(got.shape, [1, R, outF]);
          assert.deepEqual(got.dataSync(), want.dataSync());
        });
      },
    ),
    { numRuns: 60 },
  );
});
