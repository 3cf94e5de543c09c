// The propositions as checks on ONE mixing matrix S̃ (C, C) that an implementation applied to
// ONE v (C, d′). Each returns null when the claim holds, else a description of the violation. The
// reference similarities come from the float64 oracle (oracle.ts `cosine`), never from src/.
// Used end to end on traced forwards (propositions-e2e.test.ts) and for every contextualiser
// variant with its expected verdict (variants.test.ts).
import fc from 'fast-check';
import { tensor } from '@avey/tensor';
import { noGrad, variable } from '@avey/autograd';
import type { AveyLayer } from '@avey/avey-b';
import { cosine, type Mat } from './oracle.js';

export type Check = (v: Mat, St: Mat) => string | null;

const norm = (r: readonly number[]): number => Math.sqrt(r.reduce((a, b) => a + b * b, 0));
const rowMax = (r: readonly number[]): number => Math.max(1, ...r.map(Math.abs));
const isZero = (r: readonly number[]): boolean => r.every((x) => x === 0);

/** A.1 ratio: S̃_ij · s_il = S̃_il · s_ij (one row-specific factor for every candidate). */
export const a1Ratio: Check = (v, St) => {
  const s = cosine(v);
  for (let i = 0; i < v.length; i++) {
    const tol = 2e-5 * rowMax(St[i]);
    for (let j = 0; j < v.length; j++) {
      for (let l = 0; l < v.length; l++) {
        const gap = Math.abs(St[i][j] * s[i][l] - St[i][l] * s[i][j]);
        if (gap > tol) return `ratio: S̃[${i}][${j}]·s[${i}][${l}] − S̃[${i}][${l}]·s[${i}][${j}] = ${gap}`;
      }
    }
  }
  return null;
};

/** A.1 order: s_ij > s_il ⇒ S̃_ij ≥ S̃_il (strict beyond float32 resolution); ties stay ties. */
export const a1Order: Check = (v, St) => {
  const s = cosine(v);
  for (let i = 0; i < v.length; i++) {
    const tol = 2e-6 * rowMax(St[i]);
    for (let j = 0; j < v.length; j++) {
      for (let l = 0; l < v.length; l++) {
        if (s[i][j] > s[i][l] + 1e-4 && !(St[i][j] > St[i][l])) return `order: s[${i}][${j}] = ${s[i][j]} > s[${i}][${l}] = ${s[i][l]} but S̃ ${St[i][j]} ≤ ${St[i][l]}`;
        if (s[i][j] > s[i][l] && St[i][j] < St[i][l] - tol) return `order: s[${i}][${j}] > s[${i}][${l}] but S̃ ${St[i][j]} < ${St[i][l]}`;
        if (s[i][j] === s[i][l] && Math.abs(St[i][j] - St[i][l]) > tol) return `tie: s[${i}][${j}] = s[${i}][${l}] but S̃ ${St[i][j]} ≠ ${St[i][l]}`;
      }
    }
  }
  return null;
};

/** Stability lemma: Σ_j |S̃_ij| ≤ 1 and ‖(S̃v)_i‖ ≤ max_j ‖v_j‖ (non-expansion). */
export const lemma: Check = (v, St) => {
  const vmax = Math.max(...v.map(norm));
  for (let i = 0; i < v.length; i++) {
    const l1 = St[i].reduce((a, b) => a + Math.abs(b), 0);
    if (l1 > 1 + 1e-5) return `lemma: Σ_j |S̃[${i}][j]| = ${l1} > 1`;
    const out = v[0].map((_, c) => St[i].reduce((a, w, j) => a + w * v[j][c], 0));
    if (norm(out) > vmax * (1 + 1e-5) + 1e-6) return `lemma: ‖(S̃v)_${i}‖ = ${norm(out)} > max_j ‖v_j‖ = ${vmax}`;
  }
  return null;
};

/** The official normaliser's exact row sums: Σ_j |S̃_ij| = 1 for a non-zero v_i, S̃_i· = 0 for a
 *  zero v_i (and a zero v_j gets weight 0 in every row). */
export const l1RowsExact: Check = (v, St) => {
  for (let i = 0; i < v.length; i++) {
    const l1 = St[i].reduce((a, b) => a + Math.abs(b), 0);
    if (isZero(v[i]) ? l1 !== 0 : Math.abs(l1 - 1) > 1e-5) return `row ${i}: Σ_j |S̃| = ${l1} (v_${i} ${isZero(v[i]) ? 'zero' : 'non-zero'})`;
    for (let j = 0; j < v.length; j++) if (isZero(v[j]) && St[i][j] !== 0) return `zero v_${j} has weight ${St[i][j]} in row ${i}`;
  }
  return null;
};

