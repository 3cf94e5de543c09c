// IR pieces: graded nDCG@10 (standard and the paper's variant) against a published worked example,
// MRR@10 / recall@100, the BEIR reader's edge cases, SQuAD as a BEIR folder, BM25 by hand.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  Bm25Index, DataError, bm25Terms, describeUnknown, irScores, ndcgAtK, paperNdcgAtK, readBeir, readSquad, reciprocalRank, recallAtK,
  squadBeir, topK, writeBeir,
} from '../src/index.js';
import { ds, SKIP_DATASETS } from './helpers.js';

const close = (a: number, b: number, eps = 1e-9): void => assert.ok(Math.abs(a - b) < eps, `${a} vs ${b}`);

test('graded nDCG: the worked example of Wikipedia\'s "Discounted cumulative gain" article', () => {
  // Ranked D1..D6 with grades 3,2,3,0,1,2; D7 (3) and D8 (2) are judged but not retrieved.
  // The article: DCG6 = 6.861; ideal from all judgements 3,3,3,2,2,2 → IDCG6 = 8.740, nDCG6 = 0.785;
  // ideal from the retrieved ones only (3,3,2,2,1,0) → IDCG6 = 7.141, nDCG6 = 0.961.
  const rel = new Map([['D1', 3], ['D2', 2], ['D3', 3], ['D4', 0], ['D5', 1], ['D6', 2], ['D7', 3], ['D8', 2]]);
  const ranking = ['D1', 'D2', 'D3', 'D4', 'D5', 'D6'];
  close(ndcgAtK(ranking, rel, 6), 6.861 / 8.74, 1e-3);
  assert.equal(ndcgAtK(ranking, rel, 6).toFixed(3), '0.785');
  assert.equal(paperNdcgAtK(ranking, rel, 6).toFixed(3), '0.961');
  // a grade-0 judgement is not relevant; an unjudged document neither
  close(ndcgAtK(['D4', 'X', 'D1'], rel, 3), (3 / 2) / (3 + 3 / Math.log2(3) + 3 / 2));
});

test('binary relevance: sets and grade-1 maps agree; MRR@10 and recall@100', () => {
  const rel = new Set(['d3', 'd9']);
  const graded = new Map([['d3', 1], ['d9', 1], ['d0', 0]]);
  const ranking = ['d1', 'd3', 'd2', 'd9'];
  close(ndcgAtK(ranking, rel), ndcgAtK(ranking, graded));
  close(ndcgAtK(ranking, rel), (1 / Math.log2(3) + 1 / Math.log2(5)) / (1 + 1 / Math.log2(3)));
  close(reciprocalRank(['d0', 'd1', 'd9'], graded), 1 / 3);
  close(reciprocalRank([...Array.from({ length: 10 }, (_, i) => `x${i}`), 'd3'], graded), 0);
  const long = [...Array.from({ length: 99 }, (_, i) => `x${i}`), 'd9', 'd3'];
  close(recallAtK(long, graded, 100), 0.5);
  const s = irScores(new Map([['q1', ranking], ['q2', ['a']]]), new Map([['q1', graded], ['q2', new Map([['a', 0]])]]));
  assert.equal(s.queries, 1, 'a query without a relevant document is not scored');
  close(s['mrr@10'], 0.5);
  close(s['recall@100'], 1);
  close(s['recall@10'], 1);
  assert.throws(() => irScores(new Map(), new Map([['q', new Map([['a', 0]])]])), DataError);
});

test('nDCG properties: in [0, 1], 1 for the ideal order, the paper variant never below the standard', () => {
  const doc = fc.integer({ min: 0, max: 30 }).map((i) => `d${i}`);
  fc.assert(
    fc.property(fc.uniqueArray(doc, { maxLength: 20 }), fc.dictionary(doc, fc.integer({ min: 0, max: 3 })), fc.integer({ min: 1, max: 12 }), (ranking, grades, k) => {
      const rel = new Map(Object.entries(grades));
      const n = ndcgAtK(ranking, rel, k);
      const p = paperNdcgAtK(ranking, rel, k);
      assert.ok(n >= 0 && n <= 1 + 1e-12 && p >= n - 1e-12 && p <= 1 + 1e-12);
      const ideal = [...rel].filter(([, g]) => g > 0).sort((a, b) => b[1] - a[1]).map(([d]) => d);
      if (ideal.length) close(ndcgAtK(ideal, rel, k), 1);
    }),
    { seed: 21, numRuns: 60 },
  );
});

function beirDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'beir-'));
  mkdirSync(join(dir, 'qrels'));
  for (const [f, text] of Object.entries(files)) writeFileSync(join(dir, f), text);
  return dir;
}
const CORPUS = '{"_id":"d1","title":"T","text":"alpha beta"}\n{"_id":"d2","text":"gamma"}\n\n{"_id":3,"title":"","text":"delta"}\n';
const QUERIES = '{"_id":"q1","text":"alpha?"}\n{"_id":"q2","text":"gamma?"}\n{"_id":"q3","text":"unjudged"}\n';

