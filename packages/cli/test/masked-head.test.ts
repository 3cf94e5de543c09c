// Pretraining's masked-only MLM head against the model's full head: the same loss and the same
// gradient for every parameter (Avey-B and the Transformer baseline, random masks), and the
// gather → tied projection → cross-entropy path against finite differences (float64).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import * as T from '@avey/tensor';
import { Variable, gradcheck, nn } from '@avey/autograd';
import { aveyConfig, createAvey, createTransformer, transformerConfig, type AnyHeadModel } from '@avey/avey-b';
import { labelledRows, maskedMlmLossFromHidden } from '../src/train/masked-head.js';
import { maskedMlmLoss } from '../src/train/mlm-session.js';

const V = 40;

/** ids (B·T) in [0, V) and labels with a random non-empty subset labelled. */
function batch(B: number, L: number, seed: number, rate: number): { ids: Int32Array; labels: Int32Array } {
  let s = seed >>> 0 || 1;
  const rnd = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 4294967296);
  const ids = Int32Array.from({ length: B * L }, () => Math.floor(rnd() * V));
  const labels = Int32Array.from(ids, (id) => (rnd() < rate ? id : -100));
  if (!labels.some((l) => l !== -100)) labels[0] = ids[0];
  return { ids, labels };
}

function grads(model: AnyHeadModel): Float32Array[] {
  return model.parameters().map((p) => {
    const g = p.grad ? (p.grad.dataSync() as Float32Array).slice() : new Float32Array(p.size);
    p.grad = null;
    return g;
  });
}

function models(seed: number): Array<[string, AnyHeadModel]> {
  return [
    ['avey-b', createAvey(aveyConfig({ vocab_size: V, d_embed: 16, n_layers: 2, chunk_size: 4, k: 1 }), 'mlm', { seed })],
    ['transformer', createTransformer(transformerConfig({ vocab_size: V, hidden_size: 16, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 32, max_position_embeddings: 32 }), 'mlm', { seed })],
  ];
}

test('masked-only head = full head: same loss, same gradient of every parameter (random masks)', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 2, max: 4 }), fc.nat(), fc.double({ min: 0.05, max: 0.9, noNaN: true }), (B, nChunks, seed, rate) => {
      const L = 4 * nChunks;
      const { ids, labels } = batch(B, L, seed, rate);
      for (const [name, model] of models(seed)) {
        T.scope(() => {
          const x = T.tensor(ids, { dtype: 'int32', shape: [B, L] });
          const full = model.forward(x, { labels: T.tensor(labels, { dtype: 'int32', shape: [B, L] }) }).loss!;
          full.backward();
          const gFull = grads(model);
          const masked = maskedMlmLoss(model, x, labels, T, nn);
          masked.backward();
          const gMasked = grads(model);
          const a = full.item(), b = masked.item();
          assert.ok(Math.abs(a - b) <= 1e-5 * Math.max(1, Math.abs(a)), `${name}: loss ${a} (full) vs ${b} (masked)`);
          const names = [...model.namedParameters().keys()];
          gFull.forEach((g, i) => {
            let scale = 0;
            for (const v of g) scale = Math.max(scale, Math.abs(v));
            for (let j = 0; j < g.length; j++) {
              assert.ok(Math.abs(g[j] - gMasked[i][j]) <= 1e-5 + 1e-4 * scale, `${name}: ∂L/∂${names[i]}[${j}] ${g[j]} (full) vs ${gMasked[i][j]} (masked)`);
            }
          });
        });
      }
    }),
    { numRuns: 12 },
  );
});

test('gather → tied projection → cross-entropy passes gradcheck in h and E (float64)', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 2, max: 5 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 2, max: 7 }), fc.nat(), (B, L, d, v, seed) => {
      const h = T.randn([B, L, d], { dtype: 'float64', seed });
      const E = T.randn([v, d], { dtype: 'float64', seed: seed + 1 });
      const { labels } = batch(B, L, seed, 0.5);
      for (let i = 0; i < labels.length; i++) if (labels[i] !== -100) labels[i] %= v;
      const r = gradcheck((hv: Variable, ev: Variable) => maskedMlmLossFromHidden(hv, ev, labels, T, nn), [h, E]);
      assert.ok(r.ok, r.message);
      h.dispose();
      E.dispose();
    }),
    { numRuns: 15 },
  );
});

test('labelledRows keeps the labelled positions in order; no labelled position is a RangeError', () => {
  const { rows, targets } = labelledRows(Int32Array.from([-100, 5, -100, 7, 0]));
  assert.deepEqual([...rows], [1, 3, 4]);
  assert.deepEqual([...targets], [5, 7, 0]);
  const h = new Variable(T.zeros([1, 2, 3]));
  const E = new Variable(T.zeros([4, 3]));
  assert.throws(() => maskedMlmLossFromHidden(h, E, Int32Array.from([-100, -100]), T, nn), /no masked position/);
});
