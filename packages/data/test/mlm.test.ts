import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { applyMask, DataRng, maskCount, MlmBatcher, textsSource, type MlmState } from '../src/index.js';
import { smallTokenizer, tmpDir } from './helpers.js';
import { FileSource } from '../src/index.js';

const docs = Array.from({ length: 40 }, (_, i) => `Document number ${i}. ` + 'Call me Ishmael, some years ago. '.repeat(1 + (i % 5)));

test('mask count = round(rate·B·T) clamped to [1, B·T−1]; labels −100 off the masked positions (property)', () => {
  const tok = smallTokenizer();
  fc.assert(fc.property(fc.integer({ min: 2, max: 600 }), fc.double({ min: 0.01, max: 0.99, noNaN: true }), fc.integer(), (n, rate, seed) => {
    const ids = new Int32Array(n).map((_, i) => 10 + (i % 50));
    const orig = ids.slice();
    const labels = applyMask(ids, tok, new DataRng(seed), { rate });
    const masked = [...labels.keys()].filter((i) => labels[i] !== -100);
    assert.equal(masked.length, maskCount(n, rate));
    assert.ok(masked.length >= 1 && masked.length <= n - 1);
    for (let i = 0; i < n; i++) {
      if (labels[i] === -100) assert.equal(ids[i], orig[i]);
      else { assert.equal(labels[i], orig[i]); assert.equal(ids[i], tok.special.mask); }
    }
  }), { numRuns: 200 });
  assert.equal(maskCount(2048 * 4, 0.2), Math.round(0.2 * 8192));
  assert.equal(maskCount(10, 0.05), 1); // round(0.5) = 0 (half to even) → clamped to 1
  assert.equal(maskCount(10, 0.99), 9);
});

test('BERT 80/10/10: about 80 % [MASK], 10 % random non-special, 10 % unchanged', () => {
  const tok = smallTokenizer();
  const n = 50000;
  const ids = new Int32Array(n).fill(100);
  const labels = applyMask(ids, tok, new DataRng(3), { rate: 0.5, strategy: 'bert-80-10-10' });
  let m = 0, same = 0, other = 0;
  for (let i = 0; i < n; i++) {
    if (labels[i] === -100) continue;
    if (ids[i] === tok.special.mask) m++; else if (ids[i] === 100) same++; else { other++; assert.ok(!tok.isSpecialId(ids[i])); }
  }
  const tot = m + same + other;
  assert.equal(tot, 25000);
  assert.ok(Math.abs(m / tot - 0.8) < 0.02 && Math.abs(other / tot - 0.1) < 0.02, `${m} ${same} ${other}`);
});

test('stream = documents + EOS concatenated, cut into (B, T) rows ignoring boundaries', () => {
  const tok = smallTokenizer();
  const b = new MlmBatcher(textsSource('t', docs), tok, { batchSize: 2, seqLen: 16, epochs: 1, rate: 0.2 });
  const expected: number[] = [];
  for (const d of docs) expected.push(...tok.encodeIds(d), tok.special.eos as number);
  const got: number[] = [];
  let steps = 0;
  for (const batch of b) {
    assert.deepEqual(batch.shape, [2, 16]);
    assert.equal(batch.inputIds.length, 32);
    for (let i = 0; i < 32; i++) got.push(batch.labels[i] === -100 ? batch.inputIds[i] : batch.labels[i]);
    assert.equal([...batch.labels].filter((x) => x !== -100).length, Math.round(0.2 * 32));
    steps++;
  }
  assert.equal(steps, Math.floor(expected.length / 32));
  assert.deepEqual(got, expected.slice(0, steps * 32));
});

test('seeded and resumable: state() → JSON → restore continues with identical batches, across epochs', () => {
  const tok = smallTokenizer();
  const opts = { batchSize: 3, seqLen: 20, seed: 7 };
  const ref = new MlmBatcher(textsSource('t', docs), tok, opts);
  const all = Array.from({ length: 60 }, () => ref.next()!);
  assert.ok(all[59].epoch >= 1, 'wrapped into a second epoch');
  const again = new MlmBatcher(textsSource('t', docs), tok, opts);
  for (let i = 0; i < 60; i++) assert.deepEqual(again.next(), all[i]);
  for (const k of [0, 1, 13, 37, 59]) {
    const a = new MlmBatcher(textsSource('t', docs), tok, opts);
    for (let i = 0; i < k; i++) a.next();
    const st = JSON.parse(JSON.stringify(a.state())) as MlmState;
    const r = new MlmBatcher(textsSource('t', docs), tok, opts, st);
    for (let i = k; i < Math.min(60, k + 5); i++) assert.deepEqual(r.next(), all[i], `resume at ${k}, batch ${i}`);
  }
  const other = new MlmBatcher(textsSource('t', docs), tok, { ...opts, seed: 8 });
  assert.notDeepEqual(other.next()!.labels, all[0].labels);
  assert.throws(() => new MlmBatcher(textsSource('t', docs), tok, { ...opts, seqLen: 21 }, ref.state()), /seqLen/);
});

test('sharding: rank r of P reads documents r, r+P, …; ranks are disjoint and cover the corpus', () => {
  const tok = smallTokenizer();
  const P = 3;
  const firstTokens = (r: number): number[] => {
    const b = new MlmBatcher(textsSource('t', docs), tok, { batchSize: 1, seqLen: 4096, rank: r, worldSize: P, epochs: 1 });
    const st = b.state();
    assert.equal(st.rank, r);
    const x = b.next();
    return x ? [...x.inputIds.map((v, i) => (x.labels[i] === -100 ? v : x.labels[i]))] : [];
  };
  for (let r = 0; r < P; r++) {
    const toks = firstTokens(r);
    const want: number[] = [];
    for (let i = r; i < docs.length; i += P) want.push(...tok.encodeIds(docs[i]), tok.special.eos as number);
    assert.deepEqual(toks, want.slice(0, toks.length));
  }
  assert.throws(() => new MlmBatcher(textsSource('t', docs), tok, { batchSize: 1, seqLen: 8, rank: 3, worldSize: 3 }), /rank/);
});

test('streamed file corpus: resume mid-file gives the same batches; finite epochs end with null', () => {
  const tok = smallTokenizer();
  const dir = tmpDir({
    'a.txt': docs.slice(0, 20).join('\n') + '\n',
    'b.jsonl': docs.slice(20).map((text) => JSON.stringify({ text })).join('\n') + '\n',
  });
  const opts = { batchSize: 2, seqLen: 24, seed: 3, epochs: 2 };
  const ref = new MlmBatcher(new FileSource(dir), tok, opts);
  const all = [...ref];
  assert.ok(all.length > 10);
  assert.equal(ref.next(), null);
  assert.equal(all[all.length - 1].epoch, 1);
  const k = Math.floor(all.length * 0.6);
  const a = new MlmBatcher(new FileSource(dir), tok, opts);
  for (let i = 0; i < k; i++) a.next();
  const st = JSON.parse(JSON.stringify(a.state())) as MlmState;
  assert.ok(st.docIndex >= 20 || st.epoch === 1, 'resume point inside the JSONL file or the 2nd epoch');
  const rest = [...new MlmBatcher(new FileSource(dir), tok, opts, st)];
  assert.deepEqual(rest, all.slice(k));
});
