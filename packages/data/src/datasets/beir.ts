// The BEIR folder layout (Thakur et al. 2021), as the BEIR tools and the paper's IR evaluation read it:
//
//   DIR/corpus.jsonl         {"_id": "d1", "title": "…", "text": "…"}      one document a line
//   DIR/queries.jsonl        {"_id": "q1", "text": "…"}                     one query a line
//   DIR/qrels/<split>.tsv    query-id <TAB> corpus-id <TAB> score           header line first
//
// Scores are graded relevance (0 = judged not relevant). Every malformed line is a DataError naming
// file:line. A qrels line naming a query or document that the other files lack is not scored, and
// is reported back in `unknown` (never silently dropped).
import { mkdirSync, renameSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { DataError } from '../errors.js';
import { linesSync } from '../io/lines.js';
import type { SquadFile } from './squad.js';

export interface BeirDocument {
  id: string;
  title: string;
  text: string;
}

export interface BeirQuery {
  id: string;
  text: string;
}

/** A qrels line whose query or document id is not in queries.jsonl / corpus.jsonl. */
export interface UnknownQrel {
  file: string;
  line: number;
  kind: 'query' | 'document';
  id: string;
}

export interface BeirCollection {
  corpus: BeirDocument[];
  /** The queries that have qrels in the split, in queries.jsonl order. */
  queries: BeirQuery[];
  /** query id → (document id → grade), the split's judgements over known ids. */
  qrels: Map<string, Map<string, number>>;
  unknown: UnknownQrel[];
  split: string;
}

function parseJsonLine(file: string, line: number, text: string): Record<string, unknown> {
  let o: unknown;
  try {
    o = JSON.parse(text);
  } catch (e) {
    throw new DataError(`invalid JSON (${(e as Error).message})`, file, line);
  }
  if (o === null || typeof o !== 'object' || Array.isArray(o)) throw new DataError('expected a JSON object', file, line);
  return o as Record<string, unknown>;
}

function idField(file: string, line: number, o: Record<string, unknown>): string {
  const id = o._id;
  if (typeof id === 'string' && id !== '') return id;
  if (typeof id === 'number' && Number.isFinite(id)) return String(id);
  throw new DataError('missing "_id" (a non-empty string)', file, line);
}

function need(path: string, what: string): string {
  if (!existsSync(path)) throw new DataError(`missing: a BEIR folder holds corpus.jsonl, queries.jsonl and qrels/<split>.tsv (${what})`, path);
  return path;
}

/** corpus.jsonl: documents with `_id`, optional `title`, `text`. Duplicate ids are an error. */
export function readBeirCorpus(file: string): BeirDocument[] {
  const out: BeirDocument[] = [];
  const seen = new Map<string, number>();
  for (const { text, line } of linesSync(file)) {
    if (text.trim() === '') continue;
    const o = parseJsonLine(file, line, text);
    const id = idField(file, line, o);
    if (typeof o.text !== 'string') throw new DataError(`document ${id}: missing "text" (a string)`, file, line);
    if (o.title !== undefined && o.title !== null && typeof o.title !== 'string') throw new DataError(`document ${id}: "title" must be a string`, file, line);
    const prev = seen.get(id);
    if (prev !== undefined) throw new DataError(`duplicate document id ${id} (first on line ${prev})`, file, line);
    seen.set(id, line);
    out.push({ id, title: (o.title as string | undefined) ?? '', text: o.text });
  }
  if (out.length === 0) throw new DataError('empty corpus', file);
  return out;
}

/** queries.jsonl: queries with `_id` and `text`. Duplicate ids are an error. */
export function readBeirQueries(file: string): BeirQuery[] {
  const out: BeirQuery[] = [];
  const seen = new Map<string, number>();
  for (const { text, line } of linesSync(file)) {
    if (text.trim() === '') continue;
    const o = parseJsonLine(file, line, text);
    const id = idField(file, line, o);
    if (typeof o.text !== 'string') throw new DataError(`query ${id}: missing "text" (a string)`, file, line);
    const prev = seen.get(id);
    if (prev !== undefined) throw new DataError(`duplicate query id ${id} (first on line ${prev})`, file, line);
    seen.set(id, line);
    out.push({ id, text: o.text });
  }
  if (out.length === 0) throw new DataError('no queries', file);
  return out;
}

export interface QrelLine {
  query: string;
  doc: string;
  score: number;
  line: number;
}

/** qrels/<split>.tsv: a header `query-id corpus-id score`, then one judgement a line. */
export function readBeirQrels(file: string): QrelLine[] {
  const out: QrelLine[] = [];
  const seen = new Map<string, number>();
  let first = true;
  for (const { text, line } of linesSync(file)) {
    if (text.trim() === '') continue;
    const cols = text.split('\t').map((c) => c.trim());
    if (first) {
      first = false;
      if (cols.join(' ') !== 'query-id corpus-id score') {
        throw new DataError(`expected the header "query-id<TAB>corpus-id<TAB>score", got ${JSON.stringify(text.slice(0, 80))}`, file, line);
      }
      continue;
    }
    if (cols.length !== 3) throw new DataError(`expected 3 tab-separated columns (query-id, corpus-id, score), got ${cols.length}`, file, line);
    const [query, doc, s] = cols;
    const score = Number(s);
    if (query === '' || doc === '' || s === '' || !Number.isInteger(score)) throw new DataError(`expected a query id, a corpus id and an integer score, got ${JSON.stringify(text.slice(0, 80))}`, file, line);
    const key = `${query}\t${doc}`;
    const prev = seen.get(key);
    if (prev !== undefined) throw new DataError(`duplicate judgement of ${query} / ${doc} (first on line ${prev})`, file, line);
    seen.set(key, line);
    out.push({ query, doc, score, line });
  }
  if (first) throw new DataError('empty qrels file', file);
  return out;
}

/** Reads a BEIR folder's corpus, queries and the qrels of `split` (default 'test'). */
export function readBeir(dir: string, opts: { split?: string } = {}): BeirCollection {
  const split = opts.split ?? 'test';
  if (!existsSync(dir)) throw new DataError('no such BEIR folder', dir);
  const qrelsFile = need(join(dir, 'qrels', `${split}.tsv`), `split '${split}'`);
  const corpus = readBeirCorpus(need(join(dir, 'corpus.jsonl'), 'corpus'));
  const allQueries = readBeirQueries(need(join(dir, 'queries.jsonl'), 'queries'));
  const docIds = new Set(corpus.map((d) => d.id));
  const queryIds = new Set(allQueries.map((q) => q.id));
  const qrels = new Map<string, Map<string, number>>();
  const unknown: UnknownQrel[] = [];
  for (const r of readBeirQrels(qrelsFile)) {
    if (!queryIds.has(r.query)) { unknown.push({ file: qrelsFile, line: r.line, kind: 'query', id: r.query }); continue; }
    if (!docIds.has(r.doc)) { unknown.push({ file: qrelsFile, line: r.line, kind: 'document', id: r.doc }); continue; }
    let m = qrels.get(r.query);
    if (!m) qrels.set(r.query, (m = new Map()));
    m.set(r.doc, r.score);
  }
  const queries = allQueries.filter((q) => qrels.has(q.id));
  return { corpus, queries, qrels, unknown, split };
}

/** One line summarising unknown qrels ids ("3 qrels lines name unknown ids: query q9 (test.tsv:4), …"). */
export function describeUnknown(unknown: readonly UnknownQrel[], show = 5): string {
  if (unknown.length === 0) return '';
  const items = unknown.slice(0, show).map((u) => `${u.kind} ${u.id} (${u.file}:${u.line})`);
  return `${unknown.length} qrels line${unknown.length === 1 ? '' : 's'} name${unknown.length === 1 ? 's' : ''} ids missing from the corpus/queries and ${unknown.length === 1 ? 'is' : 'are'} not scored: ${items.join(', ')}${unknown.length > show ? ', …' : ''}`;
}

/** Writes a BEIR folder atomically (each file to a temp name, then renamed). */
export function writeBeir(dir: string, c: { corpus: readonly BeirDocument[]; queries: readonly BeirQuery[]; qrels: ReadonlyMap<string, ReadonlyMap<string, number>>; split: string }): void {
  mkdirSync(join(dir, 'qrels'), { recursive: true });
  const put = (path: string, text: string) => {
    const tmp = `${path}.tmp-${process.pid}`;
    writeFileSync(tmp, text);
    renameSync(tmp, path);
  };
  put(join(dir, 'corpus.jsonl'), c.corpus.map((d) => JSON.stringify({ _id: d.id, title: d.title, text: d.text })).join('\n') + '\n');
  put(join(dir, 'queries.jsonl'), c.queries.map((q) => JSON.stringify({ _id: q.id, text: q.text })).join('\n') + '\n');
  const rows = ['query-id\tcorpus-id\tscore'];
  for (const [q, m] of c.qrels) for (const [d, s] of m) rows.push(`${q}\t${d}\t${s}`);
  put(join(dir, 'qrels', `${c.split}.tsv`), rows.join('\n') + '\n');
}

/** SQuAD passage retrieval as a BEIR collection: every paragraph is a document (`p<index>`, the
 *  article title as its title), every question a query whose one relevant document (grade 1) is
 *  its own paragraph. */
export function squadBeir(sq: SquadFile, split = 'test'): Omit<BeirCollection, 'unknown'> {
  const titles = new Map<number, string>();
  for (const e of sq.examples) if (!titles.has(e.paragraph)) titles.set(e.paragraph, e.title);
  const corpus = sq.contexts.map((text, i) => ({ id: `p${i}`, title: (titles.get(i) ?? '').replace(/_/g, ' '), text }));
  const queries = sq.examples.map((e) => ({ id: e.id, text: e.question }));
  const qrels = new Map<string, Map<string, number>>();
  for (const e of sq.examples) qrels.set(e.id, new Map([[`p${e.paragraph}`, 1]]));
  return { corpus, queries, qrels, split };
}
