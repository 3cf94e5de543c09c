// Reductions over the last axis of a 2-D view x: [outer, inner] → y: [outer], as gpu.js source.
//
// One thread per output row loops over the row. Rows longer than `chunk` are reduced in two
// levels (the backend drives it): pass 1 reduces [outer, ⌈inner/chunk⌉] chunks, pass 2 reduces
// the chunk results per row. That keeps per-thread loops short in GPU modes and sums ~√n terms
// per accumulator instead of n. Semantics follow src/cpu/exprs.ts: max/min propagate NaN,
// argmax/argmin treat NaN as the extreme value and return the first index on ties.

import type { ReduceOp } from '../backend.js';
import { lit } from './strided.js';

/** Statements folding value `v` at row index `j` into accumulator `acc` (and `arg`). */
function stepLines(op: ReduceOp): string {
  switch (op) {
    case 'sum': return 'acc = acc + v;';
    case 'prod': return 'acc = acc * v;';
    case 'max': return 'if (v > acc || v !== v) { acc = v; }';
    case 'min': return 'if (v < acc || v !== v) { acc = v; }';
    case 'argmax': return 'if (v > acc || (v !== v && acc === acc)) { acc = v; arg = j; }';
    case 'argmin': return 'if (v < acc || (v !== v && acc === acc)) { acc = v; arg = j; }';
  }
}

const isArg = (op: ReduceOp): boolean => op === 'argmax' || op === 'argmin';

/** Kernel (x, xo) → [outer * nChunks] over row chunks of `chunk` elements (nChunks = 1 reduces
 *  whole rows). For argmax/argmin each result is the row index j of the chunk's winner. */
export function reduceChunksSource(op: ReduceOp, inner: number, s0: number, s1: number, chunk: number): string {
  const nChunks = Math.ceil(inner / chunk);
  const whole = nChunks === 1;
  const lines = whole
    ? ['const row = this.thread.x;', 'const start = 0;']
    : [
      // row = ⌊t / nChunks⌋ with a correction step (float32 quotients can round up)
      'const t = this.thread.x;',
      `let row = Math.floor(t / ${nChunks});`,
      `if (row * ${nChunks} > t) { row = row - 1; }`,
      `if (row * ${nChunks} + ${nChunks} <= t) { row = row + 1; }`,
      `const start = (t - row * ${nChunks}) * ${chunk};`,
    ];
  const len = whole ? inner : chunk;
  lines.push(
    `const base = xo + row * ${lit(s0)};`,
    `let acc = x[base + start * ${lit(s1)}];`,
    'let arg = start;',
    `for (let k = 1; k < ${len}; k++) {`,
    '  const j = start + k;',
    ...(whole ? [] : [`  if (j >= ${inner}) { break; }`]),
    `  const v = x[base + j * ${lit(s1)}];`,
    `  ${stepLines(op)}`,
    '}',
    `return ${isArg(op) ? 'arg' : 'acc'};`,
  );
  return `function(x, xo) {\n  ${lines.join('\n  ')}\n}`;
}

/** Pass 2 of argmax/argmin: p: [outer, nChunks] chunk winners (row indices) → the row's winner,
 *  re-reading the values from x (chunks are visited in order, so ties keep the lower index). */
export function argCombineSource(op: ReduceOp, nChunks: number, s0: number, s1: number): string {
  const lines = [
    'const row = this.thread.x;',
    `const base = xo + row * ${lit(s0)};`,
    `let arg = p[row * ${nChunks}];`,
    `let acc = x[base + arg * ${lit(s1)}];`,
    `for (let c = 1; c < ${nChunks}; c++) {`,
    `  const j = p[row * ${nChunks} + c];`,
    `  const v = x[base + j * ${lit(s1)}];`,
    `  ${stepLines(op)}`,
    '}',
    'return arg;',
  ];
  return `function(x, xo, p) {\n  ${lines.join('\n  ')}\n}`;
}
