// gather, scatterAdd and topk as gpu.js source. Indices are int32 values stored as float32.
//
// gpu.js has no scatter (a thread writes only its own output element) and no atomics, so:
// - scatterAdd is written gather-style: thread (o, a, i) sums every src[o, n, i] whose
//   index[o, n, i] == a, in n order (the same order, hence the same float32 result, as the
//   CPU backend's sequential loop). Work is O·A·I·N, so large problems go to a host loop
//   (see SCATTER_KERNEL_MAX_WORK and docs/gpujs.md).
// - topk is k selection passes: pass p finds, per row, the best element ranking strictly after
//   the one pass p-1 found (order: NaN largest, larger first, lower index first on ties).

import { decodeLines, lit } from './strided.js';

/** Above this many (output element × N) steps, scatterAdd runs as a host loop instead. */
export const SCATTER_KERNEL_MAX_WORK = 1 << 26;

/** y[o, n, i] = x[o, index[o, n, i], i]; y: [O, N, I] flat. Arguments (x, xo, ix, io). */
export function gatherSource(shapeONI: readonly number[], xs: readonly number[], is: readonly number[]): string {
  const lines = [
    'const r = this.thread.x;',
    ...decodeLines(shapeONI, 'r', 'p'),
    `const k = ix[io + p0 * ${lit(is[0])} + p1 * ${lit(is[1])} + p2 * ${lit(is[2])}];`,
    `return x[xo + p0 * ${lit(xs[0])} + k * ${lit(xs[1])} + p2 * ${lit(xs[2])}];`,
  ];
  return `function(x, xo, ix, io) {\n  ${lines.join('\n  ')}\n}`;
}

/** y[o, a, i] = x[o, a, i] + Σ_{n: index[o,n,i] = a} src[o, n, i]; y: [O, A, I] flat.
 *  Arguments (x, xo, ix, io, s, so). */
export function scatterAddSource(shapeOAI: readonly number[], N: number, xs: readonly number[], is: readonly number[], ss: readonly number[]): string {
  const lines = [
    'const r = this.thread.x;',
    ...decodeLines(shapeOAI, 'r', 'p'),
    `let acc = x[xo + p0 * ${lit(xs[0])} + p1 * ${lit(xs[1])} + p2 * ${lit(xs[2])}];`,
    `const ib = io + p0 * ${lit(is[0])} + p2 * ${lit(is[2])};`,
    `const sb = so + p0 * ${lit(ss[0])} + p2 * ${lit(ss[2])};`,
    `for (let n = 0; n < ${N}; n++) {`,
    `  if (ix[ib + n * ${lit(is[1])}] === p1) { acc = acc + s[sb + n * ${lit(ss[1])}]; }`,
    '}',
    'return acc;',
  ];
  return `function(x, xo, ix, io, s, so) {\n  ${lines.join('\n  ')}\n}`;
}

/** One topk selection pass over x: [O, A] → [O] row indices (-1 when the row is exhausted).
 *  pv, pi: the previous pass' value and index per row (pi = -1 before the first pass).
 *  Arguments (x, xo, pv, pi). */
export function topkPassSource(A: number, s0: number, s1: number): string {
  const lines = [
    'const o = this.thread.x;',
    `const base = xo + o * ${lit(s0)};`,
    'const lastV = pv[o];',
    'const lastI = pi[o];',
    'let best = -1;',
    'let bv = 0;',
    `for (let j = 0; j < ${A}; j++) {`,
    `  const v = x[base + j * ${lit(s1)}];`,
    // eligible ⇔ (lastV, lastI) ranks strictly before (v, j)
    '  let elig = 0;',
    '  if (lastI < 0) { elig = 1; }',
    '  else if (lastV !== lastV) { if (v !== v) { if (j > lastI) { elig = 1; } } else { elig = 1; } }',
    '  else if (v !== v) { elig = 0; }',
    '  else if (v < lastV || (v === lastV && j > lastI)) { elig = 1; }',
    // (v, j) ranks before the best so far (j is larger, so only a strictly better value wins)
    '  if (elig === 1) {',
    '    if (best < 0 || v > bv || (v !== v && bv === bv)) { best = j; bv = v; }',
    '  }',
    '}',
    'return best;',
  ];
  return `function(x, xo, pv, pi) {\n  ${lines.join('\n  ')}\n}`;
}
