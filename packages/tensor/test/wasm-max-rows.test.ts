// wasmMaxRowsF32 (the CPU backend's float32 row max on wasm SIMD) against the plain JS rule of the
// reduction (first maximum in row order; NaN as soon as a NaN appears): bit for bit, Object.is, with
// NaN, ±0, ±∞, ties, short rows, offsets and rows that cross the loader's chunk. And through the
// public API (T.max over the last axis).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import * as T from '../src/index.js';
import { wasmKernelsAvailable, wasmMaxRowsF32 } from '../src/cpu/wasm/index.js';

const skip = wasmKernelsAvailable() ? false : 'WebAssembly SIMD128 unavailable';

function maxRef(x: Float32Array, off: number, outer: number, inner: number): Float32Array {
  const out = new Float32Array(outer);
  for (let o = 0; o < outer; o++) {
    let acc = x[off + o * inner];
    for (let j = 1; j < inner; j++) {
      const v = x[off + o * inner + j];
      if (v > acc || v !== v) acc = v;
    }
    out[o] = acc;
  }
  return out;
}

const value = fc.oneof(
  { weight: 8, arbitrary: fc.float({ min: -4, max: 4, noNaN: true }) },
  { weight: 1, arbitrary: fc.constantFrom(0, -0, Infinity, -Infinity, NaN, 1, -1) },
);

test('wasmMaxRowsF32 = the JS reduction, bit for bit (NaN, ±0, ties, offsets)', { skip }, () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 70 }), fc.integer({ min: 0, max: 3 }), fc.array(value, { minLength: 1, maxLength: 64 }), (outer, inner, off, vals) => {
      const x = Float32Array.from({ length: off + outer * inner }, (_, i) => vals[(i * 7919) % vals.length]);
      const got = new Float32Array(outer + 2).fill(5);
      wasmMaxRowsF32(x, got, outer, inner, off, 1);
      const want = maxRef(x, off, outer, inner);
      for (let o = 0; o < outer; o++) assert.ok(Object.is(got[1 + o], want[o]), `row ${o}: ${got[1 + o]} vs ${want[o]}`);
      assert.equal(got[0], 5);
      assert.equal(got[outer + 1], 5);
    }),
    { numRuns: 300 },
  );
});

test('wasmMaxRowsF32: rows longer than a chunk, many rows', { skip }, () => {
  for (const [outer, inner] of [[3, 20000], [5000, 64], [1, 8195]]) {
    const x = Float32Array.from({ length: outer * inner }, (_, i) => Math.sin(i * 0.37) * 3 - (i % 11 === 0 ? 0.5 : 0));
    const got = new Float32Array(outer);
    wasmMaxRowsF32(x, got, outer, inner);
    assert.deepEqual(got, maxRef(x, 0, outer, inner));
  }
});

test('T.max over the last axis of a large float32 tensor equals the JS rule (the backend routes it to wasm)', { skip }, () => {
  const outer = 300, inner = 64;
  const data = Float32Array.from({ length: outer * inner }, (_, i) => Math.cos(i * 1.3) * (i % 5));
  data[5 * inner + 3] = NaN;
  for (let j = 0; j < inner; j++) data[7 * inner + j] = j % 2 ? -0 : 0; // all zeros: the first one (+0) wins
  const got = T.max(T.tensor(data, { shape: [outer, inner] }), -1).dataSync() as Float32Array;
  const want = maxRef(data, 0, outer, inner);
  for (let o = 0; o < outer; o++) assert.ok(Object.is(got[o], want[o]), `row ${o}`);
});
