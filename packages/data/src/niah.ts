// Needle in a haystack, the paper's protocol (its generator gen_niah.py; digest §5.1):
//   input    "Question: What is the {ordinal} special {word|number} in this passage?\nContext:" + haystack + EOS
//   haystack random words from a fixed list of common English words (NIAH_WORDS, ours), or the words of
//            held-out documents in order (a list of texts)
//   needles  bare values among the haystack words: 8–12-character [a-z0-9] words or 7-digit numbers,
//            at random depths at least 5 % apart; the target is one of them, named by its ordinal
//   mix      number of distractor needles: train {0: 0.2, 1: 0.8}, test {0: 0.4, 1: 0.6}
//   labels   1 on the tokens of the target value, 0 elsewhere (span extraction, scored as QA: set-F1)
// Lengths are in tokens (the paper counts words); every example is exactly `length` tokens, EOS last.
import { DataError } from './errors.js';
import { DataRng } from './rng.js';
import { positionsOf, setF1 } from './metrics/squad.js';
import type { RetrievalSet } from './datasets/squad.js';

/** What the generator needs from a tokenizer. */
export interface NiahTokenizer {
  encode(text: string, opts?: { addSpecialTokens?: boolean }): { ids: number[]; offsets: [number, number][] };
  readonly special: { eos: number | null };
}

/** The haystack vocabulary: 120 common English words (our list, in the spirit of gen_niah.py's). */
export const NIAH_WORDS: readonly string[] = [
  'the', 'of', 'and', 'to', 'in', 'is', 'was', 'that', 'for', 'on', 'with', 'as', 'by', 'at', 'from',
  'this', 'have', 'not', 'but', 'all', 'they', 'one', 'had', 'were', 'when', 'there', 'can', 'more', 'some', 'time',
  'about', 'out', 'up', 'into', 'only', 'other', 'new', 'over', 'also', 'after', 'first', 'two', 'made', 'many', 'then',
  'like', 'very', 'well', 'back', 'good', 'people', 'year', 'way', 'day', 'man', 'world', 'life', 'hand', 'part', 'place',
  'house', 'water', 'light', 'night', 'city', 'home', 'road', 'tree', 'river', 'field', 'window', 'door', 'table', 'book', 'letter',
  'music', 'paper', 'stone', 'garden', 'market', 'morning', 'evening', 'summer', 'winter', 'friend', 'mother', 'father', 'child', 'school', 'story',
  'small', 'large', 'long', 'short', 'old', 'young', 'great', 'little', 'early', 'late', 'green', 'blue', 'white', 'black', 'warm',
  'walk', 'read', 'write', 'open', 'close', 'think', 'find', 'give', 'take', 'keep', 'bring', 'turn', 'move', 'live', 'speak',
];

export type NiahKind = 'word' | 'number';
/** Probability of each number of distractor needles. */
export type DistractorMix = Readonly<Record<number, number>>;
/** The paper's distractor mixes. */
export const NIAH_MIX: { readonly train: DistractorMix; readonly test: DistractorMix } = {
  train: { 0: 0.2, 1: 0.8 },
  test: { 0: 0.4, 1: 0.6 },
};
/** Test score of a model that finds the needles but guesses which is the target: 0.4·1 + 0.6·½. */
export const NIAH_GUESS_LINE = 0.7;
/** Minimum distance between two needles, as a fraction of the haystack. */
export const NIAH_MIN_GAP = 0.05;

export interface NiahOptions {
  /** Total tokens of the example, question prefix and EOS included. */
  length: number;
  seed: number;
  /** 7-digit number (default) or an 8–12-character alphanumeric word. */
  kind?: NiahKind;
  /** 'words' (default): random words from NIAH_WORDS; texts: their words in order from a seeded start (cyclic). */
  haystack?: 'words' | readonly string[];
  /** Number of distractor needles (0…10); default: drawn from `mix`. */
  distractors?: number;
  /** Distractor mix used when `distractors` is not given (default NIAH_MIX.test). */
  mix?: DistractorMix;
  /** Depth of the target in the haystack (0 = start, 1 = end); default random like the others. */
  depth?: number;
  /** Re-encode the whole text and check it gives the same ids (default true; the fallback search runs if not). */
  verify?: boolean;
}

