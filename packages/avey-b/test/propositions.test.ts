// The paper's claims made executable (digest §2), on the model's real layer modules:
// Prop A.1 (dynamic-layer relevance monotonicity + coupled counterexample), Prop A.2 (a static layer
// cannot undo a dynamic layer's ordering), and the Eq. 6 stability lemma.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Rng, tensor, eye } from '@avey/tensor';
import { variable, parameter, type Variable } from '@avey/autograd';
import { AveyLayer, aveyConfig, cosineSimilarity } from '@avey/avey-b';

const D = 6; // width of the contextualised features v
const cfgFor = (C: number, extra: object = {}) => aveyConfig({ vocab_size: 16, d_embed: 8, n_layers: 2, chunk_size: C, k: 1, ...extra });

// fast-check: a (C, D) matrix with entries of both signs (the GELU / [CODE] path), rows not all ~0.
const matrixArb = (C: number) =>
  fc.array(fc.float({ min: -4, max: 4, noNaN: true, noDefaultInfinity: true }), { minLength: C * D, maxLength: C * D })
    .filter((xs) => {
      for (let r = 0; r < C; r++) {
        let n = 0;
        for (let j = 0; j < D; j++) n += xs[r * D + j] ** 2;
        if (n < 1e-4) return false;
      }
      return true;
    });

const asVar = (xs: number[], C: number): Variable => variable(tensor(Float32Array.from(xs), { shape: [1, C, D] }));
const rows = (v: Variable, C: number): number[][] => {
  const d = Array.from(v.value.dataSync() as Float32Array);
  return Array.from({ length: C }, (_, i) => d.slice(i * C, (i + 1) * C));
};

const dynamicLayer = (C: number, extra: object = {}) => new AveyLayer(cfgFor(C, extra), 1, new Rng(1));
const staticLayer = (C: number) => new AveyLayer(cfgFor(C), 0, new Rng(2));

test('Prop A.1-a/b: the dynamic layer preserves order and ratios of similarities (its actual S̃)', () => {
  const C = 5;
  const layer = dynamicLayer(C);
  assert.equal(layer.kind, 'dynamic');
  fc.assert(
    fc.property(matrixArb(C), (xs) => {
      const v = asVar(xs, C);
      const s = rows(cosineSimilarity(v), C); // s_ij = cos(v_i, v_j)
      const St = rows(layer.mixing(v), C); // S̃ = the matrix the layer multiplies v by
      for (let i = 0; i < C; i++) {
        for (let j = 0; j < C; j++) {
          for (let l = 0; l < C; l++) {
            // (A.1-b) S̃_ij · s_il = S̃_il · s_ij
            assert.ok(Math.abs(St[i][j] * s[i][l] - St[i][l] * s[i][j]) <= 1e-6, `ratio ${i},${j},${l}`);
            // (A.1-a) s_ij > s_il ⇒ S̃_ij > S̃_il (≥ under float32 rounding; strict once the gap is resolvable)
            if (s[i][j] > s[i][l]) {
              assert.ok(St[i][j] >= St[i][l], `order ${i},${j},${l}`);
              if (s[i][j] - s[i][l] > 1e-5) assert.ok(St[i][j] > St[i][l], `strict order ${i},${j},${l}`);
            }
          }
        }
      }
    }),
    { numRuns: 60, seed: 11 },
  );
});

/** Three tokens in 2-D with cos(z0, z1) = 0.9 and cos(z0, z2) = 0.5, padded to D. */
function counterexampleTokens(): Variable {
  const a1 = Math.acos(0.9), a2 = Math.acos(0.5);
  const pts = [[1, 0], [Math.cos(a1), Math.sin(a1)], [Math.cos(a2), -Math.sin(a2)]];
  const xs = pts.flatMap(([x, y]) => [x, y, 0, 0, 0, 0]);
  return asVar(xs, 3);
}

test('Prop A.1-c: the coupled form V ⊙ S breaks monotonicity (s01 > s02 but weight01 < weight02); decoupled keeps it', () => {
  const C = 3;
  const v = counterexampleTokens();
  const s = rows(cosineSimilarity(v), C);
  assert.ok(Math.abs(s[0][1] - 0.9) < 1e-5 && Math.abs(s[0][2] - 0.5) < 1e-5);
  // coupled layer, V = 1 everywhere except V01 = 0.1
  const coupled = dynamicLayer(C, { parameterization: 'coupled' });
  assert.equal(coupled.kind, 'coupled');
  const V = new Float32Array(C * C).fill(1);
  V[1] = 0.1;
  coupled.spatial_proj = parameter(tensor(V, { shape: [C, C] }));
  const M = rows(coupled.mixing(v), C);
  assert.ok(s[0][1] > s[0][2] && M[0][1] < M[0][2], `coupled: ${M[0][1]} < ${M[0][2]} although s01 > s02`);
  const St = rows(dynamicLayer(C).mixing(v), C);
  assert.ok(St[0][1] > St[0][2], 'decoupled dynamic layer keeps the order');
});

