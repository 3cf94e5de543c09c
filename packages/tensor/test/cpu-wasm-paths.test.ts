// The CPU backend's large-array fast paths against plain float64 references: float32 elementwise
// maps routed to the wasm SIMD kernels (add/sub/mul/div bit-exact, exp/erf/gelu/sigmoid within a
// few ulp), the fused GELU-with-gradient and softmax cross-entropy kernels on wasm exp/erf, and the
// buffer pool (recycled arrays never leak old contents into zero-filled tensors).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import * as T from '../src/index.js';
import { geluWithGradCpu } from '../src/cpu/fused/gelu-linear.js';
import { softmaxCrossEntropyCpu } from '../src/cpu/fused/loss.js';
import { wasmKernelsAvailable } from '../src/cpu/wasm/index.js';

const skip = wasmKernelsAvailable() ? false : 'WebAssembly SIMD128 unavailable';

function rand(n: number, seed: number, scale = 4): Float32Array {
  let s = seed >>> 0 || 1;
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s / 2 ** 31 - 1) * scale;
  });
}

function erf64(x: number): number {
  if (Math.abs(x) > 5) return Math.sign(x);
  let term = x, sum = x;
  for (let n = 1; n < 300; n++) {
    term *= (-x * x) / n;
    const t = term / (2 * n + 1);
    sum += t;
    if (Math.abs(t) < 1e-17) break;
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}

test('cpu float32 binary ops on ≥ 1024 contiguous elements equal the float64-then-round result bit for bit', { skip }, async () => {
  await T.setBackend('cpu');
  fc.assert(fc.property(fc.integer({ min: 1024, max: 20000 }), fc.integer({ min: 1, max: 1e6 }), fc.nat(3), (n, seed, off) => {
    const a = rand(n + off, seed), b = rand(n, seed + 7);
    T.scope(() => {
      const ta = T.narrow(T.tensor(a, { shape: [n + off] }), 0, off, n), tb = T.tensor(b, { shape: [n] });
      const ops = { add: T.add, sub: T.sub, mul: T.mul, div: T.div } as const;
      for (const [name, f] of Object.entries(ops)) {
        const got = f(ta, tb).dataSync();
        for (let i = 0; i < n; i++) {
          const x = a[off + i], y = b[i];
          const want = Math.fround(name === 'add' ? x + y : name === 'sub' ? x - y : name === 'mul' ? x * y : x / y);
          if (!Object.is(got[i], want)) assert.fail(`${name}(${x}, ${y}) = ${got[i]}, want ${want}`);
        }
      }
    });
  }), { numRuns: 15 });
});

test('cpu float32 exp/erf/gelu/sigmoid on large arrays stay within float32 tolerance of float64', { skip }, async () => {
  await T.setBackend('cpu');
  const n = 5000;
  const x = rand(n, 3, 6);
  T.scope(() => {
    const t = T.tensor(x, { shape: [n] });
    const checks: [string, T.Tensor, (v: number) => number, number][] = [
      ['exp', T.exp(t), Math.exp, 3e-7],
      ['erf', T.erf(t), erf64, 3e-7],
      ['gelu', T.gelu(t), (v) => 0.5 * v * (1 + erf64(v / Math.SQRT2)), 1e-6],
      ['sigmoid', T.sigmoid(t), (v) => 1 / (1 + Math.exp(-v)), 3e-7],
    ];
    for (const [name, got, ref, tol] of checks) {
      const g = got.dataSync();
      for (let i = 0; i < n; i++) {
        const want = ref(x[i]);
        assert.ok(Math.abs(g[i] - want) <= tol * Math.max(1, Math.abs(want)), `${name}(${x[i]}) = ${g[i]}, want ${want}`);
      }
    }
  });
});

test('geluWithGrad (wasm) = x·Φ(x) and Φ(x) + x·φ(x) in float64', { skip }, async () => {
  await T.setBackend('cpu');
  const n = 3 * 1024 + 5;
  const x = rand(n, 11, 8);
  T.scope(() => {
    const r = geluWithGradCpu(T.tensor(x, { shape: [n] }));
    assert.ok(r);
    const y = r.y.dataSync(), d = r.dydx.dataSync();
    for (let i = 0; i < n; i++) {
      const v = x[i], cdf = 0.5 * (1 + erf64(v / Math.SQRT2));
      assert.ok(Math.abs(y[i] - v * cdf) <= 1e-6 * Math.max(1, Math.abs(v)), `gelu(${v})`);
      assert.ok(Math.abs(d[i] - (cdf + (v * Math.exp(-0.5 * v * v)) / Math.sqrt(2 * Math.PI))) <= 1e-6, `gelu'(${v})`);
    }
  });
});

test('softmaxCrossEntropy with probs (wasm exp) = float64 log-softmax; ignored labels, ±∞ and NaN rows', { skip }, async () => {
  await T.setBackend('cpu');
  fc.assert(fc.property(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 3000 }), fc.integer({ min: 1, max: 1e6 }), (N, C, seed) => {
    const z = rand(N * C, seed, 10);
    if (N > 2) {
      z[C] = Infinity; // row 1 has +∞: lse = +∞, p = exp(z − ∞) (NaN at the ∞)
      z[2 * C] = NaN; // row 2 has a NaN
    }
    const labels = Int32Array.from({ length: N }, (_, n) => (n % 3 === 0 ? -100 : (n * 7919) % C));
    T.scope(() => {
      const r = softmaxCrossEntropyCpu(T.tensor(z, { shape: [N, C] }), T.tensor(labels, { dtype: 'int32', shape: [N] }), -100, true);
      assert.ok(r && r.probs);
      const per = r.per.dataSync(), lse = r.lse.dataSync(), P = r.probs.dataSync();
      for (let n = 0; n < N; n++) {
        let m = -Infinity;
        for (let j = 0; j < C; j++) if (z[n * C + j] > m || z[n * C + j] !== z[n * C + j]) m = z[n * C + j];
        const finite = Number.isFinite(m);
        let sum = 0;
        for (let j = 0; j < C; j++) sum += Math.exp(z[n * C + j] - m);
        const l = finite ? m + Math.log(sum) : m;
        if (!finite) {
          assert.ok(Object.is(lse[n], Math.fround(l)), `row ${n}: lse ${lse[n]} want ${l}`);
          continue;
        }
        assert.ok(Math.abs(lse[n] - l) <= 1e-6 * Math.max(1, Math.abs(l)), `row ${n}: lse ${lse[n]} want ${l}`);
        const lab = labels[n];
        const wantPer = lab === -100 ? 0 : l - z[n * C + lab];
        assert.ok(Math.abs(per[n] - wantPer) <= 1e-5 * Math.max(1, Math.abs(wantPer)), `row ${n}: per ${per[n]} want ${wantPer}`);
        for (let j = 0; j < C; j++) {
          const p = Math.exp(z[n * C + j] - l);
          if (Math.abs(P[n * C + j] - p) > 1e-6 * p + 1e-12) assert.fail(`p[${n}, ${j}] = ${P[n * C + j]}, want ${p}`);
        }
      }
    });
  }), { numRuns: 20 });
});

test('the CPU buffer pool: recycled arrays are zeroed for zeros() and fully overwritten by ops', async () => {
  await T.setBackend('cpu');
  const n = 4096 * 3;
  for (let round = 0; round < 3; round++) {
    T.scope(() => {
      const junk = T.tensor(rand(n, round + 1), { shape: [n] });
      T.mul(junk, 3).dispose();
      junk.dispose(); // both arrays go back to the pool
      const z = T.zeros([n]);
      assert.ok(z.dataSync().every((v) => v === 0), 'zeros() from a recycled array');
      const f = T.full([n], 2.5);
      assert.ok(f.dataSync().every((v) => v === 2.5));
      const s = T.add(z, f);
      assert.ok(s.dataSync().every((v) => v === 2.5));
    });
  }
  const before = T.memory().bytes;
  T.scope(() => {
    T.add(T.ones([n]), 1);
  });
  assert.equal(T.memory().bytes, before, 'pooled arrays are not counted as in use');
});
