// Batched matmul as gpu.js source: a: [B, M, K] · b: [B, K, N] → y: [B, M, N].
//
// One thread per output element, y[bt, i, j] = Σ_k a[bt, i, k] · b[bt, k, j], K inlined as the
// loop bound. The gpu.js output is [N, M] (B = 1) or [N, M, B], so thread.x walks j — the
// contiguous axis of y — which lets the webasm backend vectorise over j.

import { lit } from './strided.js';

export function matmulSource(B: number, K: number, as: readonly number[], bs: readonly number[]): string {
  // stride terms: `c·s`, omitted for s = 0 (and for the batch axis when B = 1), bare `c` for s = 1
  const term = (c: string, s: number): string[] => (s === 0 ? [] : s === 1 ? [c] : [`${c} * ${lit(s)}`]);
  const batch = (s: number): string[] => (B > 1 ? term('bt', s) : []);
  const lines = [
    'const j = this.thread.x;',
    'const i = this.thread.y;',
    ...(B > 1 ? ['const bt = this.thread.z;'] : []),
    `const ab = ${['ao', ...batch(as[0]), ...term('i', as[1])].join(' + ')};`,
    `const bb = ${['bo', ...batch(bs[0]), ...term('j', bs[2])].join(' + ')};`,
    'let s = 0;',
    `for (let k = 0; k < ${K}; k++) {`,
    `  s = s + a[${['ab', ...term('k', as[2])].join(' + ')}] * b[${['bb', ...term('k', bs[1])].join(' + ')}];`,
    '}',
    'return s;',
  ];
  return `function(a, ao, b, bo) {\n  ${lines.join('\n  ')}\n}`;
}

/** gpu.js output dims (x fastest) for y: [B, M, N]. */
export function matmulOutput(B: number, M: number, N: number): number[] {
  return B > 1 ? [N, M, B] : [N, M];
}