export interface NiahExample {
  /** The whole input text: question prefix + haystack with the needles. */
  text: string;
  question: string;
  answer: string;
  kind: NiahKind;
  /** Values of all needles in text order (the answer among them). */
  values: string[];
  /** Index of the target in `values` (its ordinal − 1). */
  targetIndex: number;
  /** Depth of every needle (text order): haystack tokens before it / haystack tokens. */
  depths: number[];
  /** Depth of the target. */
  depth: number;
  /** [start, end) of the answer in `text`. */
  answerSpan: [number, number];
  /** [start, end) of the haystack (context) in `text`. */
  contextSpan: [number, number];
  /** [start, end) token range of every needle value (text order). */
  needleTokens: Array<[number, number]>;
  /** (L,) ids, EOS last; L = `length` (exactly, unless the tokenizer makes that impossible: then ≤ length). */
  inputIds: Int32Array;
  /** (L,) 1 on the tokens covering the answer, 0 elsewhere. */
  labels: Int32Array;
  /** Haystack words (needles not counted). */
  haystackWords: number;
}

const ALNUM = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** 1st, 2nd, 3rd, 4th, …, 11th, 12th, 13th, …, 21st. */
export function ordinal(n: number): string {
  const s = n % 100 >= 11 && n % 100 <= 13 ? 'th' : (['th', 'st', 'nd', 'rd'][n % 10] ?? 'th');
  return `${n}${s}`;
}

/** The paper's question for the target at 0-based `index`. */
export function niahQuestion(kind: NiahKind, index: number): string {
  return `What is the ${ordinal(index + 1)} special ${kind} in this passage?`;
}

/** Draws a distractor count from a mix (probabilities need not sum to 1: they are normalised). */
export function drawDistractors(rng: DataRng, mix: DistractorMix): number {
  const entries = Object.entries(mix).map(([k, p]) => [Number(k), p] as const);
  const total = entries.reduce((s, [, p]) => s + p, 0);
  if (!(total > 0) || entries.some(([k, p]) => !(p >= 0) || !Number.isInteger(k) || k < 0)) {
    throw new DataError(`makeNiah: bad distractor mix ${JSON.stringify(mix)} (non-negative integer keys, non-negative probabilities)`);
  }
  let u = rng.float() * total;
  for (const [k, p] of entries) {
    if (u < p) return k;
    u -= p;
  }
  return entries[entries.length - 1][0];
}

/** A source of haystack words. */
function wordSource(rng: DataRng, haystack: 'words' | readonly string[]): () => string {
  if (haystack === 'words') return () => NIAH_WORDS[rng.int(NIAH_WORDS.length)];
  const docs = haystack.filter((d) => d.trim() !== '');
  if (docs.length === 0) throw new DataError('makeNiah: empty haystack (no non-blank texts)');
  let doc = rng.int(docs.length);
  let words = docs[doc].split(/\s+/).filter(Boolean);
  let i = 0;
  return () => {
    while (i >= words.length) {
      doc = (doc + 1) % docs.length;
      words = docs[doc].split(/\s+/).filter(Boolean);
      i = 0;
    }
    return words[i++];
  };
}

/**
 * One needle-in-a-haystack example (deterministic in its options). Built piece by piece from the
 * token counts of " word" pieces (each starts a new pre-token for byte-level BPE), then checked by
 * encoding the whole text once; for a tokenizer where pieces merge across boundaries, the haystack
 * budget is searched until the example fits.
 */
