import { DataError } from '../errors.js';

/** A ranking: document ids, best first. */
export type Ranking = readonly string[];

/** Relevance judgements of one query: a set (binary: every member has grade 1) or graded
 *  (doc id → grade; a grade ≤ 0 means judged not relevant, as in BEIR's qrels). */
export type Relevance = ReadonlySet<string> | ReadonlyMap<string, number>;

function check(op: string, k: number): void {
  if (!(Number.isInteger(k) && k >= 1)) throw new DataError(`${op}: k must be a positive integer, got ${k}`);
}

/** The grade of `doc` (0 when unjudged or not relevant). */
function gradeOf(rel: Relevance, doc: string): number {
  if (rel instanceof Set) return rel.has(doc) ? 1 : 0;
  const g = (rel as ReadonlyMap<string, number>).get(doc) ?? 0;
  return g > 0 ? g : 0;
}

/** The positive grades of a query's judgements. */
function positiveGrades(rel: Relevance): number[] {
  if (rel instanceof Set) return Array.from(rel, () => 1);
  return [...(rel as ReadonlyMap<string, number>).values()].filter((g) => g > 0);
}

/** Number of relevant (grade > 0) documents. */
export function relevantCount(rel: Relevance): number {
  return positiveGrades(rel).length;
}

/** Reciprocal rank of the first relevant document within the top k (0 if none). */
export function reciprocalRank(ranking: Ranking, relevant: Relevance, k = 10): number {
  check('mrr', k);
  for (let i = 0; i < Math.min(k, ranking.length); i++) if (gradeOf(relevant, ranking[i]) > 0) return 1 / (i + 1);
  return 0;
}

/** Fraction of the relevant documents found in the top k. */
export function recallAtK(ranking: Ranking, relevant: Relevance, k: number): number {
  check('recall@k', k);
  const n = relevantCount(relevant);
  if (n === 0) throw new DataError('recall@k: query has no relevant documents');
  let hit = 0;
  for (let i = 0; i < Math.min(k, ranking.length); i++) if (gradeOf(relevant, ranking[i]) > 0) hit++;
  return hit / n;
}

/** DCG of gains in rank order: Σ_i g_i / log2(i + 2) (linear gain, as trec_eval / pytrec_eval). */
function dcg(gains: readonly number[]): number {
  let s = 0;
  gains.forEach((g, i) => (s += g / Math.log2(i + 2)));
  return s;
}

/**
 * nDCG@k with graded relevance (a Set = grade 1 each), linear gain, log2 discount:
 *   DCG@k = Σ_{i<k} rel_i / log2(i + 2)
 * Ideal DCG:
 *   'all' (standard, trec_eval's ndcg_cut_k, BEIR's number): the k best grades among ALL the
 *         query's judgements, retrieved or not;
 *   'retrieved' (the paper's: sklearn's ndcg_score on the top-k scores): the grades of the
 *         retrieved top k re-sorted, so unretrieved relevant documents do not count against the
 *         score and a query with none retrieved scores 0. Use paperNdcgAtK for it.
 */
export function ndcgAtK(ranking: Ranking, relevant: Relevance, k = 10, ideal: 'all' | 'retrieved' = 'all'): number {
  check('ndcg', k);
  const got = ranking.slice(0, k).map((d) => gradeOf(relevant, d));
  const best = (ideal === 'all' ? positiveGrades(relevant) : got.filter((g) => g > 0)).sort((a, b) => b - a).slice(0, k);
  const idcg = dcg(best);
  return idcg === 0 ? 0 : dcg(got) / idcg;
}

/** The paper's nDCG@k variant (ideal DCG from the retrieved relevant documents only); optimistic
 *  when a query has several relevant documents, equal to ndcgAtK with one. */
export function paperNdcgAtK(ranking: Ranking, relevant: Relevance, k = 10): number {
  return ndcgAtK(ranking, relevant, k, 'retrieved');
}

/** Mean of MRR@k, nDCG@k and recall@k over queries (rankings keyed by query id). */
export function retrievalScores(rankings: ReadonlyMap<string, Ranking>, qrels: ReadonlyMap<string, Relevance>, k = 10): { mrr: number; ndcg: number; recall: number } {
  if (qrels.size === 0) throw new DataError('retrievalScores: no queries');
  let mrr = 0, ndcg = 0, recall = 0;
  for (const [q, rel] of qrels) {
    const r = rankings.get(q) ?? [];
    mrr += reciprocalRank(r, rel, k); ndcg += ndcgAtK(r, rel, k); recall += recallAtK(r, rel, k);
  }
  const n = qrels.size;
  return { mrr: mrr / n, ndcg: ndcg / n, recall: recall / n };
}

/** The IR report: means over the queries that have at least one relevant document. */
export interface IrScores {
  'ndcg@10': number;
  'mrr@10': number;
  'recall@100': number;
  'recall@10': number;
  /** The paper's nDCG@10 (ideal DCG from retrieved relevant documents only). */
  'paper_ndcg@10': number;
  /** Queries scored. */
  queries: number;
}

/** Scores rankings (at least the top 100 per query) against graded qrels. Queries without a
 *  relevant document are not scored (nDCG is undefined for them); the caller reports them. */
export function irScores(rankings: ReadonlyMap<string, Ranking>, qrels: ReadonlyMap<string, Relevance>): IrScores {
  let ndcg = 0, paper = 0, mrr = 0, recall = 0, recall10 = 0, n = 0;
  for (const [q, rel] of qrels) {
    if (relevantCount(rel) === 0) continue;
    const r = rankings.get(q) ?? [];
    ndcg += ndcgAtK(r, rel, 10);
    paper += paperNdcgAtK(r, rel, 10);
    mrr += reciprocalRank(r, rel, 10);
    recall += recallAtK(r, rel, 100);
    recall10 += recallAtK(r, rel, 10);
    n++;
  }
  if (n === 0) throw new DataError('irScores: no query has a relevant document');
  return { 'ndcg@10': ndcg / n, 'mrr@10': mrr / n, 'recall@100': recall / n, 'recall@10': recall10 / n, 'paper_ndcg@10': paper / n, queries: n };
}
