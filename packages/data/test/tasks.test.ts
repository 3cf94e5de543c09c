import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readConllu, UPOS_TAGS, alignLabels, encodeWords, qaFeatures, readSquad, spanText, wordPredictions, setF1, positionsOf } from '../src/index.js';
import { ds, SKIP_DATASETS, smallTokenizer } from './helpers.js';

test('subword label alignment: all / first-only, and majority-vote decoding', () => {
  const tok = smallTokenizer();
  const words = ['Ishmael', 'harpooned', 'the', 'whale', '.'];
  const enc = encodeWords(tok, words);
  assert.equal(enc.ids[enc.ids.length - 1], tok.special.eos);
  assert.equal(enc.wordIds[enc.wordIds.length - 1], null);
  // every word has ≥ 1 token, word ids are non-decreasing, and tokens decode back to the words
  const seen = [...new Set(enc.wordIds.filter((w) => w !== null))];
  assert.deepEqual(seen, [0, 1, 2, 3, 4]);
  for (let w = 0; w < words.length; w++) {
    const ids = enc.ids.filter((_, i) => enc.wordIds[i] === w);
    assert.equal(tok.decode(ids).trim(), words[w]);
  }
  const labels = [7, 8, 9, 10, 11];
  const all = alignLabels(enc.wordIds, labels, 'all');
  const first = alignLabels(enc.wordIds, labels, 'first');
  enc.wordIds.forEach((w, i) => {
    assert.equal(all[i], w === null ? -100 : labels[w]);
    assert.equal(first[i], w === null || (i > 0 && enc.wordIds[i - 1] === w) ? -100 : labels[w]);
  });
  assert.deepEqual(wordPredictions(all, enc.wordIds, 5), labels);
  // majority vote, ties to the first-seen label
  assert.deepEqual(wordPredictions([1, 2, 2, 3, 4, 4, 0], [0, 0, 0, 1, 1, 2, null], 3), [2, 3, 4]);
  assert.deepEqual(wordPredictions([1, 2, 2], [0, 0, 0], 1, 'first'), [1]);
  const trunc = encodeWords(tok, words, { maxLength: 3 });
  assert.equal(trunc.ids.length, 3);
  assert.equal(trunc.ids[2], tok.special.eos);
});

test('QA features on real SQuAD dev: paper format, windows with stride, labels and start/end recover the answer', { skip: SKIP_DATASETS }, () => {
  const tok = smallTokenizer();
  const dev = readSquad(ds('squad-v1.1', 'dev-v1.1.json'));
  let windows = 0;
  for (const ex of dev.examples.slice(0, 200)) {
    const feats = qaFeatures(tok, ex, { maxLength: 128, stride: 32 });
    windows += feats.length;
    assert.ok(feats.some((f) => f.hasAnswer), `answer of ${ex.id} in some window`);
    for (const f of feats) {
      assert.ok(f.inputIds.length <= 128);
      assert.equal(f.inputIds[f.inputIds.length - 1], tok.special.eos);
      if (!f.hasAnswer) { assert.equal(positionsOf(f.labels).length, 0); continue; }
      const pos = positionsOf(f.labels);
      assert.equal(pos[0], f.startPosition);
      assert.equal(pos[pos.length - 1], f.endPosition);
      const text = spanText(f, ex.context, f.startPosition, f.endPosition);
      assert.ok(text.includes(ex.answers[0].text), `${text} ⊇ ${ex.answers[0].text}`);
      assert.equal(setF1(pos, pos), 1);
    }
  }
  assert.ok(windows > 200, 'long contexts were windowed');
  const first = qaFeatures(tok, dev.examples[0], { maxLength: 4096 })[0];
  assert.equal(tok.decode(first.inputIds.slice(0, 12)).startsWith(`Question: ${dev.examples[0].question}`.slice(0, 20)), true);
});

test('padBatch and encodeInput (paper input format: no special tokens, EOS appended)', async () => {
  const { padBatch, encodeInput, pairText } = await import('../src/index.js');
  const tok = smallTokenizer();
  const a = encodeInput(tok, 'Call me Ishmael.');
  assert.equal(a[a.length - 1], tok.special.eos);
  assert.deepEqual([...a.slice(0, -1)], tok.encodeIds('Call me Ishmael.'));
  assert.equal(encodeInput(tok, 'Call me Ishmael.', 3).length, 3);
  const p = encodeInput(tok, pairText('a b', 'c'));
  assert.equal(p[0], tok.special.cls);
  assert.ok([...p].includes(tok.special.sep as number));
  const b = padBatch([[1, 2, 3], [4]], 0, { labels: [[7, 8, 9], [5]] });
  assert.deepEqual(b.shape, [2, 3]);
  assert.deepEqual([...b.inputIds], [1, 2, 3, 4, 0, 0]);
  assert.deepEqual([...b.attentionMask], [1, 1, 1, 1, 0, 0]);
  assert.deepEqual([...b.labels!], [7, 8, 9, 5, -100, -100]);
  assert.throws(() => padBatch([[1, 2]], 0, { length: 1 }), /length 1/);
});

test('real UD-EWT sentences: aligned labels decode back to the gold UPOS by majority vote', { skip: SKIP_DATASETS }, () => {
  const tok = smallTokenizer();
  const { examples } = readConllu(ds('ud-ewt', 'en_ewt-ud-dev.conllu'), { limit: 150 });
  for (const s of examples) {
    const enc = encodeWords(tok, s.words);
    const gold = s.upos.map((u) => UPOS_TAGS.indexOf(u as (typeof UPOS_TAGS)[number]));
    const labels = alignLabels(enc.wordIds, gold);
    assert.deepEqual(wordPredictions(labels, enc.wordIds, s.words.length), gold);
    const first = alignLabels(enc.wordIds, gold, 'first');
    assert.equal([...first].filter((x) => x !== -100).length, s.words.length);
  }
});

test('batchIndices: seeded per-epoch shuffles that partition the examples', async () => {
  const { batchIndices } = await import('../src/index.js');
  const e0 = batchIndices(10, 4, { seed: 1, epoch: 0 });
  assert.deepEqual(e0.map((b) => b.length), [4, 4, 2]);
  assert.deepEqual(e0.flatMap((b) => [...b]).sort((a, b) => a - b), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.deepEqual(batchIndices(10, 4, { seed: 1, epoch: 0 }), e0);
  assert.notDeepEqual(batchIndices(10, 4, { seed: 1, epoch: 1 }), e0);
  assert.deepEqual(batchIndices(5, 2, { shuffle: false, dropLast: true }).map((b) => [...b]), [[0, 1], [2, 3]]);
});
