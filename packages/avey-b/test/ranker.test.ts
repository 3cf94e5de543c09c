// The ranker and the model's structural invariants: equality with a literal transcription of the
// official per-split loop, cross-split causality (bitwise), shapes/padding for random T and B,
// weights ≥ 1 with the top-1 split largest, and the T ≤ S special case h = P[:, −S:]x + x.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Rng, tensor, type Tensor } from '@avey/tensor';
import { variable } from '@avey/autograd';
import { AveyModel, aveyConfig, type AveyConfig } from '@avey/avey-b';

/** The official Ranker.preprocess, transcribed loop by loop in float64 (B, T, E) → (B·N, S, E). */
function referencePreprocess(x: Float32Array, B: number, T: number, E: number, P: Float32Array, cfg: AveyConfig): Float64Array {
  const S = cfg.chunk_size, k = cfg.k, L = (k + 1) * S, eps = cfg.eps;
  const N = Math.ceil(T / S);
  const X = (b: number, c: number, u: number, e: number) => {
    const t = c * S + u;
    return t < T ? x[(b * T + t) * E + e] : 0;
  };
  const out = new Float64Array(B * N * S * E);
  for (let b = 0; b < B; b++) {
    const norm = (c: number, u: number) => {
      let s = 0;
      for (let e = 0; e < E; e++) s += X(b, c, u, e) ** 2;
      return Math.sqrt(s) + eps;
    };
    for (let i = 0; i < N; i++) {
      const rows: number[][] = []; // extended context rows before left padding
      const numSel = Math.min(i, k);
      if (numSel > 0) {
        const scores: number[] = [];
        for (let j = 0; j < i; j++) {
          let sc = 0;
          for (let u = 0; u < S; u++) {
            let mx = -Infinity;
            for (let v = 0; v < S; v++) {
              let dot = 0;
              for (let e = 0; e < E; e++) dot += X(b, i, u, e) * X(b, j, v, e);
              mx = Math.max(mx, dot / (norm(i, u) * norm(j, v)));
            }
            sc += mx;
          }
          scores.push(sc);
        }
        const order = scores.map((s, j) => [s, j]).sort((p, q) => q[0] - p[0] || p[1] - q[1]).slice(0, numSel);
        const vmin = Math.min(...order.map((o) => o[0]));
        for (const [s, j] of order) {
          const w = s / (vmin + eps);
          for (let u = 0; u < S; u++) rows.push(Array.from({ length: E }, (_, e) => w * X(b, j, u, e)));
        }
      }
      for (let u = 0; u < S; u++) rows.push(Array.from({ length: E }, (_, e) => X(b, i, u, e)));
      while (rows.length < L) rows.unshift(new Array(E).fill(0)); // zero LEFT padding
      for (let r = 0; r < S; r++) {
        for (let e = 0; e < E; e++) {
          let acc = X(b, i, r, e);
          for (let l = 0; l < L; l++) acc += P[r * L + l] * rows[l][e];
          out[((b * N + i) * S + r) * E + e] = acc;
        }
      }
    }
  }
  return out;
}

const smallCfg = (S: number, k: number, extra: object = {}) =>
  aveyConfig({ vocab_size: 50, d_embed: 8, n_layers: 2, chunk_size: S, k, mask_mode: 'official', ...extra });

test('vectorised ranker == the official per-split loop (random B, T, S, k)', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 26 }), fc.integer({ min: 2, max: 5 }), fc.integer({ min: 0, max: 3 }), fc.integer(),
      (B, T, S, k, seed) => {
        const cfg = smallCfg(S, k);
        const model = new AveyModel(cfg, { seed: seed & 0xffff });
        const E = cfg.d_embed;
        const xT = new Rng(seed).normal([B, T, E], 0, 1);
        const x = xT.dataSync() as Float32Array;
        const { h } = model.ranker.preprocess(variable(xT));
        const ref = referencePreprocess(x, B, T, E, model.ranker.down_proj!.value.dataSync() as Float32Array, cfg);
        const got = h.value.dataSync() as Float32Array;
        assert.equal(got.length, ref.length);
        for (let i = 0; i < ref.length; i++) assert.ok(Math.abs(got[i] - ref[i]) <= 1e-4 + 1e-4 * Math.abs(ref[i]), `h[${i}] ${got[i]} vs ${ref[i]}`);
      },
    ),
    { numRuns: 25, seed: 7 },
  );
});

