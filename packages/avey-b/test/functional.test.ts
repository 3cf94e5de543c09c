// The hand-written vjps of Avey-B's fused ops against finite differences (float64, CPU), first and
// second order: `gram` (x xᵀ, the dynamic layer's cosine similarity) and `gatedMix` (the
// contextualiser + gate, with a shared or a per-problem mixing matrix) and the MLM head's tied
// `nn.linear(h, E)`, for random shapes.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import * as T from '@avey/tensor';
import { Variable, gradcheck, gradgradcheck } from '@avey/autograd';
import { gram } from '../src/functional.js';
import { gatedMix } from '../src/gated-mix.js';
import { mlmLogits } from '../src/heads.js';

const randn = (shape: number[], seed: number): T.Tensor => T.randn(shape, { dtype: 'float64', seed });

test('gram: value x·xᵀ; vjp G·x + Gᵀ·x passes gradcheck and gradgradcheck', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 6 }), fc.nat(), (M, C, D, seed) => {
      const x = randn([M, C, D], seed);
      const want = T.matmul(x, T.transpose(x, -2, -1));
      const got = gram(new Variable(x)).value;
      const a = got.dataSync(), b = want.dataSync();
      for (let i = 0; i < a.length; i++) assert.equal(a[i], b[i]);
      const r1 = gradcheck((v) => gram(v), [x]);
      assert.ok(r1.ok, r1.message);
      const r2 = gradgradcheck((v) => gram(v), [x]);
      assert.ok(r2.ok, r2.message);
      for (const t of [x, want, got]) t.dispose();
    }),
    { numRuns: 12 },
  );
});

test('gatedMix: vjp passes gradcheck and gradgradcheck (shared and per-problem mixing matrices)', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 2 }), fc.boolean(), fc.nat(), (M, C, q, shared, seed) => {
      const z = randn([M, C, 4 * q], seed), mix = randn(shared ? [C, C] : [M, C, C], seed + 1);
      const r1 = gradcheck((a, b) => gatedMix(a, b), [z, mix]);
      assert.ok(r1.ok, r1.message);
      const r2 = gradgradcheck((a, b) => gatedMix(a, b), [z, mix]);
      assert.ok(r2.ok, r2.message);
      z.dispose();
      mix.dispose();
    }),
    { numRuns: 10 },
  );
});

test('mlmLogits (nn.linear with the tied embedding): value h·Eᵀ; passes gradcheck and gradgradcheck', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 7 }), fc.nat(), (B, Tn, d, V, seed) => {
      const h = randn([B, Tn, d], seed), e = randn([V, d], seed + 1);
      const got = mlmLogits(new Variable(h), new Variable(e)).value;
      const want = T.matmul(h, T.transpose(e, 0, 1));
      const a = got.dataSync(), b = want.dataSync();
      for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= 1e-12 * (1 + Math.abs(b[i])));
      const r1 = gradcheck((x, w) => mlmLogits(x, w), [h, e]);
      assert.ok(r1.ok, r1.message);
      const r2 = gradgradcheck((x, w) => mlmLogits(x, w), [h, e]);
      assert.ok(r2.ok, r2.message);
      for (const t of [h, e, got, want]) t.dispose();
    }),
    { numRuns: 10 },
  );
});
