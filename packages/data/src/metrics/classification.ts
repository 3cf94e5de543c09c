import { DataError } from '../errors.js';

function checkLen(op: string, a: ArrayLike<unknown>, b: ArrayLike<unknown>): void {
  if (a.length !== b.length) throw new DataError(`${op}: predictions (${a.length}) and gold (${b.length}) differ in length`);
  if (a.length === 0) throw new DataError(`${op}: no examples`);
}

/** Fraction of exact matches. */
export function accuracy(pred: ArrayLike<number | string>, gold: ArrayLike<number | string>): number {
  checkLen('accuracy', pred, gold);
  let ok = 0;
  for (let i = 0; i < pred.length; i++) if (pred[i] === gold[i]) ok++;
  return ok / pred.length;
}

export interface F1Result {
  precision: number;
  recall: number;
  f1: number;
}

const prf = (tp: number, fp: number, fn: number): F1Result => {
  const precision = tp + fp === 0 ? 0 : tp / (tp + fp);
  const recall = tp + fn === 0 ? 0 : tp / (tp + fn);
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { precision, recall, f1 };
};

/**
 * Multi-class F1 (sklearn semantics). 'macro': unweighted mean over `labels` (default: every label
 * in pred ∪ gold) with 0 for undefined precision/recall; 'micro': from pooled TP/FP/FN over `labels`
 * (equals accuracy when all labels count).
 */
export function f1Score(pred: ArrayLike<number | string>, gold: ArrayLike<number | string>, average: 'macro' | 'micro' = 'macro', labels?: readonly (number | string)[]): number {
  checkLen('f1Score', pred, gold);
  const labs = labels ?? [...new Set([...Array.from(gold), ...Array.from(pred)])];
  const tp = new Map<number | string, number>();
  const fp = new Map<number | string, number>();
  const fn = new Map<number | string, number>();
  for (let i = 0; i < pred.length; i++) {
    if (pred[i] === gold[i]) tp.set(gold[i], (tp.get(gold[i]) ?? 0) + 1);
    else { fp.set(pred[i], (fp.get(pred[i]) ?? 0) + 1); fn.set(gold[i], (fn.get(gold[i]) ?? 0) + 1); }
  }
  if (average === 'micro') {
    let T = 0, P = 0, N = 0;
    for (const l of labs) { T += tp.get(l) ?? 0; P += fp.get(l) ?? 0; N += fn.get(l) ?? 0; }
    return prf(T, P, N).f1;
  }
  let s = 0;
  for (const l of labs) s += prf(tp.get(l) ?? 0, fp.get(l) ?? 0, fn.get(l) ?? 0).f1;
  return s / labs.length;
}

/** The paper's TC metric: sklearn macro-F1 per sentence (over that sentence's labels), averaged over sentences. */
export function perSentenceMacroF1(pred: readonly ArrayLike<number | string>[], gold: readonly ArrayLike<number | string>[]): number {
  if (pred.length !== gold.length || pred.length === 0) throw new DataError(`perSentenceMacroF1: ${pred.length} predicted vs ${gold.length} gold sentences`);
  let s = 0;
  for (let i = 0; i < pred.length; i++) s += f1Score(pred[i], gold[i], 'macro');
  return s / pred.length;
}

/** Pearson correlation (SICK-R). */
export function pearson(x: ArrayLike<number>, y: ArrayLike<number>): number {
  checkLen('pearson', x, y);
  const n = x.length;
  let mx = 0, my = 0;
  for (let i = 0; i < n; i++) { mx += x[i]; my += y[i]; }
  mx /= n; my /= n;
  let sxy = 0, sxx = 0, syy = 0;
  for (let i = 0; i < n; i++) { const a = x[i] - mx, b = y[i] - my; sxy += a * b; sxx += a * a; syy += b * b; }
  return sxx === 0 || syy === 0 ? 0 : sxy / Math.sqrt(sxx * syy);
}
