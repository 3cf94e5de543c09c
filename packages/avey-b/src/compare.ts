// Numeric comparison of named tensors (parity reports): worst tensor first.
import type { TypedArray } from '@avey/tensor';

export interface Tolerance {
  /** Relative tolerance (default 1e-4). */
  rtol?: number;
  /** Absolute tolerance (default 1e-5). */
  atol?: number;
}

export interface TensorDiff {
  name: string;
  /** max |a − e| */
  maxAbs: number;
  /** max |a − e| / |e| over elements with |e| > atol (0 when none) */
  maxRel: number;
  /** max |a − e| / (atol + rtol·|e|): ≤ 1 passes (torch.allclose rule) */
  score: number;
  /** flat index of the worst element and its two values */
  worstIndex: number;
  actual: number;
  expected: number;
  pass: boolean;
}

/** Element-wise `|a − e| ≤ atol + rtol·|e|` (NaN fails), with the worst element. */
export function diffArrays(name: string, actual: ArrayLike<number>, expected: ArrayLike<number>, tol: Tolerance = {}): TensorDiff {
  const rtol = tol.rtol ?? 1e-4;
  const atol = tol.atol ?? 1e-5;
  if (actual.length !== expected.length) {
    return { name, maxAbs: Infinity, maxRel: Infinity, score: Infinity, worstIndex: -1, actual: NaN, expected: NaN, pass: false };
  }
  let maxAbs = 0, maxRel = 0, score = 0, worst = -1;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i], e = expected[i];
    const d = Math.abs(a - e);
    const s = Number.isNaN(d) ? Infinity : d / (atol + rtol * Math.abs(e));
    if (d > maxAbs || Number.isNaN(d)) maxAbs = Number.isNaN(d) ? Infinity : d;
    if (Math.abs(e) > atol && d / Math.abs(e) > maxRel) maxRel = d / Math.abs(e);
    if (s > score || worst < 0) { score = s; worst = i; }
  }
  return {
    name, maxAbs, maxRel, score, worstIndex: worst,
    actual: worst >= 0 ? actual[worst] : NaN, expected: worst >= 0 ? expected[worst] : NaN, pass: score <= 1,
  };
}

export interface ParityReport {
  diffs: TensorDiff[];
  worst: TensorDiff | null;
  pass: boolean;
}

export function summarize(diffs: TensorDiff[]): ParityReport {
  const sorted = [...diffs].sort((a, b) => b.score - a.score);
  return { diffs: sorted, worst: sorted[0] ?? null, pass: sorted.every((d) => d.pass) };
}

export function formatDiff(d: TensorDiff): string {
  return `${d.name}: maxAbs ${d.maxAbs.toExponential(3)}, maxRel ${d.maxRel.toExponential(3)}, ` +
    `score ${d.score.toFixed(3)} at [${d.worstIndex}] (got ${d.actual}, expected ${d.expected})`;
}

export type { TypedArray };
