// The fused wasm kernels of the training step against plain references:
//   wasmSoftmaxRowsF32: row max, exp(z − max) (the wasm exp kernel's bits), float64 sum in the
//     kernel's fixed order, scale by 1/sum in float64: bit for bit against a JS reference that runs
//     the same steps (with exp from wasmUnaryF32);
//   wasmScaleRowsF32: out = x·s_row, bit for bit against the JS float64 product rounded to float32;
//   wasmAdamWF32: bit for bit against the float64 JS loop of AdamW (optim/adamw.ts);
// and the fused softmax cross-entropy (forward probabilities and gradient) through the public API
// against the composition.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import * as T from '../src/index.js';
import { wasmAdamWF32, wasmKernelsAvailable, wasmColSumF32, wasmRowScalarF32, wasmScaleRowsF32, wasmSoftmaxRowsF32, wasmUnaryF32 } from '../src/cpu/wasm/index.js';

const skip = wasmKernelsAvailable() ? false : 'WebAssembly SIMD128 unavailable';

const same = (a: number, b: number, what = '') => assert.ok(Object.is(a, b), `${what}: ${a} vs ${b}`);

/** The reference: the kernel's steps in JS (exp via the wasm exp kernel, same float64 sum order). */
function softmaxRef(x: Float32Array, off: number, rows: number, cols: number) {
  const out = new Float32Array(rows * cols), maxes = new Float32Array(rows), sums = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    let m = -Infinity;
    for (let j = 0; j < cols; j++) m = Math.max(m, x[off + r * cols + j]);
    maxes[r] = m;
    const d = new Float32Array(cols);
    for (let j = 0; j < cols; j++) d[j] = x[off + r * cols + j] - m;
    const e = new Float32Array(cols);
    wasmUnaryF32('exp', d, e, cols);
    // lanes (0,1) and (2,3) of each vector accumulate into two f64x2 sums
    const acc = [0, 0, 0, 0];
    for (let j = 0; j < cols; j++) acc[j % 4] += e[j];
    const s = acc[0] + acc[1] + acc[2] + acc[3];
    sums[r] = s;
    const inv = 1 / s;
    for (let j = 0; j < cols; j++) out[r * cols + j] = e[j] * inv;
  }
  return { out, maxes, sums };
}

test('wasmSoftmaxRowsF32 = the JS reference, bit for bit (offsets, multi-block rows)', { skip }, () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 20 }), fc.integer({ min: 1, max: 40 }), fc.integer({ min: 0, max: 3 }), fc.integer({ min: 1, max: 1 << 30 }), fc.double({ min: 0.1, max: 60, noNaN: true }), (rows, c4, off, seed, scale) => {
      const cols = 4 * c4;
      let st = seed;
      const x = Float32Array.from({ length: off + rows * cols }, () => {
        st = (Math.imul(st, 1103515245) + 12345) >>> 0;
        return (st / 2 ** 32 - 0.5) * scale;
      });
      const got = new Float32Array(rows * cols + 3).fill(7);
      const maxes = new Float32Array(rows), sums = new Float64Array(rows);
      wasmSoftmaxRowsF32(x, got, rows, cols, maxes, sums, off, 2);
      const want = softmaxRef(x, off, rows, cols);
      for (let r = 0; r < rows; r++) {
        same(maxes[r], want.maxes[r], `max ${r}`);
        same(sums[r], want.sums[r], `sum ${r}`);
      }
      for (let i = 0; i < rows * cols; i++) same(got[2 + i], want.out[i], `p ${i}`);
      same(got[0], 7);
      same(got[rows * cols + 2], 7);
    }),
    { numRuns: 150 },
  );
  // rows longer than one block (several blocks per call)
  const rows = 5, cols = 70000;
  const x = Float32Array.from({ length: rows * cols }, (_, i) => Math.sin(i * 0.37) * 9);
  const got = new Float32Array(rows * cols), maxes = new Float32Array(rows), sums = new Float64Array(rows);
  wasmSoftmaxRowsF32(x, got, rows, cols, maxes, sums);
  const want = softmaxRef(x, 0, rows, cols);
  for (let i = 0; i < rows * cols; i += 97) same(got[i], want.out[i], `p ${i}`);
});

