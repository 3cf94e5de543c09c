import { DataError } from '../errors.js';
import type { F1Result } from './classification.js';

/** An entity chunk: [type, start, end] (end inclusive, token indices in the flattened sequence). */
export type Chunk = [string, number, number];

const split = (tag: string): [string, string] => {
  if (tag === 'O') return ['O', '_'];
  const i = tag.indexOf('-');
  return i < 0 ? [tag, '_'] : [tag.slice(0, i), tag.slice(i + 1)];
};

function endOfChunk(pt: string, t: string, pty: string, ty: string): boolean {
  return pt === 'E' || pt === 'S' ||
    (pt === 'B' && (t === 'B' || t === 'S' || t === 'O')) ||
    (pt === 'I' && (t === 'B' || t === 'S' || t === 'O')) ||
    (pt !== 'O' && pt !== '.' && pty !== ty);
}

function startOfChunk(pt: string, t: string, pty: string, ty: string): boolean {
  return t === 'B' || t === 'S' ||
    (pt === 'E' && (t === 'E' || t === 'I')) || (pt === 'S' && (t === 'E' || t === 'I')) ||
    (pt === 'O' && (t === 'E' || t === 'I')) ||
    (t !== 'O' && t !== '.' && pty !== ty);
}

/**
 * seqeval's default (conlleval-compatible) chunking: sentences are joined with an 'O' between
 * them; an I- tag after O or after another type starts a new entity (lenient, like seqeval's
 * default mode, not its strict IOB2 mode).
 */
export function getEntities(sentences: readonly (readonly string[])[]): Chunk[] {
  const seq: string[] = [];
  for (const s of sentences) { seq.push(...s); seq.push('O'); }
  const out: Chunk[] = [];
  let pt = 'O', pty = '', begin = 0;
  for (let i = 0; i <= seq.length; i++) {
    const [t, ty] = i < seq.length ? split(seq[i]) : ['O', '_'];
    if (endOfChunk(pt, t, pty, ty)) out.push([pty, begin, i - 1]);
    if (startOfChunk(pt, t, pty, ty)) begin = i;
    pt = t; pty = ty;
  }
  return out;
}

export interface SeqevalResult extends F1Result {
  /** Per entity type. */
  byType: Record<string, F1Result & { support: number }>;
}

/** Entity-level micro precision / recall / F1 over IOB2 tag sequences (seqeval default). */
export function seqevalF1(pred: readonly (readonly string[])[], gold: readonly (readonly string[])[]): SeqevalResult {
  if (pred.length !== gold.length) throw new DataError(`seqevalF1: ${pred.length} predicted vs ${gold.length} gold sentences`);
  pred.forEach((p, i) => { if (p.length !== gold[i].length) throw new DataError(`seqevalF1: sentence ${i} has ${p.length} predicted vs ${gold[i].length} gold tags`); });
  const key = (c: Chunk): string => c.join('\u0000');
  const P = getEntities(pred);
  const G = getEntities(gold);
  const gset = new Set(G.map(key));
  const types = new Set([...P, ...G].map((c) => c[0]));
  const byType: SeqevalResult['byType'] = {};
  const score = (tp: number, np: number, ng: number): F1Result => {
    const precision = np ? tp / np : 0;
    const recall = ng ? tp / ng : 0;
    return { precision, recall, f1: precision + recall ? (2 * precision * recall) / (precision + recall) : 0 };
  };
  for (const t of [...types].sort()) {
    const pt = P.filter((c) => c[0] === t);
    const gt = G.filter((c) => c[0] === t);
    const tp = pt.filter((c) => gset.has(key(c))).length;
    byType[t] = { ...score(tp, pt.length, gt.length), support: gt.length };
  }
  const tp = P.filter((c) => gset.has(key(c))).length;
  return { ...score(tp, P.length, G.length), byType };
}