test('Prop A.2: a static layer (spatial_proj = w·I) after a dynamic layer keeps |contribution| order and ratios', () => {
  const C = 5;
  const dyn = dynamicLayer(C);
  const stat = staticLayer(C);
  fc.assert(
    fc.property(
      matrixArb(C),
      fc.float({ min: -3, max: 3, noNaN: true }).filter((w) => Math.abs(w) > 1e-2),
      (xs, w) => {
        const v = asVar(xs, C);
        const s = rows(cosineSimilarity(v), C);
        const St = dyn.mixing(v); // (1, C, C) the dynamic layer's S̃
        stat.spatial_proj = parameter(eye(C).mul(w));
        // effective weight of token j in the static neuron i: (M_static · S̃)_ij
        const comp = rows(stat.mixing(v).matmul(St), C);
        for (let i = 0; i < C; i++) {
          for (let j = 0; j < C; j++) {
            for (let l = 0; l < C; l++) {
              // (A.2-a) |w S̃_ij| / |w S̃_il| = s_ij / s_il  ⇔  |c_ij|·|s_il| = |c_il|·|s_ij|
              assert.ok(Math.abs(Math.abs(comp[i][j]) * Math.abs(s[i][l]) - Math.abs(comp[i][l]) * Math.abs(s[i][j])) <= 1e-5 * Math.abs(w) + 1e-6);
              if (s[i][j] > s[i][l] + 1e-5 && s[i][l] > 0) assert.ok(Math.abs(comp[i][j]) > Math.abs(comp[i][l]), `|order| ${i},${j},${l} w=${w}`);
            }
          }
        }
      },
    ),
    { numRuns: 40, seed: 12 },
  );
});

test('Prop A.2-b: running the static layer does not change the similarity scores the dynamic layer computed', () => {
  const C = 4;
  const dyn = dynamicLayer(C);
  const stat = staticLayer(C);
  const x = variable(new Rng(3).normal([2, C, 8], 0, 1));
  const before = Array.from(dyn.mixing(dyn.values(dyn.enrich(x))).value.dataSync() as Float32Array);
  const y = dyn.forward(x);
  stat.forward(y); // a static layer downstream
  const after = Array.from(dyn.mixing(dyn.values(dyn.enrich(x))).value.dataSync() as Float32Array);
  assert.deepEqual(after, before);
});

test('Stability lemma: Σ_j |S̃_ij| ≤ 1, ‖(S̃Z)_i‖ ≤ Σ_j |S̃_ij|‖z_j‖ ≤ max_j ‖z_j‖', () => {
  const C = 6;
  const layer = dynamicLayer(C);
  fc.assert(
    fc.property(matrixArb(C), (xs) => {
      const v = asVar(xs, C);
      const St = rows(layer.mixing(v), C);
      const out = Array.from(layer.mixing(v).matmul(v).value.dataSync() as Float32Array);
      const zn = Array.from({ length: C }, (_, j) => Math.hypot(...xs.slice(j * D, (j + 1) * D).map(Number)));
      const zmax = Math.max(...zn);
      for (let i = 0; i < C; i++) {
        const l1 = St[i].reduce((a, b) => a + Math.abs(b), 0);
        assert.ok(l1 <= 1 + 1e-6, `row ${i} L1 ${l1}`);
        assert.ok(Math.abs(l1 - 1) <= 1e-5, 'a non-zero row sums to exactly 1 in |·|');
        const oi = Math.hypot(...out.slice(i * D, (i + 1) * D));
        const bound = St[i].reduce((a, b, j) => a + Math.abs(b) * zn[j], 0);
        assert.ok(oi <= bound * (1 + 1e-5) + 1e-6, `‖(S̃Z)_${i}‖ ${oi} > ${bound}`);
        assert.ok(oi <= zmax * (1 + 1e-5) + 1e-6);
      }
    }),
    { numRuns: 60, seed: 13 },
  );
});

test('Stability lemma: without row normalisation the gain reaches chunk_size on parallel inputs', () => {
  const C = 16;
  const u = [0.3, -1.2, 0.5, 2.0, 0.1, -0.7];
  const un = Math.hypot(...u);
  // parallel rows z_j = c_j·u with positive scales
  const xs = Array.from({ length: C }, (_, j) => u.map((x) => x * (1 + j / C))).flat();
  const v = asVar(xs, C);
  const raw = dynamicLayer(C, { row_norm: 'none' });
  const norm = dynamicLayer(C);
  const zmean = Array.from({ length: C }, (_, j) => (1 + j / C) * un).reduce((a, b) => a + b, 0);
  const rawOut = Array.from(raw.mixing(v).matmul(v).value.dataSync() as Float32Array);
  const nOut = Array.from(norm.mixing(v).matmul(v).value.dataSync() as Float32Array);
  for (let i = 0; i < C; i++) {
    const gRaw = Math.hypot(...rawOut.slice(i * D, (i + 1) * D));
    const gN = Math.hypot(...nOut.slice(i * D, (i + 1) * D));
    // unnormalised: Σ_j ‖z_j‖ = C · mean‖z‖  (gain C relative to the average token)
    assert.ok(Math.abs(gRaw - zmean) <= 1e-4 * zmean, `raw gain ${gRaw} vs ${zmean}`);
    // L1-normalised: the average token, never more than max ‖z‖
    assert.ok(Math.abs(gN - zmean / C) <= 1e-4 * zmean);
  }
  // with equal norms the unnormalised gain is exactly C·‖z‖
  const eq = asVar(Array.from({ length: C }, () => u).flat(), C);
  const g0 = Math.hypot(...Array.from(raw.mixing(eq).matmul(eq).value.dataSync() as Float32Array).slice(0, D));
  assert.ok(Math.abs(g0 / un - C) < 1e-3 * C, `gain ${g0 / un} should be chunk_size ${C}`);
});