/** S̃ computed by a real layer from a host matrix v (C, d′). */
export function layerMixing(layer: AveyLayer, v: Mat): Mat {
  const C = v.length, D = v[0].length;
  const St = noGrad(() => layer.mixing(variable(tensor(Float32Array.from(v.flat()), { shape: [1, C, D] }))));
  const d = St.value.dataSync() as Float32Array;
  return Array.from({ length: C }, (_, r) => Array.from(d.subarray(r * C, (r + 1) * C)));
}

/** v_j turned toward v_i by the fraction t of the angle between them, in their plane, norm kept. */
export function rotateToward(vj: readonly number[], vi: readonly number[], t: number): number[] | null {
  const nj = norm(vj), ni = norm(vi);
  if (nj < 1e-3 || ni < 1e-3) return null;
  const a = vj.map((x) => x / nj), b0 = vi.map((x) => x / ni);
  const c = a.reduce((s, x, k) => s + x * b0[k], 0);
  const w = b0.map((x, k) => x - c * a[k]);
  const nw = norm(w);
  if (nw < 1e-3) return null; // (anti)parallel: no plane
  const theta = Math.acos(Math.max(-1, Math.min(1, c)));
  const phi = t * theta;
  return a.map((x, k) => nj * (Math.cos(phi) * x + Math.sin(phi) * (w[k] / nw)));
}

/** Sign agreement: a weight has the sign of its similarity (no sign-flip pathology). */
export const a1Sign: Check = (v, St) => {
  const s = cosine(v);
  for (let i = 0; i < v.length; i++) {
    const tol = 2e-6 * rowMax(St[i]);
    for (let j = 0; j < v.length; j++) {
      if (Math.abs(s[i][j]) > 1e-3 && Math.abs(St[i][j]) > tol && Math.sign(St[i][j]) !== Math.sign(s[i][j])) return `sign: s[${i}][${j}] = ${s[i][j]} but S̃ = ${St[i][j]}`;
    }
  }
  return null;
};

/** A.1 second half: moving v_j toward v_i never lowers S̃_ij, and a positive S̃_ij stays positive. */
export function a1Rotation(mix: (v: Mat) => Mat): (v: Mat, St: Mat, i: number, j: number, t: number) => string | null {
  return (v, St, i, j, t) => {
    if (i === j) return null;
    const vj = rotateToward(v[j], v[i], t);
    if (vj === null) return null;
    const v2 = v.map((r, q) => (q === j ? vj.map(Math.fround) : r));
    const s2 = cosine(v2);
    if (s2[i][j] <= cosine(v)[i][j] + 1e-4) return null; // float32 rounding ate the move
    const St2 = mix(v2);
    const tol = 2e-5 * rowMax(St[i]);
    if (St2[i][j] < St[i][j] - tol) return `rotation: v_${j} toward v_${i} (t=${t}) lowered S̃[${i}][${j}] ${St[i][j]} → ${St2[i][j]}`;
    if (St[i][j] > tol && !(St2[i][j] > 0)) return `rotation: S̃[${i}][${j}] turned from ${St[i][j]} to ${St2[i][j]}`;
    return null;
  };
}

/** Generated v (C, d′): signed entries, optional all-zero rows, optional tied (repeated) rows,
 *  optional rows pointing against the others (negative similarities). */
export const vArb = (opts: { minC?: number; maxC?: number; zeroRows?: boolean } = {}): fc.Arbitrary<Mat> =>
  fc.record({
    C: fc.integer({ min: opts.minC ?? 2, max: opts.maxC ?? 6 }),
    D: fc.integer({ min: 2, max: 6 }),
    seed: fc.array(fc.double({ min: -3, max: 3, noNaN: true }), { minLength: 36, maxLength: 36 }),
    zero: fc.array(fc.boolean(), { minLength: 6, maxLength: 6 }),
    tie: fc.integer({ min: -1, max: 5 }),
    flip: fc.integer({ min: -1, max: 5 }),
  }).map(({ C, D, seed, zero, tie, flip }) => {
    const v: Mat = Array.from({ length: C }, (_, r) => Array.from({ length: D }, (_, c) => Math.fround(seed[(r * 6 + c) % 36])));
    for (let r = 0; r < C; r++) if (norm(v[r]) < 1e-2) v[r][0] = 1; // clearly non-zero unless zeroed below
    if (tie >= 1 && tie < C) v[tie] = [...v[0]];
    if (flip >= 1 && flip < C) v[flip] = v[0].map((x) => -2 * x);
    if (opts.zeroRows) for (let r = 0; r < C; r++) if (zero[r] && r !== 0) v[r] = v[r].map(() => 0);
    return v;
  });
