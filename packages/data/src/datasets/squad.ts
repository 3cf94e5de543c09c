import { BadRecordPolicy, DataError } from '../errors.js';
import { readTextStrict } from '../io/lines.js';
import type { ReadOptions, ReadResult } from './classification.js';

export interface SquadAnswer {
  text: string;
  /** Character offset in the context (UTF-16 units). */
  start: number;
}

export interface SquadExample {
  id: string;
  title: string;
  context: string;
  question: string;
  answers: SquadAnswer[];
  /** Index of the paragraph in the file (0-based, over all articles). */
  paragraph: number;
}

export interface SquadFile extends ReadResult<SquadExample> {
  articles: number;
  /** Paragraph contexts, by paragraph index. */
  contexts: string[];
}

/** unit index of every code point of s (plus one past the end). */
function codePointToUnit(s: string): number[] {
  const out: number[] = [];
  for (let i = 0; i < s.length; ) { out.push(i); i += (s.codePointAt(i) as number) > 0xffff ? 2 : 1; }
  out.push(s.length);
  return out;
}

function jsonLine(text: string, err: Error): number | null {
  const m = /position (\d+)/.exec(err.message);
  if (!m) return null;
  const pos = Number(m[1]);
  let line = 1;
  for (let i = 0; i < pos && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/**
 * SQuAD v1.1 JSON. Each answer must occur at its answer_start (`context.slice(start, start +
 * text.length) === text`); a mismatch is a DataError naming the question id (or a skip).
 */
export function readSquad(file: string, opts: ReadOptions = {}): SquadFile {
  const raw = readTextStrict(file);
  let j: unknown;
  try { j = JSON.parse(raw); } catch (e) { throw new DataError(`invalid JSON (${(e as Error).message})`, file, jsonLine(raw, e as Error)); }
  const data = (j as { data?: unknown }).data;
  if (!Array.isArray(data)) throw new DataError('not SQuAD JSON: missing "data" array', file);
  const policy = new BadRecordPolicy(opts.onBad);
  const examples: SquadExample[] = [];
  const contexts: string[] = [];
  let p = 0;
  for (const art of data as { title?: unknown; paragraphs?: unknown }[]) {
    if (!Array.isArray(art.paragraphs)) throw new DataError(`article '${String(art.title)}' has no "paragraphs" array`, file);
    for (const par of art.paragraphs as { context?: unknown; qas?: unknown }[]) {
      if (typeof par.context !== 'string' || !Array.isArray(par.qas)) throw new DataError(`paragraph ${p} of '${String(art.title)}' lacks "context"/"qas"`, file);
      const context = par.context;
      contexts.push(context);
      // answer_start counts code points (Python); convert to UTF-16 units where the context has astral characters
      const cpToUnit = /[\ud800-\udbff]/.test(context) ? codePointToUnit(context) : null;
      for (const qa of par.qas as { id?: unknown; question?: unknown; answers?: unknown }[]) {
        const id = String(qa.id);
        if (typeof qa.question !== 'string' || !Array.isArray(qa.answers)) { policy.bad(file, null, `question ${id}: missing "question"/"answers"`); continue; }
        const answers: SquadAnswer[] = [];
        let ok = true;
        for (const a of qa.answers as { text?: unknown; answer_start?: unknown }[]) {
          if (typeof a.text !== 'string' || typeof a.answer_start !== 'number') { ok = false; break; }
          let start = a.answer_start;
          if (cpToUnit) start = start < cpToUnit.length ? cpToUnit[start] : -1;
          if (context.slice(start, start + a.text.length) !== a.text) { ok = false; break; }
          answers.push({ text: a.text, start });
        }
        if (!ok) { policy.bad(file, null, `question ${id}: an answer does not occur at its answer_start in the context`); continue; }
        examples.push({ id, title: String(art.title), context, question: qa.question, answers, paragraph: p });
      }
      p++;
    }
  }
  if (examples.length === 0 && policy.skipped.length === 0) throw new DataError('no questions in file', file);
  return { file, examples, skipped: policy.skipped, articles: data.length, contexts };
}

/** What QA feature building needs from a tokenizer. */
export interface QaTokenizer {
  encode(text: string, opts?: { addSpecialTokens?: boolean }): { ids: number[]; offsets: [number, number][] };
  readonly special: { eos: number | null };
}

export interface QaFeature {
  exampleId: string;
  window: number;
  /** (L,) ids: question prefix tokens, a window of context tokens, EOS. */
  inputIds: Int32Array;
  /** (L,) the paper's QA-as-token-classification labels: 1 on tokens covering answer characters, else 0. */
  labels: Int32Array;
  /** Token positions of the answer's first/last token, or 0/0 when the answer is not inside this window. */
  startPosition: number;
  endPosition: number;
  hasAnswer: boolean;
  /** Per token: its [start, end) in the context, or null (question / EOS tokens). */
  contextOffsets: ([number, number] | null)[];
}

export interface QaFeatureOptions {
  /** Tokens per window, EOS included (default 512). */
  maxLength?: number;
  /** Context tokens shared by consecutive windows (default 128). */
  stride?: number;
  /** Text before the context (default the paper's "Question: {q}\nContext: "). */
  prefix?: (question: string) => string;
}

/**
 * Builds QA windows the paper's way: input = "Question: {q}\nContext: " + context + EOS, tokenized
 * as one text without special tokens, truncated on the context side only; long contexts are split
 * into overlapping windows (HF-style `stride` overlap). Labels use the first answer.
 */
export function qaFeatures(tok: QaTokenizer, ex: SquadExample, opts: QaFeatureOptions = {}): QaFeature[] {
  const maxLength = opts.maxLength ?? 512;
  const stride = opts.stride ?? 128;
  const eos = tok.special.eos;
  if (eos === null) throw new DataError('qaFeatures: the tokenizer has no EOS token');
  const prefix = (opts.prefix ?? ((q: string) => `Question: ${q}\nContext: `))(ex.question);
  const enc = tok.encode(prefix + ex.context, { addSpecialTokens: false });
  const P = prefix.length;
  let ctxStart = enc.ids.length;
  for (let i = 0; i < enc.ids.length; i++) if (enc.offsets[i][1] > P) { ctxStart = i; break; }
  const avail = maxLength - ctxStart - 1;
  if (avail < 1) throw new DataError(`qaFeatures: question of ${ex.id} takes ${ctxStart} tokens; maxLength ${maxLength} leaves no room for context`);
  if (stride >= avail) throw new DataError(`qaFeatures: stride ${stride} must be smaller than the ${avail} context tokens per window`);
  const nCtx = enc.ids.length - ctxStart;
  const ans = ex.answers[0];
  const aS = ans ? ans.start : -1;
  const aE = ans ? ans.start + ans.text.length : -1;
  const feats: QaFeature[] = [];
  for (let w0 = 0, win = 0; ; w0 += avail - stride, win++) {
    const w1 = Math.min(nCtx, w0 + avail);
    const L = ctxStart + (w1 - w0) + 1;
    const inputIds = new Int32Array(L);
    const labels = new Int32Array(L);
    const contextOffsets: ([number, number] | null)[] = new Array(L).fill(null);
    for (let i = 0; i < ctxStart; i++) inputIds[i] = enc.ids[i];
    let first = -1;
    let last = -1;
    for (let k = w0; k < w1; k++) {
      const t = ctxStart + k;
      const pos = ctxStart + (k - w0);
      inputIds[pos] = enc.ids[t];
      const off: [number, number] = [Math.max(0, enc.offsets[t][0] - P), enc.offsets[t][1] - P];
      contextOffsets[pos] = off;
      if (ans && off[0] < aE && off[1] > aS) { labels[pos] = 1; if (first < 0) first = pos; last = pos; }
    }
    inputIds[L - 1] = eos;
    // the answer is "in" the window only if its first and last characters both are
    const hasAnswer = first >= 0 && (contextOffsets[first] as [number, number])[0] <= aS && (contextOffsets[last] as [number, number])[1] >= aE;
    if (!hasAnswer) labels.fill(0);
    feats.push({ exampleId: ex.id, window: win, inputIds, labels, startPosition: hasAnswer ? first : 0, endPosition: hasAnswer ? last : 0, hasAnswer, contextOffsets });
    if (w1 >= nCtx) break;
  }
  return feats;
}

/** Context text of token positions [startTok, endTok] of a feature ('' if they are not context tokens). */
export function spanText(f: QaFeature, context: string, startTok: number, endTok: number): string {
  const a = f.contextOffsets[startTok];
  const b = f.contextOffsets[endTok];
  if (!a || !b || endTok < startTok) return '';
  return context.slice(a[0], b[1]);
}

/** A retrieval set: corpus passages, queries, and which passages are relevant to each query. */
export interface RetrievalSet {
  corpus: { id: string; text: string }[];
  queries: { id: string; text: string }[];
  /** query id → relevant passage ids. */
  qrels: Map<string, Set<string>>;
}

/**
 * Passage retrieval from a SQuAD file: every paragraph is a passage (id `p<index>`), every question
 * a query whose one relevant passage is its own paragraph (SQuAD dev: 2,067 / 10,570).
 */
export function squadRetrieval(sq: SquadFile): RetrievalSet {
  const corpus = sq.contexts.map((text, i) => ({ id: `p${i}`, text }));
  const queries = sq.examples.map((e) => ({ id: e.id, text: e.question }));
  const qrels = new Map<string, Set<string>>();
  for (const e of sq.examples) qrels.set(e.id, new Set([`p${e.paragraph}`]));
  return { corpus, queries, qrels };
}
