// The CPU 'normalizeL2' kernel (F.normalize(x, p=2, dim=−1) in three wasm passes, cpu/fused/norms.ts)
// against its reference composition: bit for bit for contiguous tensors and for narrow views of
// the last axis (Avey-B's v slice), with all-zero rows (the clamps) and NaNs.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import * as T from '../src/index.js';
import { wasmKernelsAvailable } from '../src/cpu/wasm/index.js';
import { lcg } from './reference.js';

const skip = wasmKernelsAvailable() ? false : 'WebAssembly SIMD128 unavailable';

test("'normalizeL2' (cpu) = x / max(√max(Σx², 1e-30), eps), bit for bit", { skip }, () => {
  const k = T.getKernel('normalizeL2', 'cpu');
  assert.ok(k, "the cpu backend registers 'normalizeL2'");
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 70 }), fc.integer({ min: 1, max: 300 }), fc.integer({ min: 0, max: 3 }),
      fc.constantFrom(0, 1e-12, 1e-3, 0.5), fc.integer({ min: 0, max: 3 }), fc.integer({ min: 1, max: 1e9 }),
      (B, R, D, extra, eps, special, seed) => {
        T.scope(() => {
          const data = lcg(B * R * (D + extra), seed, 3);
          if (special >= 1) data.fill(0, 0, D + extra);           // an all-zero row
          if (special >= 2) data[Math.min(data.length - 1, D + extra + 1)] = NaN;
          if (special >= 3) data.fill(1e-20, 0, D + extra);       // squares below the inner clamp (visible with eps 0)
          const wide = T.tensor(data, { shape: [B, R, D + extra] });
          const x = extra > 0 ? T.narrow(wide, -1, extra, D) : wide; // rows at a stride
          const got = k(x, eps), want = T.normalizeL2Composed(x, eps);
          assert.deepEqual(got.shape, x.shape);
          assert.deepEqual(got.dataSync(), want.dataSync(), `B=${B} R=${R} D=${D} extra=${extra} eps=${eps} special=${special}`);
        });
      },
    ),
    { numRuns: 150 },
  );
});
