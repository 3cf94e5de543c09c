// Heads: losses by problem type, QA span head, sentence embeddings with padding masks, and the
// official model training.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng, tensor } from '@avey/tensor';
import {
  AveyForMaskedLM, AveyForQuestionAnswering, AveyForSequenceClassification, AveyModel, aveyConfig, cosineMatrix,
  sentenceEmbeddings,
} from '@avey/avey-b';
import { mlmLosses } from './mlm-steps.js';

const base = { vocab_size: 40, d_embed: 16, n_layers: 2, chunk_size: 4, k: 2 };
const ids = (seed: number, B: number, T: number) => new Rng(seed).int([B, T], 1, 40);

test('seqcls: CE for int labels, MSE for num_labels = 1, BCE for float (multi-label) labels', () => {
  const x = ids(1, 3, 7);
  const ce = new AveyForSequenceClassification(aveyConfig({ ...base, num_labels: 3 }), { seed: 1 });
  const out = ce.forward(x, { labels: tensor(Int32Array.from([0, 2, 1]), { dtype: 'int32', shape: [3] }) });
  // CE by hand from the logits
  const lg = out.logits.value.dataSync() as Float32Array;
  const lab = [0, 2, 1];
  let ref = 0;
  for (let b = 0; b < 3; b++) {
    const row = Array.from(lg.slice(b * 3, b * 3 + 3));
    const mx = Math.max(...row);
    ref += Math.log(row.reduce((s, v) => s + Math.exp(v - mx), 0)) + mx - row[lab[b]];
  }
  assert.ok(Math.abs(out.loss!.item() - ref / 3) < 1e-5);
  const reg = new AveyForSequenceClassification(aveyConfig({ ...base, num_labels: 1 }), { seed: 1 });
  const y = [0.5, -1, 2];
  const r = reg.forward(x, { labels: tensor(Float32Array.from(y), { shape: [3] }) });
  const p = r.logits.value.dataSync() as Float32Array;
  assert.ok(Math.abs(r.loss!.item() - y.reduce((s, v, i) => s + (p[i] - v) ** 2, 0) / 3) < 1e-5);
  const ml = new AveyForSequenceClassification(aveyConfig({ ...base, num_labels: 2 }), { seed: 1 });
  const t = [1, 0, 0, 1, 1, 1];
  const o = ml.forward(x, { labels: tensor(Float32Array.from(t), { shape: [3, 2] }) });
  const q = o.logits.value.dataSync() as Float32Array;
  const bce = t.reduce((s, v, i) => s + Math.max(q[i], 0) - q[i] * v + Math.log1p(Math.exp(-Math.abs(q[i]))), 0) / 6;
  assert.ok(Math.abs(o.loss!.item() - bce) < 1e-5);
});

test('QA span head: start/end logits (B, T), loss = mean of the two CEs, out-of-range positions ignored', () => {
  const m = new AveyForQuestionAnswering(aveyConfig(base), { seed: 2 });
  const x = ids(2, 2, 9);
  const out = m.forward(x, {
    startPositions: tensor(Int32Array.from([1, 3]), { dtype: 'int32', shape: [2] }),
    endPositions: tensor(Int32Array.from([2, 5]), { dtype: 'int32', shape: [2] }),
  });
  assert.deepEqual([...out.startLogits.shape], [2, 9]);
  assert.deepEqual([...out.endLogits.shape], [2, 9]);
  const loss = out.loss!.item();
  assert.ok(Number.isFinite(loss) && loss > 0);
  out.loss!.backward();
  assert.ok(m.qa_outputs.weight.grad);
});

test('sentence embeddings: mean over real tokens; padded batch == one by one; cosine of a row with itself = 1', () => {
  const m = new AveyModel(aveyConfig(base), { seed: 3 });
  const lens = [9, 4];
  const T = 10;
  const all = ids(3, 2, T).dataSync() as Int32Array;
  const mask = new Float32Array(2 * T);
  lens.forEach((l, b) => { for (let t = 0; t < l; t++) mask[b * T + t] = 1; });
  const e = sentenceEmbeddings(m, tensor(all, { dtype: 'int32', shape: [2, T] }), tensor(mask, { shape: [2, T] })).value;
  const ed = e.dataSync() as Float32Array;
  for (let b = 0; b < 2; b++) {
    const one = sentenceEmbeddings(m, tensor(all.slice(b * T, b * T + lens[b]), { dtype: 'int32', shape: [1, lens[b]] })).value.dataSync() as Float32Array;
    for (let i = 0; i < 16; i++) assert.ok(Math.abs(ed[b * 16 + i] - one[i]) < 1e-5);
  }
  const c = cosineMatrix(e, e).dataSync() as Float32Array;
  assert.ok(Math.abs(c[0] - 1) < 1e-5 && Math.abs(c[3] - 1) < 1e-5 && Math.abs(c[1] - c[2]) < 1e-6);
});

test('the official configuration trains (MLM loss falls with AdamW)', () => {
  const m = new AveyForMaskedLM(aveyConfig(base), { seed: 4 });
  const l = mlmLosses(m, ids(4, 2, 12));
  assert.ok(l[7] < l[0] * 0.9, l.join(' → '));
});