test('BEIR reader: layout, graded qrels, numeric ids, unknown ids reported', () => {
  const dir = beirDir({
    'corpus.jsonl': CORPUS,
    'queries.jsonl': QUERIES,
    'qrels/test.tsv': 'query-id\tcorpus-id\tscore\nq1\td1\t2\nq1\t3\t0\nq2\td2\t1\nq9\td1\t1\nq2\td7\t1\n',
    'qrels/dev.tsv': 'query-id\tcorpus-id\tscore\r\nq2\td2\t1\r\n',
  });
  const c = readBeir(dir);
  assert.deepEqual(c.corpus.map((d) => [d.id, d.title]), [['d1', 'T'], ['d2', ''], ['3', '']]);
  assert.deepEqual(c.queries.map((q) => q.id), ['q1', 'q2'], 'only the split\'s judged queries');
  assert.deepEqual([...c.qrels.get('q1')!], [['d1', 2], ['3', 0]]);
  assert.deepEqual(c.unknown.map((u) => [u.kind, u.id, u.line]), [['query', 'q9', 5], ['document', 'd7', 6]]);
  assert.match(describeUnknown(c.unknown), /2 qrels lines name ids missing .* query q9 \(.*test\.tsv:5\), document d7 \(.*test\.tsv:6\)/);
  assert.deepEqual(readBeir(dir, { split: 'dev' }).queries.map((q) => q.id), ['q2']);
  assert.throws(() => readBeir(dir, { split: 'train' }), (e: unknown) => e instanceof DataError && /qrels\/train\.tsv: missing/.test(e.message));
});

test('BEIR reader: malformed lines are DataErrors naming file:line', () => {
  const bad = (files: Record<string, string>, re: RegExp) => {
    const dir = beirDir({ 'corpus.jsonl': CORPUS, 'queries.jsonl': QUERIES, 'qrels/test.tsv': 'query-id\tcorpus-id\tscore\nq1\td1\t1\n', ...files });
    assert.throws(() => readBeir(dir), (e: unknown) => e instanceof DataError && re.test(e.message), String(re));
  };
  bad({ 'corpus.jsonl': '{"_id":"d1","text":"x"}\n{"_id":"d2","text":\n' }, /corpus\.jsonl:2: invalid JSON/);
  bad({ 'corpus.jsonl': '{"_id":"d1","text":"x"}\n{"_id":"d1","text":"y"}\n' }, /corpus\.jsonl:2: duplicate document id d1 \(first on line 1\)/);
  bad({ 'corpus.jsonl': '{"_id":"d1","body":"x"}\n' }, /corpus\.jsonl:1: document d1: missing "text"/);
  bad({ 'corpus.jsonl': '\n\n' }, /corpus\.jsonl: empty corpus/);
  bad({ 'queries.jsonl': '{"text":"no id"}\n' }, /queries\.jsonl:1: missing "_id"/);
  bad({ 'queries.jsonl': '[1,2]\n' }, /queries\.jsonl:1: expected a JSON object/);
  bad({ 'qrels/test.tsv': 'q1\td1\t1\n' }, /test\.tsv:1: expected the header/);
  bad({ 'qrels/test.tsv': 'query-id\tcorpus-id\tscore\nq1\td1\n' }, /test\.tsv:2: expected 3 tab-separated columns/);
  bad({ 'qrels/test.tsv': 'query-id\tcorpus-id\tscore\nq1\td1\thigh\n' }, /test\.tsv:2: expected a query id, a corpus id and an integer score/);
  bad({ 'qrels/test.tsv': 'query-id\tcorpus-id\tscore\nq1\td1\t1\nq1\td1\t2\n' }, /test\.tsv:3: duplicate judgement of q1 \/ d1/);
  bad({ 'qrels/test.tsv': '' }, /test\.tsv: empty qrels file/);
});

test('writeBeir round-trips through readBeir', () => {
  const dir = mkdtempSync(join(tmpdir(), 'beir-w-'));
  const c = { corpus: [{ id: 'a', title: 't\tx', text: 'line\nbreak "q"' }], queries: [{ id: 'q', text: 'é?' }], qrels: new Map([['q', new Map([['a', 2]])]]), split: 'test' };
  writeBeir(dir, c);
  const r = readBeir(dir);
  assert.deepEqual(r.corpus, c.corpus);
  assert.deepEqual(r.queries, c.queries);
  assert.deepEqual(r.qrels, c.qrels);
});

test('SQuAD dev as a BEIR collection: 2,067 passages, 10,570 queries, one relevant passage each', { skip: SKIP_DATASETS }, () => {
  const c = squadBeir(readSquad(ds('squad-v1.1', 'dev-v1.1.json')));
  assert.equal(c.corpus.length, 2067);
  assert.equal(c.queries.length, 10570);
  assert.ok([...c.qrels.values()].every((m) => m.size === 1));
  assert.equal(c.corpus[0].title, 'Super Bowl 50');
});

test('BM25 (k1 1.2, b 0.75) against a hand computation', () => {
  // lengths 2, 3, 4 → avgdl 3; "a" is in 2 of 3 documents → idf = ln(1 + 1.5 / 2.5) = ln 1.6
  const bm = new Bm25Index(['A b', 'a a, c', 'b c c c']);
  const s = bm.scores('a');
  close(s[0], (Math.log(1.6) * 1 * 2.2) / (1 + 1.2 * (0.25 + (0.75 * 2) / 3)));
  close(s[1], (Math.log(1.6) * 2 * 2.2) / (2 + 1.2 * (0.25 + (0.75 * 3) / 3)));
  assert.equal(s[2], 0);
  assert.deepEqual(bm.search('a', 5), [1, 0, 2]);
  // query terms add up; an unknown term adds nothing
  const both = bm.scores('a zzz c');
  close(both[1], s[1] + bm.scores('c')[1]);
  assert.deepEqual(bm25Terms('Élan, x2-y!'), ['élan', 'x2', 'y']);
  assert.throws(() => new Bm25Index([]), DataError);
});

test('topK equals a full stable sort (property)', () => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: -5, max: 5 }), { maxLength: 60 }), fc.integer({ min: 0, max: 70 }), (xs, k) => {
      const want = xs.map((_, i) => i).sort((a, b) => xs[b] - xs[a] || a - b).slice(0, k);
      assert.deepEqual(topK(xs, k), want);
    }),
    { seed: 21, numRuns: 60 },
  );
});
