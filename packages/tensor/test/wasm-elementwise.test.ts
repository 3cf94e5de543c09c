// wasm SIMD elementwise kernels against float64 references: exact for + − × ÷ (IEEE rounding),
// ≤ 2 ulp for exp, ≤ 2.5e-7 absolute for erf, and last-axis sums within float32 rounding.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  wasmBinaryF32, wasmGeluWithGradF32, wasmKernelsAvailable, wasmSumRowsF32, wasmUnaryF32, wasmUnavailableReason, type WasmBinaryOp,
} from '../src/cpu/wasm/index.js';

// Node 20 always has SIMD128; under CI=true a missing one fails the tests instead of skipping them.
const skip = wasmKernelsAvailable() || process.env.CI === 'true' ? false : `WebAssembly SIMD128 unavailable: ${wasmUnavailableReason()}`;

const f32 = (lo: number, hi: number) => fc.float({ min: Math.fround(lo), max: Math.fround(hi), noNaN: true });
const CHUNK_PLUS = 8192 * 2 + 5; // crosses the loader's chunk size

/** erf in float64: Maclaurin series (|x| ≤ 4, cancellation error < 1e-9); ±1 beyond (erfc(4) ≈ 1.5e-8). */
function erfRef(x: number): number {
  if (Math.abs(x) > 4) return Math.sign(x);
  let term = x, sum = x;
  for (let n = 1; n < 200; n++) {
    term *= (-x * x) / n;
    const t = term / (2 * n + 1);
    sum += t;
    if (Math.abs(t) < 1e-17) break;
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}

const ULP1 = 2 ** -23;
/** |got − want| in units of float32 ulp at want (normal range). */
function ulps(got: number, want: number): number {
  if (got === want) return 0;
  const e = Math.max(Math.floor(Math.log2(Math.abs(want))), -126);
  return Math.abs(got - want) / (2 ** e * ULP1);
}

test('binary add/sub/mul/div are exactly IEEE float32 (offsets, odd n, chunk crossing)', { skip }, () => {
  const OPS: Record<WasmBinaryOp, (a: number, b: number) => number> = {
    add: (a, b) => a + b, sub: (a, b) => a - b, mul: (a, b) => a * b, div: (a, b) => a / b,
  };
  fc.assert(
    fc.property(
      fc.constantFrom<WasmBinaryOp>('add', 'sub', 'mul', 'div'),
      fc.array(fc.float(), { minLength: 0, maxLength: 70 }),
      fc.nat(3), fc.nat(3), fc.nat(3),
      (op, xs, aOff, bOff, oOff) => {
        const n = Math.floor(xs.length / 2);
        const a = new Float32Array(aOff + n), b = new Float32Array(bOff + n);
        for (let i = 0; i < n; i++) { a[aOff + i] = xs[i]; b[bOff + i] = xs[n + i]; }
        const out = new Float32Array(oOff + n + 2).fill(7);
        wasmBinaryF32(op, a, b, out, n, aOff, bOff, oOff);
        for (let i = 0; i < n; i++) {
          const want = Math.fround(OPS[op](a[aOff + i], b[bOff + i]));
          assert.ok(Object.is(out[oOff + i], want) || (Number.isNaN(want) && Number.isNaN(out[oOff + i])), `${op}(${a[aOff + i]}, ${b[bOff + i]}) = ${out[oOff + i]}, want ${want}`);
        }
        for (let i = 0; i < oOff; i++) assert.equal(out[i], 7);
        assert.equal(out[oOff + n], 7);
        assert.equal(out[oOff + n + 1], 7);
      },
    ),
    { numRuns: 300 },
  );
  const n = CHUNK_PLUS;
  const a = Float32Array.from({ length: n }, (_, i) => i * 0.5), b = Float32Array.from({ length: n }, (_, i) => 1 + i);
  wasmBinaryF32('mul', a, b, a, n); // in place: out aliases a
  for (let i = 0; i < n; i++) assert.equal(a[i], Math.fround(i * 0.5 * (1 + i)));
});

test('exp: ≤ 2 ulp over the normal range, and the special values', { skip }, () => {
  const xs = new Float32Array(CHUNK_PLUS);
  for (let i = 0; i < xs.length; i++) xs[i] = -87 + (175.5 * i) / xs.length;
  const out = new Float32Array(xs.length);
  wasmUnaryF32('exp', xs, out, xs.length);
  let worst = 0;
  for (let i = 0; i < xs.length; i++) worst = Math.max(worst, ulps(out[i], Math.fround(Math.exp(xs[i]))));
  assert.ok(worst <= 2, `exp max error ${worst} ulp`);
  fc.assert(fc.property(f32(-87, 88), (x) => {
    const o = new Float32Array(1);
    wasmUnaryF32('exp', new Float32Array([x]), o, 1);
    return ulps(o[0], Math.fround(Math.exp(x))) <= 2;
  }), { numRuns: 500 });
  const sp = new Float32Array([NaN, Infinity, -Infinity, 0, -0, 89, 100, -104, -200]);
  const so = new Float32Array(sp.length);
  wasmUnaryF32('exp', sp, so, sp.length);
  assert.ok(Number.isNaN(so[0]));
  assert.deepEqual([...so.slice(1)], [Infinity, 0, 1, 1, Infinity, Infinity, 0, 0]);
});

test('erf: ≤ 2.5e-7 absolute error; gelu and sigmoid follow from it and exp', { skip }, () => {
  // dense grid over both approximation regions (|x| < 1 rational, |x| ≥ 1 Abramowitz–Stegun) and the clamp
  const n = 200_001;
  const xs = Float32Array.from({ length: n }, (_, i) => -4.5 + (9 * i) / (n - 1));
  const ys = new Float32Array(n);
  wasmUnaryF32('erf', xs, ys, n);
  let worst = 0;
  for (let i = 0; i < n; i++) worst = Math.max(worst, Math.abs(ys[i] - erfRef(xs[i])));
  assert.ok(worst <= 2.5e-7, `erf max abs error ${worst}`);
  fc.assert(fc.property(f32(-6, 6), (x) => {
    const o = new Float32Array(3);
    wasmUnaryF32('erf', new Float32Array([x]), o, 1);
    wasmUnaryF32('gelu', new Float32Array([x]), o.subarray(1), 1);
    wasmUnaryF32('sigmoid', new Float32Array([x]), o.subarray(2), 1);
    const e = erfRef(x);
    assert.ok(Math.abs(o[0] - e) <= 2.5e-7, `erf(${x}) = ${o[0]}, want ${e}`);
    const g = 0.5 * x * (1 + erfRef(x / Math.SQRT2));
    assert.ok(Math.abs(o[1] - g) <= 1e-6 * Math.max(1, Math.abs(x)), `gelu(${x}) = ${o[1]}, want ${g}`);
    const s = 1 / (1 + Math.exp(-x));
    assert.ok(Math.abs(o[2] - s) <= 2e-7, `sigmoid(${x}) = ${o[2]}, want ${s}`);
  }), { numRuns: 1000 });
  const sp = new Float32Array([NaN, Infinity, -Infinity, 0, 10, -10]);
  const so = new Float32Array(sp.length);
  wasmUnaryF32('erf', sp, so, sp.length);
  assert.ok(Number.isNaN(so[0]));
  assert.deepEqual([...so.slice(1)], [1, -1, 0, 1, -1]);
  wasmUnaryF32('gelu', sp, so, sp.length);
  assert.ok(Number.isNaN(so[0]));
  assert.deepEqual([...so.slice(3)], [0, 10, -0]);
});

test('gelu with grad: y = x·Φ(x), d = Φ(x) + x·φ(x) against float64 (grid across chunks, offsets, random)', { skip }, () => {
  const ref = (x: number): [number, number] => {
    const cdf = 0.5 * (1 + erfRef(x / Math.SQRT2));
    return [x * cdf, cdf + (x * Math.exp(-0.5 * x * x)) / Math.sqrt(2 * Math.PI)];
  };
  const n = CHUNK_PLUS, off = 3;
  const xs = Float32Array.from({ length: n + off }, (_, i) => -7 + (14 * (i - off)) / (n - 1));
  const y = new Float32Array(n + 2), d = new Float32Array(n + 1);
  wasmGeluWithGradF32(xs, y, d, n, off, 2, 1);
  for (let i = 0; i < n; i++) {
    const x = xs[off + i];
    const [ry, rd] = ref(x);
    assert.ok(Math.abs(y[2 + i] - ry) <= 1e-6 * Math.max(1, Math.abs(x)), `gelu(${x}) = ${y[2 + i]}, want ${ry}`);
    assert.ok(Math.abs(d[1 + i] - rd) <= 1e-6, `gelu'(${x}) = ${d[1 + i]}, want ${rd}`);
  }
  // the forward output equals the unary gelu kernel's bit for bit
  const g = new Float32Array(n);
  wasmUnaryF32('gelu', xs, g, n, off);
  assert.deepEqual(y.subarray(2), g);
  fc.assert(fc.property(f32(-10, 10), (x) => {
    const o = new Float32Array(1), od = new Float32Array(1);
    wasmGeluWithGradF32(new Float32Array([x]), o, od, 1);
    const [ry, rd] = ref(x);
    assert.ok(Math.abs(o[0] - ry) <= 1e-6 * Math.max(1, Math.abs(x)) && Math.abs(od[0] - rd) <= 1e-6, `x = ${x}: ${o[0]}, ${od[0]}`);
  }), { numRuns: 1000 });
});

test('sum over the last axis matches a float64 sum (odd widths, long rows, offsets)', { skip }, () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 9 }), fc.integer({ min: 0, max: 45 }), fc.nat(3), fc.integer({ min: 1, max: 1e9 }), (outer, inner, off, seed) => {
      let s = seed;
      const x = Float32Array.from({ length: off + outer * inner }, () => { s = (Math.imul(s, 48271) + 11) >>> 0; return s / 2 ** 31 - 1; });
      const out = new Float32Array(outer + 1).fill(9);
      wasmSumRowsF32(x, out, outer, inner, off, 1);
      for (let o = 0; o < outer; o++) {
        let want = 0, mag = 0;
        for (let i = 0; i < inner; i++) { want += x[off + o * inner + i]; mag += Math.abs(x[off + o * inner + i]); }
        assert.ok(Math.abs(out[1 + o] - want) <= 1e-7 * mag + 1e-30, `row ${o}: ${out[1 + o]} vs ${want}`);
      }
      assert.equal(out[0], 9);
    }),
    { numRuns: 200 },
  );
  // rows longer than one chunk, and many short rows spanning several chunks
  for (const [outer, inner] of [[3, 20001], [5000, 7]]) {
    const x = Float32Array.from({ length: outer * inner }, (_, i) => ((i * 7919) % 1000) / 1000 - 0.5);
    const out = new Float32Array(outer);
    wasmSumRowsF32(x, out, outer, inner);
    for (let o = 0; o < outer; o++) {
      let want = 0;
      for (let i = 0; i < inner; i++) want += x[o * inner + i];
      assert.ok(Math.abs(out[o] - want) <= 1e-6 * Math.max(1, Math.abs(want)), `[${outer},${inner}] row ${o}: ${out[o]} vs ${want}`);
    }
  }
});