test('wasmScaleRowsF32 = x·s in JS (float64 product rounded to float32), bit for bit', { skip }, () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 30 }), fc.integer({ min: 1, max: 50 }), fc.integer({ min: 0, max: 3 }), fc.array(fc.float({ noDefaultInfinity: false }), { minLength: 1, maxLength: 64 }), (rows, cols, off, vals) => {
      const x = Float32Array.from({ length: off + rows * cols }, (_, i) => vals[(i * 31) % vals.length]);
      const s = Float32Array.from({ length: off + rows }, (_, i) => vals[(i * 17 + 3) % vals.length]);
      const got = new Float32Array(rows * cols + 1).fill(3);
      wasmScaleRowsF32(x, got, rows, cols, s, off, 1, off);
      const want = new Float32Array(rows * cols);
      for (let r = 0; r < rows; r++) for (let j = 0; j < cols; j++) want[r * cols + j] = x[off + r * cols + j] * s[off + r];
      for (let i = 0; i < rows * cols; i++) same(got[1 + i], want[i], `${i}`);
      same(got[0], 3);
    }),
    { numRuns: 200 },
  );
});

test('wasmAdamWF32 = the float64 JS AdamW loop, bit for bit (with/without decay, fresh state, chunk edges)', { skip }, () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 9000 }), fc.integer({ min: 1, max: 1 << 30 }), fc.boolean(), fc.boolean(), fc.integer({ min: 1, max: 50 }),
      fc.double({ min: 1e-5, max: 1e-2, noNaN: true }), fc.constantFrom(0, 0.01, 0.1),
      (n, seed, fresh, inPlace, t, lr, wd) => {
        let st = seed;
        const rnd = () => { st = (Math.imul(st, 1103515245) + 12345) >>> 0; return st / 2 ** 32 - 0.5; };
        const P = Float32Array.from({ length: n }, rnd), G = Float32Array.from({ length: n }, () => rnd() * 3);
        const M = Float32Array.from({ length: n }, () => rnd() * 0.1), V = Float32Array.from({ length: n }, () => Math.abs(rnd()) * 0.01);
        const beta1 = 0.9, beta2 = 0.98, eps = 1e-6;
        const h = { decay: wd !== 0 ? 1 - lr * wd : 1, a1: 1 - beta1, a2: 1 - beta2, beta2, c2: Math.sqrt(1 - beta2 ** t), eps, stepSize: lr / (1 - beta1 ** t) };
        // reference: the JS loop
        const rp = P.slice(), rm = fresh ? new Float32Array(n) : M.slice(), rv = fresh ? new Float32Array(n) : V.slice();
        for (let i = 0; i < n; i++) {
          const gi = G[i];
          const pi = wd !== 0 ? rp[i] * h.decay : rp[i];
          const m = rm[i] + (gi - rm[i]) * h.a1;
          const v = rv[i] * beta2 + gi * gi * h.a2;
          rm[i] = m; rv[i] = v;
          rp[i] = pi - (m / (Math.sqrt(v) / h.c2 + eps)) * h.stepSize;
        }
        const off = 1;
        const Pin = new Float32Array(n + off); Pin.set(P, off);
        const Gin = new Float32Array(n + off); Gin.set(G, off);
        const Min = new Float32Array(n + off); Min.set(M, off);
        const Vin = new Float32Array(n + off); Vin.set(V, off);
        const po = inPlace ? Pin.subarray(off) : new Float32Array(n);
        const mo = inPlace && !fresh ? Min.subarray(off) : new Float32Array(n);
        const vo = inPlace && !fresh ? Vin.subarray(off) : new Float32Array(n);
        wasmAdamWF32(n, h, Pin, off, Gin, off, fresh ? null : Min, off, fresh ? null : Vin, off, po, mo, vo);
        for (let i = 0; i < n; i++) {
          same(po[i], rp[i], `p ${i}`);
          same(mo[i], rm[i], `m ${i}`);
          same(vo[i], rv[i], `v ${i}`);
        }
      },
    ),
    { numRuns: 60 },
  );
});

