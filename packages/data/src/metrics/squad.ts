/** Official SQuAD v1.1 answer normalisation: lower-case, drop punctuation, articles and extra spaces. */
export function normalizeAnswer(s: string): string {
  const PUNCT = new Set('!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~');
  let t = s.toLowerCase();
  t = [...t].filter((c) => !PUNCT.has(c)).join('');
  t = t.replace(/\b(a|an|the)\b/g, ' ');
  return t.split(/\s+/).filter(Boolean).join(' ');
}

export function exactMatch(pred: string, gold: string): number {
  return normalizeAnswer(pred) === normalizeAnswer(gold) ? 1 : 0;
}

/** Token-overlap F1 of the official script. */
export function tokenF1(pred: string, gold: string): number {
  const p = normalizeAnswer(pred).split(' ').filter(Boolean);
  const g = normalizeAnswer(gold).split(' ').filter(Boolean);
  const counts = new Map<string, number>();
  for (const w of g) counts.set(w, (counts.get(w) ?? 0) + 1);
  let same = 0;
  for (const w of p) {
    const c = counts.get(w) ?? 0;
    if (c > 0) { same++; counts.set(w, c - 1); }
  }
  if (same === 0) return 0;
  const precision = same / p.length;
  const recall = same / g.length;
  return (2 * precision * recall) / (precision + recall);
}

/** SQuAD EM and F1 (×100), each the max over a question's gold answers, averaged over questions. */
export function squadScores(preds: readonly string[], golds: readonly (readonly string[])[]): { exactMatch: number; f1: number } {
  if (preds.length !== golds.length || preds.length === 0) throw new RangeError(`squadScores: ${preds.length} predictions for ${golds.length} questions`);
  let em = 0, f1 = 0;
  preds.forEach((p, i) => {
    em += Math.max(...golds[i].map((g) => exactMatch(p, g)));
    f1 += Math.max(...golds[i].map((g) => tokenF1(p, g)));
  });
  return { exactMatch: (100 * em) / preds.length, f1: (100 * f1) / preds.length };
}

/**
 * The paper's QA / NIAH metric for one example: F1 between the predicted and gold SETS of answer
 * token positions; an empty set counts as {0} (so "no answer" vs "no answer" scores 1).
 */
export function setF1(predPositions: Iterable<number>, goldPositions: Iterable<number>): number {
  const p = new Set(predPositions);
  const g = new Set(goldPositions);
  if (p.size === 0) p.add(0);
  if (g.size === 0) g.add(0);
  let inter = 0;
  for (const x of p) if (g.has(x)) inter++;
  if (inter === 0) return 0;
  const precision = inter / p.size;
  const recall = inter / g.size;
  return (2 * precision * recall) / (precision + recall);
}

/** Positions with label 1 (argmax = 1) from per-token 0/1 predictions or labels. */
export function positionsOf(labels: ArrayLike<number>): number[] {
  const out: number[] = [];
  for (let i = 0; i < labels.length; i++) if (labels[i] === 1) out.push(i);
  return out;
}

/** Mean setF1 over examples. */
export function meanSetF1(pred: readonly ArrayLike<number>[], gold: readonly ArrayLike<number>[]): number {
  if (pred.length !== gold.length || pred.length === 0) throw new RangeError(`meanSetF1: ${pred.length} vs ${gold.length} examples`);
  let s = 0;
  for (let i = 0; i < pred.length; i++) s += setF1(positionsOf(pred[i]), positionsOf(gold[i]));
  return s / pred.length;
}
