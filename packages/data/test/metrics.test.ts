import assert from 'node:assert/strict';
import { test } from 'node:test';
import { accuracy, f1Score, ndcgAtK, perSentenceMacroF1, reciprocalRank, recallAtK, seqevalF1, setF1, squadScores, normalizeAnswer, getEntities, meanSetF1 } from '../src/index.js';

const close = (a: number, b: number, eps = 1e-9): void => assert.ok(Math.abs(a - b) < eps, `${a} vs ${b}`);

test('accuracy and macro / micro F1 (hand-computed)', () => {
  const gold = [0, 0, 1, 1, 2, 2];
  const pred = [0, 1, 1, 1, 2, 0];
  close(accuracy(pred, gold), 4 / 6);
  // class 0: tp1 fp1 fn1 → F1 .5; class 1: tp2 fp1 fn0 → P 2/3 R 1 F1 .8; class 2: tp1 fp0 fn1 → P1 R.5 F1 2/3
  close(f1Score(pred, gold, 'macro'), (0.5 + 0.8 + 2 / 3) / 3);
  close(f1Score(pred, gold, 'micro'), 4 / 6);
  close(f1Score(pred, gold, 'micro', [1, 2]), (2 * (3 / 4) * (3 / 4)) / 1.5); // tp3 fp1 fn1
  close(perSentenceMacroF1([[0, 0], [1]], [[0, 1], [1]]), ((2 / 3 + 0) / 2 + 1) / 2);
});

test('seqeval entity F1 (default, lenient chunking)', () => {
  const gold = [['B-PER', 'I-PER', 'O', 'B-LOC'], ['B-ORG', 'O']];
  const pred = [['B-PER', 'I-PER', 'O', 'B-ORG'], ['I-ORG', 'O']];
  assert.deepEqual(getEntities([['O', 'I-PER', 'I-PER', 'B-LOC', 'I-ORG']]), [['PER', 1, 2], ['LOC', 3, 3], ['ORG', 4, 4]]);
  const r = seqevalF1(pred, gold);
  // pred: PER(0-1) ✓, ORG(3) ✗, ORG(5, I- start) ✓ ⇒ P 2/3; gold 3 ⇒ R 2/3
  close(r.precision, 2 / 3); close(r.recall, 2 / 3); close(r.f1, 2 / 3);
  close(r.byType.LOC.f1, 0); close(r.byType.PER.f1, 1); assert.equal(r.byType.ORG.support, 1);
});

test('SQuAD EM / F1 with the official normalisation', () => {
  assert.equal(normalizeAnswer('The  Cat, sat!'), 'cat sat');
  const s = squadScores(['the cat', 'a dog ran', 'blue'], [['Cat'], ['dog', 'the dog ran fast'], ['red']]);
  // q1 EM1 F1 1; q2 EM0, F1 max(2·(1/2)·1/1.5=.667, P1 R .667 → .8) = .8; q3 0
  close(s.exactMatch, 100 / 3);
  close(s.f1, (100 * (1 + 0.8 + 0)) / 3);
});

test('set-F1 over answer token positions (empty counts as {0})', () => {
  close(setF1([3, 4, 5], [4, 5, 6, 7]), (2 * (2 / 3) * 0.5) / (2 / 3 + 0.5));
  close(setF1([], []), 1);
  close(setF1([], [2]), 0);
  close(setF1([0], []), 1);
  close(meanSetF1([[0, 1, 1, 0], [0, 0]], [[0, 1, 0, 0], [0, 0]]), ((2 * 0.5 * 1) / 1.5 + 1) / 2);
});

test('MRR@10, nDCG@10, recall@k', () => {
  const rel = new Set(['d3', 'd9']);
  const ranking = ['d1', 'd3', 'd2', 'd9'];
  close(reciprocalRank(ranking, rel, 10), 1 / 2);
  close(reciprocalRank(ranking, rel, 1), 0);
  close(recallAtK(ranking, rel, 2), 0.5);
  close(recallAtK(ranking, rel, 10), 1);
  const dcg = 1 / Math.log2(3) + 1 / Math.log2(5);
  close(ndcgAtK(ranking, rel, 10), dcg / (1 + 1 / Math.log2(3)));
  close(ndcgAtK(['d1', 'd3'], rel, 10, 'retrieved'), 1 / Math.log2(3) / 1);
  close(ndcgAtK(['d1'], rel, 10, 'retrieved'), 0);
});