function ids(rng: Rng, B: number, T: number, V: number): Tensor {
  return rng.int([B, T], 0, V);
}

test('cross-split causality: changing split j > i leaves split i\'s outputs bit-identical', () => {
  const cfg = smallCfg(4, 2, { n_layers: 4 });
  const model = new AveyModel(cfg, { seed: 3 });
  fc.assert(
    fc.property(fc.integer({ min: 9, max: 20 }), fc.integer(), (T, seed) => {
      const rng = new Rng(seed);
      const a = ids(rng, 2, T, cfg.vocab_size);
      const N = Math.ceil(T / 4);
      const i = Math.floor(Math.abs(seed) % (N - 1)); // a split with a later one
      const data = Int32Array.from(a.dataSync() as Int32Array);
      for (let b = 0; b < 2; b++) for (let t = (i + 1) * 4; t < T; t++) data[b * T + t] = (data[b * T + t] + 1 + (t % 7)) % cfg.vocab_size;
      const b2 = tensor(data, { dtype: 'int32', shape: [2, T] });
      const h1 = model.encode(a).value.dataSync() as Float32Array;
      const h2 = model.encode(b2).value.dataSync() as Float32Array;
      const E = cfg.d_embed;
      for (let b = 0; b < 2; b++) {
        for (let t = 0; t < (i + 1) * 4; t++) {
          for (let e = 0; e < E; e++) {
            const o = (b * T + t) * E + e;
            assert.ok(Object.is(h1[o], h2[o]), `b${b} t${t} e${e}: ${h1[o]} vs ${h2[o]}`);
          }
        }
      }
      // and a later split did change
      let changed = false;
      for (let o = (i + 1) * 4 * E; o < T * E; o++) if (h1[o] !== h2[o]) changed = true;
      assert.ok(changed);
    }),
    { numRuns: 10, seed: 5 },
  );
});

test('shapes and selections for T ∈ {1, S−1, S, S+1, random}, random B: (B, T, d), n_i = min(i, k)', () => {
  const S = 4, k = 2;
  const cfg = smallCfg(S, k);
  const model = new AveyModel(cfg, { seed: 4 });
  const Ts = [1, S - 1, S, S + 1, 17, 2 * S];
  for (const T of Ts) {
    for (const B of [1, 3]) {
      const h = model.encode(ids(new Rng(T * 10 + B), B, T, cfg.vocab_size));
      assert.deepEqual([...h.shape], [B, T, cfg.d_embed]);
      const N = Math.ceil(T / S);
      const sel = model.lastTrace.selection;
      if (N === 1) assert.equal(sel, null, 'a single split retrieves nothing');
      else assert.deepEqual(sel!.numSelected, Array.from({ length: N }, (_, i) => Math.min(i, k)));
    }
  }
});

test('ranker weights: w = score / min(score) ≥ 1, top-1 largest, candidates earlier splits only', () => {
  const cfg = smallCfg(4, 3, { n_layers: 2 });
  const model = new AveyModel(cfg, { seed: 8 });
  fc.assert(
    fc.property(fc.integer({ min: 5, max: 28 }), fc.integer({ min: 1, max: 3 }), fc.integer(), (T, B, seed) => {
      model.encode(ids(new Rng(seed), B, T, cfg.vocab_size));
      const sel = model.lastTrace.selection;
      const N = Math.ceil(T / 4);
      if (sel === null) throw new Error('T > S must retrieve');
      const w = sel.weights.dataSync() as Float32Array;
      const idx = sel.indices.dataSync() as Int32Array;
      const sc = sel.scores.dataSync() as Float32Array;
      for (let b = 0; b < B; b++) {
        for (let i = 0; i < N; i++) {
          const n: number = sel.numSelected[i];
          const base = (b * N + i) * cfg.k;
          const vals = Array.from({ length: n }, (_, p) => sc[(b * N + i) * N + idx[base + p]]);
          for (let p = 0; p < n; p++) assert.ok(idx[base + p] < i, 'only earlier splits');
          for (let p: number = n; p < cfg.k; p++) assert.equal(idx[base + p], -1);
          if (n === 0 || Math.min(...vals) <= 0) continue; // ÷min is only meaningful for positive scores
          for (let p = 0; p < n; p++) {
            assert.ok(w[base + p] >= 1 - 1e-6, `w ${w[base + p]} < 1`);
            assert.ok(w[base] >= w[base + p], 'top-1 weight is the largest');
            if (p > 0) assert.ok(vals[p - 1] >= vals[p], 'descending scores');
          }
          assert.ok(Math.abs(w[base + n - 1] - 1) < 1e-5, 'the weakest selected split has weight 1');
        }
      }
    }),
    { numRuns: 20, seed: 9 },
  );
});

