import { DataError } from '../errors.js';

/** A ranking: document ids, best first. */
export type Ranking = readonly string[];

function check(op: string, k: number): void {
  if (!(Number.isInteger(k) && k >= 1)) throw new DataError(`${op}: k must be a positive integer, got ${k}`);
}

/** Reciprocal rank of the first relevant document within the top k (0 if none). */
export function reciprocalRank(ranking: Ranking, relevant: ReadonlySet<string>, k = 10): number {
  check('mrr', k);
  for (let i = 0; i < Math.min(k, ranking.length); i++) if (relevant.has(ranking[i])) return 1 / (i + 1);
  return 0;
}

/** Fraction of the relevant documents found in the top k. */
export function recallAtK(ranking: Ranking, relevant: ReadonlySet<string>, k: number): number {
  check('recall@k', k);
  if (relevant.size === 0) throw new DataError('recall@k: query has no relevant documents');
  let hit = 0;
  for (let i = 0; i < Math.min(k, ranking.length); i++) if (relevant.has(ranking[i])) hit++;
  return hit / relevant.size;
}

/**
 * nDCG@k with binary relevance: DCG = Σ_{i<k} rel_i / log2(i + 2). Ideal DCG: 'all' (standard,
 * min(|relevant|, k) ones) or 'retrieved' (the paper's sklearn-on-top-10 variant: only the
 * relevant documents that were retrieved, so a query with none scores 0).
 */
export function ndcgAtK(ranking: Ranking, relevant: ReadonlySet<string>, k = 10, ideal: 'all' | 'retrieved' = 'all'): number {
  check('ndcg', k);
  let dcg = 0;
  let found = 0;
  for (let i = 0; i < Math.min(k, ranking.length); i++) if (relevant.has(ranking[i])) { dcg += 1 / Math.log2(i + 2); found++; }
  const nIdeal = ideal === 'all' ? Math.min(relevant.size, k) : found;
  let idcg = 0;
  for (let i = 0; i < nIdeal; i++) idcg += 1 / Math.log2(i + 2);
  return idcg === 0 ? 0 : dcg / idcg;
}

/** Mean of MRR@k, nDCG@k and recall@k over queries (rankings keyed by query id). */
export function retrievalScores(rankings: ReadonlyMap<string, Ranking>, qrels: ReadonlyMap<string, ReadonlySet<string>>, k = 10): { mrr: number; ndcg: number; recall: number } {
  if (qrels.size === 0) throw new DataError('retrievalScores: no queries');
  let mrr = 0, ndcg = 0, recall = 0;
  for (const [q, rel] of qrels) {
    const r = rankings.get(q) ?? [];
    mrr += reciprocalRank(r, rel, k); ndcg += ndcgAtK(r, rel, k); recall += recallAtK(r, rel, k);
  }
  const n = qrels.size;
  return { mrr: mrr / n, ndcg: ndcg / n, recall: recall / n };
}
