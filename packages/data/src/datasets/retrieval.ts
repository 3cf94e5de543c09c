import { BadRecordPolicy, DataError } from '../errors.js';
import { linesSync } from '../io/lines.js';
import type { ReadOptions } from './classification.js';
import type { RetrievalSet } from './squad.js';

/**
 * Retrieval pairs from JSONL: one `{"query": "...", "positive": "...", "negative"?: "..."}` per line
 * (a hard negative as "negative", or several as "negatives": [...]) for contrastive fine-tuning,
 * also returned as a RetrievalSet where each distinct passage text is one corpus entry.
 */
export function readRetrievalPairs(file: string, opts: ReadOptions = {}): { pairs: { query: string; positive: string; negatives: string[] }[]; set: RetrievalSet; skipped: BadRecordPolicy['skipped'] } {
  const policy = new BadRecordPolicy(opts.onBad);
  const pairs: { query: string; positive: string; negatives: string[] }[] = [];
  for (const { text, line } of linesSync(file)) {
    if (text.trim() === '') continue;
    let o: Record<string, unknown>;
    try { o = JSON.parse(text) as Record<string, unknown>; } catch (e) { policy.bad(file, line, `invalid JSON (${(e as Error).message})`); continue; }
    if (o === null || typeof o !== 'object' || Array.isArray(o)) { policy.bad(file, line, 'expected a JSON object'); continue; }
    const neg = [...(o.negative === undefined ? [] : [o.negative]), ...(Array.isArray(o.negatives) ? o.negatives : o.negatives === undefined ? [] : [o])];
    if (typeof o.query !== 'string' || typeof o.positive !== 'string' || neg.some((x) => typeof x !== 'string')) {
      policy.bad(file, line, 'expected {"query": string, "positive": string, "negative"?: string, "negatives"?: string[]}');
      continue;
    }
    pairs.push({ query: o.query, positive: o.positive, negatives: neg as string[] });
    if (opts.limit !== undefined && pairs.length >= opts.limit) break;
  }
  if (pairs.length === 0 && policy.skipped.length === 0) throw new DataError('empty file', file);
  const ids = new Map<string, string>();
  const corpus: { id: string; text: string }[] = [];
  const idOf = (t: string): string => {
    let id = ids.get(t);
    if (id === undefined) { id = `d${corpus.length}`; ids.set(t, id); corpus.push({ id, text: t }); }
    return id;
  };
  const queries = pairs.map((p, i) => ({ id: `q${i}`, text: p.query }));
  const qrels = new Map<string, Set<string>>();
  pairs.forEach((p, i) => { qrels.set(`q${i}`, new Set([idOf(p.positive)])); p.negatives.forEach(idOf); });
  return { pairs, set: { corpus, queries, qrels }, skipped: policy.skipped };
}

/** The paper's IR input texts (digest §5.1). */
export const queryText = (q: string): string => `Query: ${q}`;
export const documentText = (d: string, title?: string): string => (title ? `Document: ${title}. ${d}` : `Document: ${d}`);