test('T ≤ S: the ranker reduces to h = P[:, −S:] x + x (x zero-padded to S)', () => {
  const S = 6;
  const cfg = smallCfg(S, 2);
  const model = new AveyModel(cfg, { seed: 10 });
  const E = cfg.d_embed, L = (cfg.k + 1) * S;
  for (const T of [1, 4, S]) {
    const xT = new Rng(T).normal([2, T, E], 0, 1);
    const x = xT.dataSync() as Float32Array;
    const h = model.ranker.preprocess(variable(xT)).h.value.dataSync() as Float32Array;
    const P = model.ranker.down_proj!.value.dataSync() as Float32Array;
    for (let b = 0; b < 2; b++) {
      for (let r = 0; r < S; r++) {
        for (let e = 0; e < E; e++) {
          let acc = r < T ? x[(b * T + r) * E + e] : 0;
          for (let c = 0; c < T; c++) acc += P[r * L + (L - S) + c] * x[(b * T + c) * E + e];
          const got = h[((b * S) + r) * E + e];
          assert.ok(Math.abs(got - acc) <= 1e-5 + 1e-5 * Math.abs(acc), `T=${T} b${b} r${r} e${e}`);
        }
      }
    }
  }
});

test('attention mask (masked mode, right padding): each sequence equals its batch-of-one result', () => {
  const cfg = smallCfg(4, 2, { n_layers: 3, mask_mode: 'masked' });
  const model = new AveyModel(cfg, { seed: 12 });
  const rng = new Rng(77);
  const lens = [13, 6, 9];
  const Tmax = 14;
  const all = rng.int([3, Tmax], 1, cfg.vocab_size).dataSync() as Int32Array;
  const mask = new Float32Array(3 * Tmax);
  for (let b = 0; b < 3; b++) for (let t = 0; t < lens[b]; t++) mask[b * Tmax + t] = 1;
  const batch = model.encode(tensor(all, { dtype: 'int32', shape: [3, Tmax] }), { attentionMask: tensor(mask, { shape: [3, Tmax] }) });
  const hb = batch.value.dataSync() as Float32Array;
  const E = cfg.d_embed;
  for (let b = 0; b < 3; b++) {
    const one = tensor(all.slice(b * Tmax, b * Tmax + lens[b]), { dtype: 'int32', shape: [1, lens[b]] });
    const h1 = model.encode(one).value.dataSync() as Float32Array;
    for (let o = 0; o < lens[b] * E; o++) {
      const got = hb[b * Tmax * E + o];
      assert.ok(Math.abs(got - h1[o]) <= 1e-5 + 1e-5 * Math.abs(h1[o]), `b${b} [${o}] ${got} vs ${h1[o]}`);
    }
  }
  // official mode ignores the mask: pads are ordinary tokens, so the shorter rows differ
  const off = model.encode(tensor(all, { dtype: 'int32', shape: [3, Tmax] }), { attentionMask: tensor(mask, { shape: [3, Tmax] }), maskMode: 'official' });
  const noMask = model.encode(tensor(all, { dtype: 'int32', shape: [3, Tmax] }));
  assert.deepEqual(Array.from(off.value.dataSync() as Float32Array), Array.from(noMask.value.dataSync() as Float32Array));
});