test('wasmRowScalarF32 = the JS float32 op per row scalar, bit for bit (all ops, reversed, strides, split rows)', { skip }, () => {
  const ops = ['add', 'sub', 'mul', 'div'] as const;
  const js = (op: string, p: number, q: number) => (op === 'add' ? p + q : op === 'sub' ? p - q : op === 'mul' ? p * q : p / q);
  fc.assert(
    fc.property(
      fc.constantFrom(...ops), fc.boolean(), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 90 }), fc.integer({ min: 0, max: 5 }), fc.constantFrom(-1, 0),
      fc.array(fc.float(), { minLength: 1, maxLength: 64 }),
      (op, reversed, rows, cols, off, rsKind, vals) => {
        const xRs = rsKind === 0 ? 0 : cols + (off % 3);
        const x = Float32Array.from({ length: off + rows * Math.max(xRs, cols) + cols }, (_, i) => vals[(i * 13) % vals.length]);
        const s = Float32Array.from({ length: rows + 2 }, (_, i) => vals[(i * 7 + 5) % vals.length]);
        const out = new Float32Array(rows * cols + 2).fill(9);
        wasmRowScalarF32(op, reversed, rows, cols, x, off, xRs, s, 1, out, 1);
        for (let r = 0; r < rows; r++) for (let j = 0; j < cols; j++) {
          const xv = x[off + r * xRs + j], sv = s[1 + r];
          const want = Math.fround(reversed ? js(op, sv, xv) : js(op, xv, sv));
          same(out[1 + r * cols + j], want, `${op} r${r} j${j}`);
        }
        same(out[0], 9);
        same(out[rows * cols + 1], 9);
      },
    ),
    { numRuns: 300 },
  );
  // a row longer than one block (split into pieces)
  const cols = 70001, x = Float32Array.from({ length: 2 * cols }, (_, i) => i * 0.5 - 3), s = Float32Array.of(3, -0.25);
  const out = new Float32Array(2 * cols);
  wasmRowScalarF32('div', true, 2, cols, x, 0, cols, s, 0, out, 0);
  for (let i = 0; i < 2 * cols; i += 101) same(out[i], Math.fround(s[i < cols ? 0 : 1] / x[i]), `${i}`);
});

test('public API: float32 ops against a per-row or scalar operand = the float64 reference', { skip }, () => {
  const x = T.tensor(Float32Array.from({ length: 64 * 96 }, (_, i) => Math.sin(i) * 3), { shape: [4, 16, 96] });
  const rowv = T.tensor(Float32Array.from({ length: 64 }, (_, i) => 0.5 + i / 7), { shape: [4, 16, 1] });
  const sc = T.tensor(Float32Array.of(1.75), { shape: [] });
  const X = x.dataSync() as Float32Array, Rv = rowv.dataSync() as Float32Array;
  const check = (got: T.Tensor, f: (xv: number, r: number) => number) => {
    const g = got.dataSync() as Float32Array;
    for (let i = 0; i < g.length; i++) same(g[i], Math.fround(f(X[i], Math.floor(i / 96))), `${i}`);
  };
  check(T.div(x, rowv), (v, r) => v / Rv[r]);
  check(T.sub(rowv, x), (v, r) => Rv[r] - v);
  check(T.mul(x, sc), (v) => v * 1.75);
  check(T.div(sc, x), (v) => 1.75 / v);
  check(T.add(x, rowv), (v, r) => v + Rv[r]);
});

