// The wasm RMSNorm kernels against plain references, bit for bit:
//   wasmRmsScaleF32: out = float32((x·inv)·w), the products in float64 (the JS loop of cpu/fused/norms.ts);
//   wasmRmsSumSqF32 / wasmRmsGradSumsF32: per-row float64 sums Σx², Σ(g·w)·x in j order;
//   wasmRmsGradF32: dx = float32(((inv·g)·w) − x·c), dwAcc[j] += (g·x)·inv over rows in order;
// and the fused rmsNorm / rmsNormGrad kernels through the public API against the composition.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import * as T from '../src/index.js';
import { rmsNormComposed, rmsNormGradComposed } from '../src/fused/index.js';
import '../src/cpu/fused/index.js';
import { wasmKernelsAvailable, wasmRmsGradF32, wasmRmsGradSumsF32, wasmRmsScaleF32, wasmRmsSumSqF32 } from '../src/cpu/wasm/index.js';

const skip = wasmKernelsAvailable() ? false : 'WebAssembly SIMD128 unavailable';

const same = (a: number, b: number, what = '') => assert.ok(Object.is(a, b), `${what}: ${a} vs ${b}`);

function lcg(seed: number, n: number, scale: number): Float32Array {
  let st = seed >>> 0;
  return Float32Array.from({ length: n }, () => {
    st = (Math.imul(st, 1103515245) + 12345) >>> 0;
    return (st / 2 ** 32 - 0.5) * scale;
  });
}

test('wasmRmsScaleF32 = the float64 JS loop, bit for bit (offsets, multi-block rows)', { skip }, () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 600 }), fc.integer({ min: 0, max: 5 }), fc.integer({ min: 1, max: 1 << 30 }), (rows, c4, off, seed) => {
      const cols = 4 * c4;
      const x = lcg(seed, off + rows * cols, 8), w = lcg(seed ^ 0x5555, off + cols, 3);
      const inv = Float64Array.from({ length: rows }, (_, r) => 1 / Math.sqrt(0.3 + r * 0.71));
      const got = new Float32Array(rows * cols);
      wasmRmsScaleF32(x, off, inv, w, off, got, rows, cols);
      const want = new Float32Array(rows * cols);
      for (let r = 0; r < rows; r++) for (let j = 0; j < cols; j++) want[r * cols + j] = x[off + r * cols + j] * inv[r] * w[off + j];
      for (let i = 0; i < rows * cols; i++) same(got[i], want[i], `out ${i}`);
    }),
    { numRuns: 40 },
  );
});

test('wasmRmsGradF32 = the float64 JS loop, bit for bit (dx and the row-ordered dw sums)', { skip }, () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 600 }), fc.integer({ min: 0, max: 5 }), fc.integer({ min: 1, max: 1 << 30 }), (rows, c4, off, seed) => {
      const cols = 4 * c4;
      const x = lcg(seed, off + rows * cols, 8), g = lcg(seed ^ 0x1234, off + rows * cols, 2), w = lcg(seed ^ 0x5555, off + cols, 3);
      const inv = Float64Array.from({ length: rows }, (_, r) => 1 / Math.sqrt(0.3 + r * 0.71));
      const c = Float64Array.from({ length: rows }, (_, r) => (r - 7.5) * 1e-3 / 3);
      const dx = new Float32Array(rows * cols), acc = Float64Array.from({ length: cols }, (_, j) => j * 0.125);
      wasmRmsGradF32(x, off, g, off, inv, c, w, off, dx, acc, rows, cols);
      const wdx = new Float32Array(rows * cols), wacc = Float64Array.from({ length: cols }, (_, j) => j * 0.125);
      for (let r = 0; r < rows; r++) for (let j = 0; j < cols; j++) {
        const xv = x[off + r * cols + j], gv = g[off + r * cols + j];
        wdx[r * cols + j] = inv[r] * gv * w[off + j] - xv * c[r];
        wacc[j] += gv * xv * inv[r];
      }
      for (let i = 0; i < rows * cols; i++) same(dx[i], wdx[i], `dx ${i}`);
      for (let j = 0; j < cols; j++) same(acc[j], wacc[j], `dw ${j}`);
    }),
    { numRuns: 40 },
  );
});

test('wasmRmsSumSqF32 and wasmRmsGradSumsF32 = the sequential float64 row sums, bit for bit', { skip }, () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 70 }), fc.integer({ min: 1, max: 600 }), fc.integer({ min: 0, max: 5 }), fc.integer({ min: 1, max: 1 << 30 }), (rows, c4, off, seed) => {
      const cols = 4 * c4;
      const x = lcg(seed, off + rows * cols, 8), g = lcg(seed ^ 0x1234, off + rows * cols, 2), w = lcg(seed ^ 0x5555, off + cols, 3);
      const ss = new Float64Array(rows).fill(-1), ss2 = new Float64Array(rows).fill(-1), gwx = new Float64Array(rows).fill(-1);
      const n4 = wasmRmsSumSqF32(x, off, rows, cols, ss);
      const n2 = wasmRmsGradSumsF32(x, off, g, off, w, off, rows, cols, ss2, gwx);
      assert.equal(n4, rows - (rows % 4));
      assert.equal(n2, rows - (rows % 2));
      for (let r = 0; r < rows; r++) {
        let a = 0, b = 0;
        for (let j = 0; j < cols; j++) {
          const xv = x[off + r * cols + j];
          a += xv * xv;
          b += g[off + r * cols + j] * w[off + j] * xv;
        }
        if (r < n4) same(ss[r], a, `ss ${r}`);
        else same(ss[r], -1, `untouched ${r}`);
        if (r < n2) { same(ss2[r], a, `ss2 ${r}`); same(gwx[r], b, `gwx ${r}`); }
        else same(gwx[r], -1, `untouched ${r}`);
      }
    }),
    { numRuns: 40 },
  );
});

test('rmsNorm / rmsNormGrad kernels on wasm match the composition', { skip }, () => {
  const rows = 37, D = 64;
  const x = T.tensor(Array.from(lcg(7, rows * D, 4)), { shape: [rows, D], dtype: 'float32' });
  const w = T.tensor(Array.from(lcg(9, D, 2)), { shape: [D], dtype: 'float32' });
  const g = T.tensor(Array.from(lcg(11, rows * D, 1)), { shape: [rows, D], dtype: 'float32' });
  const y = T.getKernel('rmsNorm', x.backend)!(x, w, 1e-6);
  const yRef = rmsNormComposed(x, w, 1e-6);
  const a = y.dataSync(), b = yRef.dataSync();
  for (let i = 0; i < rows * D; i++) assert.ok(Math.abs(a[i] - b[i]) <= 1e-5 * (1 + Math.abs(b[i])), `y ${i}`);
  const got = T.getKernel('rmsNormGrad', x.backend)!(x, w, g, 1e-6);
  const ref = rmsNormGradComposed(x, w, g, 1e-6);
  const gd = got.dx.dataSync(), rd = ref.dx.dataSync();
  for (let i = 0; i < rows * D; i++) assert.ok(Math.abs(gd[i] - rd[i]) <= 1e-4 * (1 + Math.abs(rd[i])), `dx ${i}`);
  const gw = got.dw!.dataSync(), rw = ref.dw!.dataSync();
  for (let j = 0; j < D; j++) assert.ok(Math.abs(gw[j] - rw[j]) <= 1e-4 * (1 + Math.abs(rw[j])), `dw ${j}`);
});
