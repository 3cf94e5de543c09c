import { DataError } from './errors.js';
import { DataRng } from './rng.js';
import type { RetrievalSet } from './datasets/squad.js';

/** What the generator needs from a tokenizer. */
export interface NiahTokenizer {
  encode(text: string, opts?: { addSpecialTokens?: boolean }): { ids: number[]; offsets: [number, number][] };
  readonly special: { eos: number | null };
}

export interface NiahOptions {
  /** Held-out documents the haystack is cut from (used cyclically, from a seeded start). */
  haystack: readonly string[];
  /** Total tokens of the example, question prefix and EOS included (1k … 64k+). */
  length: number;
  /** Where the target needle goes in the haystack: 0 = start, 1 = end. */
  depth: number;
  seed: number;
  /** Needle value: 7-digit number (default) or an 8–12-character alphanumeric word (digest §5.1). */
  kind?: 'number' | 'word';
  /**
   * Extra needles with other values at seeded depths ≥ 5 % apart (default 0). With distractors the
   * question asks for the target by its ordinal ("What is the 2nd special magic number in this
   * passage?"), as the paper's generator does.
   */
  distractors?: number;
}

export interface NiahExample {
  /** The whole input text: question prefix + haystack with the needle sentence(s). */
  text: string;
  question: string;
  answer: string;
  /** The target needle sentence. */
  needle: string;
  /** Values of all needles in text order (the answer among them). */
  values: string[];
  /** [start, end) of the answer in `text`. */
  answerSpan: [number, number];
  /** [start, end) of the haystack (context) in `text`. */
  contextSpan: [number, number];
  /** (L,) ids, EOS last; L = `length` (exactly, unless the tokenizer makes that impossible: then ≤ length). */
  inputIds: Int32Array;
  /** (L,) 1 on the tokens covering the answer, 0 elsewhere (span-extraction scoring with setF1). */
  labels: Int32Array;
  depth: number;
}

const ALNUM = 'abcdefghijklmnopqrstuvwxyz0123456789';

function ordinal(n: number): string {
  const s = n % 100 >= 11 && n % 100 <= 13 ? 'th' : (['th', 'st', 'nd', 'rd'][n % 10] ?? 'th');
  return `${n}${s}`;
}

/**
 * Needle-in-a-haystack example: "Question: What is the special magic number?\nContext: " + held-out
 * text with "The special magic number is 4821734." inserted at `depth` (at a word boundary), cut to
 * exactly `length` tokens with EOS. Deterministic in (haystack, length, depth, seed, kind, distractors).
 */
