// Okapi BM25 (Robertson & Zaragoza 2009), the lexical reference point for dense retrieval, with
// Lucene's non-negative idf:
//
//   score(q, d) = Σ_{t ∈ q} idf(t) · tf(t,d)·(k1 + 1) / (tf(t,d) + k1·(1 − b + b·|d|/avgdl))
//   idf(t)      = ln(1 + (N − df(t) + 0.5) / (df(t) + 0.5))
//
// k1 = 1.2, b = 0.75 by default. Terms are lower-cased runs of letters and digits (Unicode); no
// stemming, no stop words. A query term repeated counts once per occurrence (as Lucene's query
// parser does for a bag of words).
import { DataError } from '../errors.js';

export interface Bm25Options {
  k1?: number;
  b?: number;
}

/** Lower-cased runs of letters/digits. */
export function bm25Terms(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
}

export class Bm25Index {
  readonly k1: number;
  readonly b: number;
  readonly size: number;
  readonly avgdl: number;
  /** term → postings (doc index, term frequency), doc indices ascending. */
  private readonly postings = new Map<string, { doc: Int32Array; tf: Int32Array }>();
  private readonly lengths: Int32Array;

  constructor(docs: readonly string[], opts: Bm25Options = {}) {
    this.k1 = opts.k1 ?? 1.2;
    this.b = opts.b ?? 0.75;
    if (!(this.k1 >= 0) || !(this.b >= 0 && this.b <= 1)) throw new DataError(`bm25: need k1 ≥ 0 and 0 ≤ b ≤ 1, got k1 ${this.k1}, b ${this.b}`);
    if (docs.length === 0) throw new DataError('bm25: empty corpus');
    this.size = docs.length;
    this.lengths = new Int32Array(docs.length);
    const build = new Map<string, { doc: number[]; tf: number[] }>();
    let total = 0;
    docs.forEach((text, i) => {
      const terms = bm25Terms(text);
      this.lengths[i] = terms.length;
      total += terms.length;
      const tf = new Map<string, number>();
      for (const t of terms) tf.set(t, (tf.get(t) ?? 0) + 1);
      for (const [t, n] of tf) {
        let p = build.get(t);
        if (!p) build.set(t, (p = { doc: [], tf: [] }));
        p.doc.push(i);
        p.tf.push(n);
      }
    });
    this.avgdl = total / docs.length;
    for (const [t, p] of build) this.postings.set(t, { doc: Int32Array.from(p.doc), tf: Int32Array.from(p.tf) });
  }

  /** ln(1 + (N − df + 0.5) / (df + 0.5)); 0 for a term no document has. */
  idf(term: string): number {
    const df = this.postings.get(term)?.doc.length ?? 0;
    if (df === 0) return 0;
    return Math.log(1 + (this.size - df + 0.5) / (df + 0.5));
  }

  /** BM25 score of every document for `query` (Float64Array of length N). */
  scores(query: string): Float64Array {
    const out = new Float64Array(this.size);
    const avgdl = this.avgdl || 1;
    for (const t of bm25Terms(query)) {
      const p = this.postings.get(t);
      if (!p) continue;
      const idf = this.idf(t);
      for (let j = 0; j < p.doc.length; j++) {
        const d = p.doc[j];
        const tf = p.tf[j];
        out[d] += (idf * tf * (this.k1 + 1)) / (tf + this.k1 * (1 - this.b + (this.b * this.lengths[d]) / avgdl));
      }
    }
    return out;
  }

  /** The `k` best document indices for `query`, best first (ties: lower index first). */
  search(query: string, k: number): number[] {
    return topK(this.scores(query), k);
  }
}

/** Indices of the k largest scores, best first; ties broken by the lower index. */
export function topK(scores: ArrayLike<number>, k: number): number[] {
  const n = scores.length;
  const kk = Math.min(k, n);
  if (kk <= 0) return [];
  // a bounded min-heap of (score, index) keeps this O(n log k) for big corpora
  const heap: number[] = [];
  const worse = (a: number, b: number) => scores[a] < scores[b] || (scores[a] === scores[b] && a > b);
  const up = (i: number) => {
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!worse(heap[i], heap[p])) break;
      [heap[i], heap[p]] = [heap[p], heap[i]];
      i = p;
    }
  };
  const down = (i: number) => {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < heap.length && worse(heap[l], heap[m])) m = l;
      if (r < heap.length && worse(heap[r], heap[m])) m = r;
      if (m === i) return;
      [heap[i], heap[m]] = [heap[m], heap[i]];
      i = m;
    }
  };
  for (let i = 0; i < n; i++) {
    if (heap.length < kk) { heap.push(i); up(heap.length - 1); }
    else if (worse(heap[0], i)) { heap[0] = i; down(0); }
  }
  return heap.sort((a, b) => (worse(a, b) ? 1 : worse(b, a) ? -1 : 0));
}