export function makeNiah(tok: NiahTokenizer, o: NiahOptions): NiahExample {
  if (!(Number.isInteger(o.length) && o.length >= 32)) throw new DataError(`makeNiah: length must be an integer ≥ 32, got ${o.length}`);
  if (o.depth !== undefined && !(o.depth >= 0 && o.depth <= 1)) throw new DataError(`makeNiah: depth must be in [0, 1], got ${o.depth}`);
  const eos = tok.special.eos;
  if (eos === null) throw new DataError('makeNiah: the tokenizer has no EOS token');
  const rng = new DataRng(o.seed);
  const kind = o.kind ?? 'number';
  const nd = o.distractors ?? drawDistractors(rng, o.mix ?? NIAH_MIX.test);
  if (!(Number.isInteger(nd) && nd >= 0 && nd <= 10)) throw new DataError(`makeNiah: distractors must be an integer in [0, 10], got ${nd}`);
  const value = (): string => {
    if (kind === 'number') return String(1_000_000 + rng.int(9_000_000));
    let w = '';
    const n = 8 + rng.int(5);
    for (let i = 0; i < n; i++) w += ALNUM[rng.int(ALNUM.length)];
    return w;
  };
  // needle depths: uniform, every pair ≥ NIAH_MIN_GAP apart (rejection sampling); the target at o.depth if given
  const depths: number[] = o.depth !== undefined ? [o.depth] : [];
  while (depths.length < nd + 1) {
    let d = -1;
    for (let tries = 0; tries < 10000 && d < 0; tries++) {
      const c = rng.float();
      if (depths.every((x) => Math.abs(x - c) >= NIAH_MIN_GAP)) d = c;
    }
    if (d < 0) throw new DataError(`makeNiah: cannot place ${nd + 1} needles ≥ ${NIAH_MIN_GAP * 100} % apart`);
    depths.push(d);
  }
  const targetDepth = o.depth ?? depths[rng.int(depths.length)];
  const values: string[] = [];
  while (values.length < depths.length) {
    const v = value();
    if (!values.includes(v)) values.push(v);
  }
  const order = depths.map((d, i) => [d, i] as const).sort((a, b) => a[0] - b[0]);
  const sortedDepths = order.map(([d]) => d);
  const ti = sortedDepths.indexOf(targetDepth);
  const question = niahQuestion(kind, ti);
  const prefix = `Question: ${question}\nContext:`;
  const enc = (s: string) => tok.encode(s, { addSpecialTokens: false });
  const prefixIds = enc(prefix).ids;
  const cache = new Map<string, number[]>();
  const piece = (w: string): number[] => {
    let ids = cache.get(w);
    if (!ids) {
      ids = enc(` ${w}`).ids;
      cache.set(w, ids);
    }
    return ids;
  };
  const needleIds = values.map(piece);
  const needleCost = needleIds.reduce((s, x) => s + x.length, 0);
  const singles = NIAH_WORDS.filter((w) => piece(w).length === 1);
  const next = wordSource(rng, o.haystack ?? 'words');
  const verify = o.verify ?? true;

  // The haystack as words, drawn once and extended on demand (the same words for every budget tried).
  const drawn: string[] = [];
  const draw = (i: number): string => {
    while (drawn.length <= i) drawn.push(next());
    return drawn[i];
  };

  const build = (H: number): NiahExample => {
    // haystack items with exactly H tokens if possible: words in order, skipping one that would overshoot
    // the budget, and ending with single-token words from NIAH_WORDS
    const items: string[] = [];
    let t = 0;
    let fill = 0;
    let skipped = 0;
    for (let i = 0; t < H; i++) {
      const w = draw(i);
      const c = piece(w).length;
      if (t + c <= H) {
        items.push(w);
        t += c;
        skipped = 0;
      } else if (H - t <= 2 || ++skipped > 64) {
        if (singles.length === 0) break;
        items.push(singles[fill++ % singles.length]);
        t += 1;
      }
    }
    // needle k goes before the first item whose token offset reaches depth_k · t
    const cum = new Int32Array(items.length + 1);
    for (let i = 0; i < items.length; i++) cum[i + 1] = cum[i] + piece(items[i]).length;
    const at = sortedDepths.map((d) => {
      const target = Math.round(d * t);
      let lo = 0;
      let hi = items.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (cum[mid] < target) lo = mid + 1;
        else hi = mid;
      }
      return lo;
    });
    const parts: string[] = [prefix];
    let chars = prefix.length;
    const ids: number[] = [...prefixIds];
    const needleTokens: Array<[number, number]> = [];
    const needleChars: Array<[number, number]> = [];
    let k = 0;
    const pushNeedle = () => {
      const v = values[order[k][1]];
      needleChars.push([chars + 1, chars + 1 + v.length]);
      const p = piece(v);
      needleTokens.push([ids.length, ids.length + p.length]);
      for (const id of p) ids.push(id);
      parts.push(` ${v}`);
      chars += v.length + 1;
      k++;
    };
    for (let i = 0; i <= items.length; i++) {
      while (k < at.length && at[k] === i) pushNeedle();
      if (i === items.length) break;
      const w = items[i];
      for (const id of piece(w)) ids.push(id);
      parts.push(` ${w}`);
      chars += w.length + 1;
    }
    const text = parts.join('');
    const answerSpan = needleChars[ti];
    let inputIds: Int32Array;
    let labels: Int32Array;
    let tokens = needleTokens;
    const full = verify ? enc(text) : null;
    if (!full || (full.ids.length === ids.length && full.ids.every((x, i) => x === ids[i]))) {
      inputIds = Int32Array.from([...ids, eos]);
      labels = new Int32Array(inputIds.length);
      const [a, b] = needleTokens[ti];
      labels.fill(1, a, b);
    } else {
      // the tokenizer merges across pieces: label by the character offsets of the authoritative encoding
      inputIds = Int32Array.from([...full.ids, eos]);
      labels = new Int32Array(inputIds.length);
      tokens = needleChars.map(([s, e]) => {
        let a = -1;
        let b = -1;
        full.offsets.forEach(([s0, e0], j) => {
          if (s0 < e && e0 > s) {
            if (a < 0) a = j;
            b = j + 1;
          }
        });
        return [a, b] as [number, number];
      });
      labels.fill(1, tokens[ti][0], tokens[ti][1]);
    }
    return {
      text, question, answer: values[order[ti][1]], kind, values: order.map(([, i]) => values[i]), targetIndex: ti,
      depths: at.map((j) => (t > 0 ? cum[j] / t : 0)), depth: t > 0 ? cum[at[ti]] / t : 0,
      answerSpan, contextSpan: [prefix.length, text.length], needleTokens: tokens, inputIds, labels, haystackWords: items.length,
    };
  };

  let H = o.length - 1 - prefixIds.length - needleCost;
  if (H < 4 * (nd + 1)) throw new DataError(`makeNiah: length ${o.length} leaves ${H} haystack tokens for ${nd + 1} needle(s); use a longer length`);
  let best: NiahExample | null = null;
  for (let iter = 0; iter < 12; iter++) {
    const ex = build(H);
    const L = ex.inputIds.length;
    if (L === o.length) return ex;
    if (L < o.length && (!best || L > best.inputIds.length)) best = ex;
    H = Math.max(1, H + (o.length - L) - (iter >= 4 ? iter % 2 : 0));
  }
  if (!best) throw new DataError(`makeNiah: could not fit the needles into ${o.length} tokens`);
  return best;
}

export interface NiahScore {
  /** Set-F1 over predicted answer positions (empty set → {0}), as the paper scores QA. */
  f1: number;
  /** The predicted set is exactly the target's tokens. */
  exact: boolean;
  /** What the prediction hit: the target only, a distractor only, both, nothing, or only haystack. */
  outcome: 'target' | 'distractor' | 'both' | 'none' | 'haystack';
}

/** Scores one prediction (1 = answer token) against an example. */
export function scoreNiah(pred: ArrayLike<number>, ex: Pick<NiahExample, 'labels' | 'needleTokens' | 'targetIndex'>): NiahScore {
  const p = positionsOf(pred);
  const g = positionsOf(ex.labels);
  const f1 = setF1(p, g);
  const exact = p.length === g.length && p.every((x, i) => x === g[i]);
  const inside = (k: number) => p.some((x) => x >= ex.needleTokens[k][0] && x < ex.needleTokens[k][1]);
  const hitT = inside(ex.targetIndex);
  const hitD = ex.needleTokens.some((_, k) => k !== ex.targetIndex && inside(k));
  const outcome = p.length === 0 ? 'none' : hitT && hitD ? 'both' : hitT ? 'target' : hitD ? 'distractor' : 'haystack';
  return { f1, exact, outcome };
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
