// Row-strided fast paths of the CPU backend: wasmBinaryRowsF32 (float32 + − × ÷ over contiguous rows
// with any row strides, incl. 0) against the plain loop, bit for bit; and the public ops that now
// take them (a binary op on narrows of the last axis, cat / contiguous copies by rows) against
// element-by-element references.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import * as T from '../src/index.js';
import { wasmBinaryRowsF32, wasmKernelsAvailable, type WasmBinaryOp } from '../src/cpu/wasm/index.js';
import { lcg } from './reference.js';

const skip = wasmKernelsAvailable() ? false : 'WebAssembly SIMD128 unavailable';
const F: Record<WasmBinaryOp, (a: number, b: number) => number> = {
  add: (a, b) => a + b, sub: (a, b) => a - b, mul: (a, b) => a * b, div: (a, b) => a / b,
};

test('wasmBinaryRowsF32 = the element loop (row strides incl. 0, rows longer than a chunk)', { skip }, () => {
  fc.assert(
    fc.property(
      fc.constantFrom<WasmBinaryOp>('add', 'sub', 'mul', 'div'), fc.integer({ min: 1, max: 50 }), fc.oneof(fc.integer({ min: 1, max: 300 }), fc.constant(8200)),
      fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 5 }), fc.boolean(), fc.integer({ min: 1, max: 1e9 }),
      (op, rows, cols, padA, padB, repeatB, seed) => {
        const aRs = cols + padA, bRs = repeatB ? 0 : cols + padB, oRs = cols + 1;
        const a = lcg(2 + rows * aRs, seed), b = lcg(3 + rows * (cols + padB), seed + 1);
        const out = new Float32Array(1 + rows * oRs).fill(9);
        wasmBinaryRowsF32(op, rows, cols, a, 2, aRs, b, 3, bRs, out, 1, oRs);
        for (let r = 0; r < rows; r++) {
          for (let j = 0; j < cols; j++) {
            assert.equal(out[1 + r * oRs + j], Math.fround(F[op](a[2 + r * aRs + j], b[3 + r * bRs + j])));
          }
          if (r + 1 < rows) assert.equal(out[1 + r * oRs + cols], 9, 'row gap untouched');
        }
        assert.equal(out[0], 9);
      },
    ),
    { numRuns: 150 },
  );
});

test('public ops on row-strided float32 views (binary on narrows, cat, contiguous) = element references', { skip }, () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 16, max: 90 }), fc.integer({ min: 0, max: 30 }), fc.integer({ min: 1, max: 1e9 }), (R, C, extra, seed) => {
      T.scope(() => {
        const W = 2 * C + extra;
        const zd = lcg(R * W, seed), ud = lcg(R * C, seed + 1);
        const z = T.tensor(zd, { shape: [R, W] }), u = T.tensor(ud, { shape: [R, C] });
        const left = T.narrow(z, 1, 0, C), right = T.narrow(z, 1, C, C);
        const prod = T.mul(left, right).dataSync() as Float32Array;
        const sum = T.add(right, u).dataSync() as Float32Array;
        const cat = T.cat([T.narrow(z, 1, extra, C), u], 1).dataSync() as Float32Array;
        const cont = T.contiguous(T.narrow(z, 1, 1, C + extra - 1)).dataSync() as Float32Array;
        for (let r = 0; r < R; r++) {
          for (let j = 0; j < C; j++) {
            assert.equal(prod[r * C + j], Math.fround(zd[r * W + j] * zd[r * W + C + j]));
            assert.equal(sum[r * C + j], Math.fround(zd[r * W + C + j] + ud[r * C + j]));
            assert.equal(cat[r * 2 * C + j], zd[r * W + extra + j]);
            assert.equal(cat[r * 2 * C + C + j], ud[r * C + j]);
          }
          for (let j = 0; j < C + extra - 1; j++) assert.equal(cont[r * (C + extra - 1) + j], zd[r * W + 1 + j]);
        }
      });
    }),
    { numRuns: 80 },
  );
});

test('float32 square (flat, and over a narrow of the last axis: the wasm mul paths) = Math.fround(x·x), bit for bit', { skip }, () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 32, max: 300 }), fc.integer({ min: 0, max: 30 }), fc.integer({ min: 1, max: 1e9 }), (R, C, extra, seed) => {
      T.scope(() => {
        const W = C + extra, zd = lcg(R * W, seed).map((v) => v * 1e3);
        const z = T.tensor(zd, { shape: [R, W] });
        const flat = T.square(z).dataSync() as Float32Array;
        const rows = T.square(T.narrow(z, 1, extra, C)).dataSync() as Float32Array;
        for (let i = 0; i < R * W; i++) assert.equal(flat[i], Math.fround(zd[i] * zd[i]));
        for (let r = 0; r < R; r++) for (let j = 0; j < C; j++) assert.equal(rows[r * C + j], Math.fround(zd[r * W + extra + j] * zd[r * W + extra + j]));
      });
    }),
    { numRuns: 60 },
  );
});