test('wasmColSumF32 = the sequential float64 column sums of the JS reduction, bit for bit (−0, NaN, ±∞, strides)', { skip }, () => {
  const value = fc.oneof({ weight: 10, arbitrary: fc.float({ min: -100, max: 100, noNaN: true }) }, { weight: 1, arbitrary: fc.constantFrom(-0, 0, NaN, Infinity, -Infinity, 1e30) });
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 70 }), fc.integer({ min: 0, max: 4 }), fc.integer({ min: 0, max: 3 }), fc.array(value, { minLength: 1, maxLength: 64 }), (rows, cols, pad, off, vals) => {
      const xRs = cols + pad;
      const x = Float32Array.from({ length: off + rows * xRs }, (_, i) => vals[(i * 11) % vals.length]);
      const out = new Float32Array(cols + 2).fill(4);
      wasmColSumF32(x, off, xRs, rows, cols, out, 1);
      for (let c = 0; c < cols; c++) {
        let acc = x[off + c];
        for (let r = 1; r < rows; r++) acc += x[off + r * xRs + c];
        same(out[1 + c], Math.fround(acc), `col ${c}`);
      }
      same(out[0], 4);
      same(out[cols + 1], 4);
    }),
    { numRuns: 300 },
  );
  // through the public API: the sum over the leading axis of a [rows, cols] matrix (the bias-gradient shape)
  const rows = 300, cols = 40;
  const xs = Float32Array.from({ length: rows * cols }, (_, i) => Math.cos(i * 1.3) * 50);
  const got = T.sum(T.tensor(xs, { shape: [rows, cols] }), 0).dataSync() as Float32Array;
  for (let c = 0; c < cols; c++) {
    let acc = xs[c];
    for (let r = 1; r < rows; r++) acc += xs[r * cols + c];
    same(got[c], Math.fround(acc), `api col ${c}`);
  }
});

test('fused softmax cross-entropy (wasm path): probabilities, lse and gradient = plain references (ignored rows, NaN/±∞ rows)', { skip }, async () => {
  const { softmaxCrossEntropyCpu, softmaxCrossEntropyGradCpu } = await import('../src/cpu/fused/loss.js');
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 24 }), fc.integer({ min: 1, max: 20 }), fc.integer({ min: 1, max: 1 << 30 }), fc.boolean(), (N, c4, seed, special) => {
      const C = 4 * c4;
      let st = seed;
      const rnd = () => { st = (Math.imul(st, 1103515245) + 12345) >>> 0; return st / 2 ** 32; };
      const zs = Float32Array.from({ length: N * C }, () => (rnd() - 0.5) * 20);
      if (special && N > 1) { zs[C + 1] = NaN; zs[0] = Infinity; }
      const ys = Int32Array.from({ length: N }, () => (rnd() < 0.6 ? -100 : Math.floor(rnd() * C)));
      const ws = Float32Array.from(ys, (y) => (y === -100 ? 0 : 0.25));
      const z = T.tensor(zs, { shape: [N, C] }), y = T.tensor(ys, { dtype: 'int32', shape: [N] }), w = T.tensor(ws, { shape: [N] });
      const f = softmaxCrossEntropyCpu(z, y, -100, true)!;
      const P = f.probs!.dataSync() as Float32Array, L = f.lse.dataSync() as Float32Array;
      for (let n = 0; n < N; n++) {
        let m = -Infinity;
        for (let j = 0; j < C; j++) m = Math.max(m, zs[n * C + j]);
        if (!Number.isFinite(m)) { same(L[n], Math.fround(m), `lse ${n}`); continue; }
        let sum = 0;
        for (let j = 0; j < C; j++) sum += Math.exp(zs[n * C + j] - m);
        assert.ok(Math.abs(L[n] - (m + Math.log(sum))) <= 1e-5 * Math.max(1, Math.abs(L[n])), `lse ${n}`);
        for (let j = 0; j < C; j++) assert.ok(Math.abs(P[n * C + j] - Math.exp(zs[n * C + j] - m) / sum) <= 2e-6, `p ${n},${j}`);
      }
      const g = softmaxCrossEntropyGradCpu(z, f.lse, y, w, -100, f.probs)!.dataSync() as Float32Array;
      for (let n = 0; n < N; n++) for (let j = 0; j < C; j++) {
        let want = Math.fround(ws[n] * P[n * C + j]);
        if (ys[n] !== -100 ? j === ys[n] : j === 0) want = Math.fround(want - ws[n]);
        same(g[n * C + j], want, `grad ${n},${j}`);
      }
    }),
    { numRuns: 100 },
  );
});
