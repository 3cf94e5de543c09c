// The BERT-style Transformer baseline: shapes, padding invariance, positions, training.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng, scope, tensor } from '@avey/tensor';
import { optim } from '@avey/autograd';
import {
  TransformerForMaskedLM, TransformerModel, createTransformer, namedParams, transformerConfig, transformerParameterShapes,
} from '@avey/avey-b';
import { mlmLosses } from './mlm-steps.js';

const base = { vocab_size: 40, hidden_size: 16, num_hidden_layers: 2, num_attention_heads: 4, max_position_embeddings: 32 };

test('names and shapes match transformerParameterShapes for every head; both position types', () => {
  for (const position_embedding_type of ['learned', 'sinusoidal'] as const) {
    const cfg = transformerConfig({ ...base, position_embedding_type, num_labels: 3 });
    for (const head of ['mlm', 'seqcls', 'tokcls', 'qa'] as const) {
      const m = createTransformer(cfg, head, { seed: 1 });
      const got = new Map([...namedParams(m)].map(([k, v]) => [k, [...v.shape]]));
      assert.deepEqual([...got.entries()].sort(), [...transformerParameterShapes(cfg, head).entries()].sort());
      const out = m.forward(new Rng(2).int([2, 7], 0, 40));
      const want = head === 'mlm' ? [2, 7, 40] : head === 'seqcls' ? [2, 3] : head === 'tokcls' ? [2, 7, 3] : [2, 7, 2];
      assert.deepEqual([...out.logits.shape], want);
    }
  }
});

test('masked mode: right-padded rows equal their batch-of-one outputs; positions matter', () => {
  const m = new TransformerModel(transformerConfig(base), { seed: 3 });
  const all = new Rng(4).int([2, 10], 1, 40).dataSync() as Int32Array;
  const mask = new Float32Array(20);
  for (let t = 0; t < 10; t++) mask[t] = 1;
  for (let t = 0; t < 6; t++) mask[10 + t] = 1;
  const hb = m.encode(tensor(all, { dtype: 'int32', shape: [2, 10] }), { attentionMask: tensor(mask, { shape: [2, 10] }) }).value.dataSync() as Float32Array;
  const h1 = m.encode(tensor(all.slice(10, 16), { dtype: 'int32', shape: [1, 6] })).value.dataSync() as Float32Array;
  for (let o = 0; o < 6 * 16; o++) assert.ok(Math.abs(hb[10 * 16 + o] - h1[o]) < 1e-5, `[${o}]`);
  // permuting tokens changes outputs (positions are used)
  const x = tensor(Int32Array.from([1, 2, 3, 4]), { dtype: 'int32', shape: [1, 4] });
  const y = tensor(Int32Array.from([2, 1, 3, 4]), { dtype: 'int32', shape: [1, 4] });
  const a = m.encode(x).value.dataSync() as Float32Array, b = m.encode(y).value.dataSync() as Float32Array;
  let d = 0;
  for (let i = 2 * 16; i < 4 * 16; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  assert.ok(d > 1e-5);
  assert.throws(() => m.encode(new Rng(1).int([1, 33], 0, 40)), /max_position_embeddings/);
});

test('Transformer MLM trains (loss decreases)', () => {
  const m = new TransformerForMaskedLM(transformerConfig(base), { seed: 5 });
  const l = mlmLosses(m, new Rng(6).int([2, 12], 0, 40));
  assert.ok(l[7] < l[0] * 0.9, l.join(' → '));
});

test('sinusoidal positions survive the scopes of successive training steps (the cached table is kept)', () => {
  const m = new TransformerForMaskedLM(transformerConfig({ ...base, position_embedding_type: 'sinusoidal' }), { seed: 5 });
  const opt = new optim.AdamW(m.parameters(), { lr: 1e-2 });
  const ids = new Rng(6).int([2, 8], 0, 40);
  const labels = new Rng(7).int([2, 8], 0, 40);
  const losses: number[] = [];
  for (let step = 0; step < 3; step++) {
    scope(() => {
      opt.zeroGrad();
      const { loss } = m.forward(ids, { labels });
      assert.ok(loss);
      loss.backward();
      opt.step();
      losses.push(loss.value.dataSync()[0]);
    });
  }
  assert.equal(losses.length, 3);
  assert.ok(losses.every(Number.isFinite));
  assert.ok(losses[2] < losses[0], `loss falls: ${losses}`);
});
