// The one retrieval evaluator (BEIR folders, SQuAD passages): dense (cosine of mean-pooled
// embeddings) and BM25 rankings of the top 100 documents, scored with @avey/data's irScores.
import type { AnyHeadModel } from '@avey/avey-b';
import type { BeirCollection, IrScores, Tokenizer } from '@avey/data';
import { embedTexts, embeddingKey, readCachedEmbeddings, writeCachedEmbeddings } from './embed.js';

/** Documents ranked per query. */
export const RANK_DEPTH = 100;

export interface Prepared {
  corpus: BeirCollection['corpus'];
  queries: BeirCollection['queries'];
  qrels: BeirCollection['qrels'];
  /** Queries whose judgements are all grade ≤ 0 (not scored). */
  withoutRelevant: number;
}

/**
 * The queries and documents to score. `evalLimit`: N queries spread evenly over the split (so a
 * quick check still sees many topics). `corpus`: 'all' (standard BEIR) or 'judged' (the paper's
 * protocol: only documents that appear in the qrels of the queries scored).
 */
export function prepare(c: BeirCollection, o: { evalLimit?: number; corpus: 'all' | 'judged' }): Prepared {
  let queries = c.queries;
  if (o.evalLimit !== undefined && o.evalLimit < queries.length) {
    const every = queries.length / o.evalLimit;
    queries = Array.from({ length: o.evalLimit }, (_, i) => queries[Math.floor(i * every)]);
  }
  const qrels = new Map(queries.map((q) => [q.id, c.qrels.get(q.id)!]));
  let corpus = c.corpus;
  if (o.corpus === 'judged') {
    const judged = new Set<string>();
    for (const m of qrels.values()) for (const d of m.keys()) judged.add(d);
    corpus = corpus.filter((d) => judged.has(d.id));
  }
  const withoutRelevant = [...qrels.values()].filter((m) => ![...m.values()].some((g) => g > 0)).length;
  return { corpus, queries, qrels, withoutRelevant };
}

/** The paper's IR input texts: "Query: {q}", "Document: {title}. {text}" (no title: "Document: {text}"). */
export async function formatTexts(p: Prepared): Promise<{ docs: string[]; queries: string[] }> {
  const { documentText, queryText } = await import('@avey/data');
  return { docs: p.corpus.map((d) => documentText(d.text, d.title || undefined)), queries: p.queries.map((q) => queryText(q.text)) };
}

/** Top-`depth` rows of `scores` (q × n) per query, as document ids. */
async function rank(scores: Float32Array, nq: number, n: number, ids: readonly string[], depth: number): Promise<string[][]> {
  const { topK } = await import('@avey/data');
  const out: string[][] = [];
  for (let i = 0; i < nq; i++) out.push(topK(scores.subarray(i * n, (i + 1) * n), depth).map((j) => ids[j]));
  return out;
}

export interface DenseResult {
  scores: IrScores;
  embedSeconds: number;
  cache: 'hit' | 'miss' | 'off';
  cacheFile?: string;
}

export interface DenseOptions {
  batch: number;
  maxLen: number;
  cache: boolean;
  quiet?: boolean;
}

/** Dense retrieval with `model`: cosine of L2-normalised mean-pooled embeddings. */
export async function evaluateDense(model: AnyHeadModel, tok: Tokenizer, checkpointDir: string, p: Prepared, o: DenseOptions): Promise<DenseResult> {
  const T = await import('@avey/tensor');
  const { irScores } = await import('@avey/data');
  const texts = await formatTexts(p);
  const t0 = performance.now();
  let docs: { data: Float32Array; d: number } | null = null;
  let cache: DenseResult['cache'] = 'off';
  let cacheFile: string | undefined;
  const key = o.cache ? embeddingKey(checkpointDir, [`max-len ${o.maxLen}`, 'mean-pool v1', ...p.corpus.map((d, i) => `${d.id}\u0000${texts.docs[i]}`)]) : '';
  if (o.cache) {
    const hit = readCachedEmbeddings(key, p.corpus.length);
    if (hit) {
      docs = hit;
      cache = 'hit';
      cacheFile = hit.file;
      if (!o.quiet) process.stderr.write(`corpus embeddings: read from the cache ${hit.file}\n`);
    }
  }
  if (!docs) {
    docs = await embedTexts(model, tok, texts.docs, { batch: o.batch, maxLen: o.maxLen, label: `corpus (${p.corpus.length} documents)`, quiet: o.quiet });
    if (o.cache) {
      cacheFile = writeCachedEmbeddings(key, docs.data, docs.d);
      cache = 'miss';
    }
  }
  const qs = await embedTexts(model, tok, texts.queries, { batch: o.batch, maxLen: o.maxLen, label: `queries (${p.queries.length})`, quiet: o.quiet });
  const embedSeconds = (performance.now() - t0) / 1000;
  const n = p.corpus.length;
  const d = docs.d;
  const docIds = p.corpus.map((x) => x.id);
  const rankings = new Map<string, string[]>();
  const D = T.keep(T.tensor(docs.data, { shape: [n, d] }));
  try {
    const block = 256;
    for (let i = 0; i < p.queries.length; i += block) {
      const m = Math.min(block, p.queries.length - i);
      const s = await T.scope(async () => {
        const Q = T.tensor(qs.data.subarray(i * d, (i + m) * d), { shape: [m, d] });
        return (await T.matmul(Q, T.transpose(D, 0, 1)).data()) as Float32Array; // (m, n) cosines
      });
      const top = await rank(s, m, n, docIds, RANK_DEPTH);
      top.forEach((r, k) => rankings.set(p.queries[i + k].id, r));
    }
  } finally {
    D.dispose();
  }
  return { scores: irScores(rankings, p.qrels), embedSeconds, cache, ...(cacheFile ? { cacheFile } : {}) };
}

/** BM25 (k1 1.2, b 0.75) over "title text", the lexical reference on the same queries. */
export async function evaluateBm25(p: Prepared): Promise<IrScores> {
  const { Bm25Index, irScores } = await import('@avey/data');
  const index = new Bm25Index(p.corpus.map((d) => (d.title ? `${d.title} ${d.text}` : d.text)));
  const rankings = new Map<string, string[]>();
  for (const q of p.queries) rankings.set(q.id, index.search(q.text, RANK_DEPTH).map((j) => p.corpus[j].id));
  return irScores(rankings, p.qrels);
}
