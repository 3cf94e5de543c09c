// assign(dst, dstView, src) as a gpu.js kernel over the whole destination buffer.
//
// A thread owns destination element r and must find out whether r lies inside dstView, i.e.
// r = off + Σ_d c_d·s_d with 0 ≤ c_d < n_d. When the view's axes nest without overlap (sorted by
// stride, s_d ≥ s_{d+1}·n_{d+1}, all strides > 0 — true for the slices cat/pad/slice-assign
// write into) greedy division by the strides recovers the c_d uniquely; the thread then copies
// src at those coordinates, or keeps dst[r]. Views that do not nest return null (host loop).

import type { View } from '../backend.js';
import { lit } from './strided.js';

interface Axis {
  dim: number;
  n: number;
  s: number;
}

/** The view's non-trivial axes sorted by decreasing stride, or null if they do not nest. */
function nestedAxes(view: View): Axis[] | null {
  const axes: Axis[] = [];
  view.shape.forEach((n, dim) => { if (n !== 1) axes.push({ dim, n, s: view.strides[dim] }); });
  axes.sort((p, q) => q.s - p.s);
  for (let d = 0; d < axes.length; d++) {
    if (axes[d].s <= 0) return null;
    if (d + 1 < axes.length && axes[d].s < axes[d + 1].s * axes[d + 1].n) return null;
  }
  return axes;
}

/** Kernel source with arguments (d, doff, s, so), or null when the view needs the host path. */
export function assignSource(dstView: View, srcStrides: readonly number[]): string | null {
  const axes = nestedAxes(dstView);
  if (axes === null) return null;
  const lines = ['const r = this.thread.x;', 'let rel = r - doff;', 'let inside = 1;', 'if (rel < 0) { inside = 0; }'];
  const srcTerms = ['so'];
  axes.forEach(({ dim, n, s }) => {
    const c = `c${dim}`;
    lines.push(
      `let ${c} = Math.floor(rel / ${s});`,
      `if (${c} * ${s} > rel) { ${c} = ${c} - 1; }`,
      `if (${c} * ${s} + ${s} <= rel) { ${c} = ${c} + 1; }`,
      `if (${c} >= ${n} || ${c} < 0) { inside = 0; }`,
      `rel = rel - ${c} * ${s};`,
    );
    if (srcStrides[dim] !== 0) srcTerms.push(`${c} * ${lit(srcStrides[dim])}`);
  });
  lines.push('if (rel !== 0) { inside = 0; }', 'if (inside === 0) { return d[r]; }', `return s[${srcTerms.join(' + ')}];`);
  return `function(d, doff, s, so) {\n  ${lines.join('\n  ')}\n}`;
}