export function makeNiah(tok: NiahTokenizer, o: NiahOptions): NiahExample {
  if (!(o.depth >= 0 && o.depth <= 1)) throw new DataError(`makeNiah: depth must be in [0, 1], got ${o.depth}`);
  if (!(Number.isInteger(o.length) && o.length >= 32)) throw new DataError(`makeNiah: length must be an integer ≥ 32, got ${o.length}`);
  const nd = o.distractors ?? 0;
  if (!(Number.isInteger(nd) && nd >= 0 && nd <= 10)) throw new DataError(`makeNiah: distractors must be an integer in [0, 10], got ${nd}`);
  const docs = o.haystack.filter((d) => d.trim() !== '');
  if (docs.length === 0) throw new DataError('makeNiah: empty haystack');
  const eos = tok.special.eos;
  if (eos === null) throw new DataError('makeNiah: the tokenizer has no EOS token');
  const rng = new DataRng(o.seed);
  const kind = o.kind ?? 'number';
  const value = (): string => {
    if (kind === 'number') return String(1_000_000 + rng.int(9_000_000));
    let w = '';
    const n = 8 + rng.int(5);
    for (let i = 0; i < n; i++) w += ALNUM[rng.int(ALNUM.length)];
    return w;
  };
  // needles: the target at o.depth, distractors at random depths ≥ 0.05 from every other needle
  const needles: { depth: number; value: string; target: boolean }[] = [{ depth: o.depth, value: value(), target: true }];
  for (let k = 0; k < nd; k++) {
    let d = -1;
    for (let tries = 0; tries < 10000 && d < 0; tries++) {
      const c = rng.float();
      if (needles.every((x) => Math.abs(x.depth - c) >= 0.05)) d = c;
    }
    if (d < 0) throw new DataError(`makeNiah: cannot place ${nd} distractors ≥ 5 % apart`);
    let v = value();
    while (needles.some((x) => x.value === v)) v = value();
    needles.push({ depth: d, value: v, target: false });
  }
  needles.sort((a, b) => a.depth - b.depth);
  const ti = needles.findIndex((x) => x.target);
  const answer = needles[ti].value;
  const sentence = (v: string): string => `The special magic ${kind} is ${v}.`;
  const question = nd === 0 ? `What is the special magic ${kind}?` : `What is the ${ordinal(ti + 1)} special magic ${kind} in this passage?`;
  const needle = sentence(answer);
  const prefix = `Question: ${question}\nContext: `;
  // haystack text: documents cyclically from a seeded start, until it is long enough
  let start = rng.int(docs.length);
  let hay = '';
  let hayEnc = { ids: [] as number[], offsets: [] as [number, number][] };
  const grow = (tokensNeeded: number): void => {
    while (hayEnc.ids.length < tokensNeeded) {
      const chunk: string[] = [];
      let chars = 0;
      const want = Math.max(4096, (tokensNeeded - hayEnc.ids.length) * 6);
      while (chars < want) { const d = docs[start % docs.length]; start++; chunk.push(d); chars += d.length + 2; }
      hay = hay ? `${hay}\n\n${chunk.join('\n\n')}` : chunk.join('\n\n');
      hayEnc = tok.encode(hay, { addSpecialTokens: false });
    }
  };
  let budget = o.length - 2 - 12 * nd;
  let best: NiahExample | null = null;
  // Newton-like steps on the haystack budget (8 iterations); if tokenization oscillates around the
  // target (merges across the cut or around a needle), search nearby budgets × insertion shifts.
  // (shift of the target's insertion token, budget delta, extra characters after the cut)
  const attempts: [number, number, number][] = Array.from({ length: 8 }, () => [0, 0, 0]);
  for (const sh of [0, 1, -1, 2, -2, 3, -3, 4, -4, 5, -5]) for (const db of [1, -1, 2, -2, 3, -3]) attempts.push([sh, db, 0]);
  for (const db of [0, -1, -2]) for (let extra = 1; extra <= 24; extra++) attempts.push([0, db, extra]);
  let base = budget;
  for (let iter = 0; iter < attempts.length; iter++) {
    const [shift, db, extra] = attempts[iter];
    if (iter === 8) base = budget;
    if (iter >= 8) budget = base + db;
    budget = Math.max(1, budget);
    grow(budget + 1);
    const cut = Math.min(hay.length, hayEnc.offsets[budget - 1][1] + extra);
    // character insertion points (non-decreasing, since depths are sorted)
    const ins = needles.map((x) => {
      if (x.depth >= 1) return cut;
      const t = Math.max(0, Math.min(budget - 1, Math.round(x.depth * budget) + (x.target ? shift : 0)));
      return Math.min(cut, hayEnc.offsets[t][0]);
    });
    let ctx = '';
    let prev = 0;
    let aStart = -1;
    needles.forEach((x, i) => {
      ctx += hay.slice(prev, ins[i]);
      if (ins[i] >= cut) ctx += ' ';
      if (i === ti) aStart = prefix.length + ctx.length + sentence(x.value).indexOf(x.value);
      ctx += sentence(x.value);
      if (ins[i] < cut) ctx += ' ';
      prev = ins[i];
    });
    ctx += hay.slice(prev, cut);
    const text = prefix + ctx;
    const answerSpan: [number, number] = [aStart, aStart + answer.length];
    const enc = tok.encode(text, { addSpecialTokens: false });
    const L = enc.ids.length + 1;
    if (L <= o.length) {
      const inputIds = new Int32Array(L);
      inputIds.set(enc.ids);
      inputIds[L - 1] = eos;
      const labels = new Int32Array(L);
      enc.offsets.forEach(([s0, e0], i) => { if (s0 < answerSpan[1] && e0 > answerSpan[0]) labels[i] = 1; });
      const ex: NiahExample = {
        text, question, answer, needle, values: needles.map((x) => x.value), answerSpan,
        contextSpan: [prefix.length, text.length], inputIds, labels, depth: o.depth,
      };
      if (!best || L > best.inputIds.length) best = ex;
      if (L === o.length) return ex;
    }
    if (iter < 8) budget += o.length - L;
  }
  if (!best) throw new DataError(`makeNiah: could not fit the needles into ${o.length} tokens`);
  return best;
}

/**
 * The same example scored as retrieval: the context is cut into passages of about `passageChars`
 * characters (at whitespace); the query is the question; relevant = the passage(s) holding the answer.
 */
export function niahRetrieval(ex: NiahExample, passageChars = 1000): RetrievalSet {
  const corpus: { id: string; text: string }[] = [];
  const rel = new Set<string>();
  let a = ex.contextSpan[0];
  const end = ex.contextSpan[1];
  while (a < end) {
    let b = Math.min(end, a + passageChars);
    if (b < end) { const sp = ex.text.lastIndexOf(' ', b); if (sp > a) b = sp; }
    const id = `p${corpus.length}`;
    corpus.push({ id, text: ex.text.slice(a, b) });
    if (a < ex.answerSpan[1] && b > ex.answerSpan[0]) rel.add(id);
    a = b;
  }
  return { corpus, queries: [{ id: 'q0', text: ex.question }], qrels: new Map([['q0', rel]]) };
}
