// What gets measured: one OpSpec per (op, shape), and the work each one does.

import type { BenchCase } from './types.js';
import type { Inputs, Sizes } from './cases.js';

export type OpSpec =
  | { op: 'matmul'; n: number } // [n, n] @ [n, n]
  | { op: 'add' | 'mul' | 'exp' | 'memcpy'; n: number } // n float32 elements
  | { op: 'sum'; rows: number; cols: number } // sum over the last axis of [rows, cols]
  | { op: 'gather'; vocab: number; dim: number; count: number }; // embedding(weight [vocab, dim], ids [count])

export const ALL_OPS = ['matmul', 'add', 'mul', 'exp', 'sum', 'gather', 'memcpy'] as const;

export function specsFor(sizes: Sizes, ops: readonly string[]): OpSpec[] {
  const out: OpSpec[] = [];
  const want = (op: string) => ops.includes(op);
  if (want('matmul')) for (const n of sizes.matmul) out.push({ op: 'matmul', n });
  for (const op of ['add', 'mul', 'exp'] as const) if (want(op)) out.push({ op, n: sizes.elementwise });
  if (want('sum')) out.push({ op: 'sum', rows: sizes.sum[0], cols: sizes.sum[1] });
  if (want('gather')) out.push({ op: 'gather', ...sizes.gather });
  if (want('memcpy')) for (const n of [sizes.elementwise, ...sizes.memcpy]) out.push({ op: 'memcpy', n });
  return out;
}

export function shapeOf(s: OpSpec): number[] {
  switch (s.op) {
    case 'matmul': return [s.n, s.n, s.n];
    case 'sum': return [s.rows, s.cols];
    case 'gather': return [s.vocab, s.dim, s.count];
    default: return [s.n];
  }
}

/** flops (matmul) or bytes read + written (everything else) of one run. */
export function workOf(s: OpSpec): BenchCase['work'] {
  switch (s.op) {
    case 'matmul': return { flops: 2 * s.n ** 3 };
    case 'add': case 'mul': return { bytes: 12 * s.n };
    case 'exp': case 'memcpy': return { bytes: 8 * s.n };
    case 'sum': return { bytes: 4 * s.rows * s.cols + 4 * s.rows };
    case 'gather': return { bytes: 8 * s.count * s.dim + 4 * s.count };
  }
}

/** A backend under test: builds a case for a spec, or null when it does not implement that op. */
export interface Provider {
  readonly backend: string;
  /** Loads the backend; resolves to a reason string when it cannot run here, else null. */
  init(): Promise<string | null>;
  /** What it runs on (e.g. the WebGPU adapter), once initialised. */
  describe?(): string;
  /** How many threads it computes on, and what sets that (every peer states it: a 2-thread result
   *  beside a 1-thread one is not a like-for-like comparison). */
  threads(): string;
  make(spec: OpSpec, inputs: Inputs): BenchCase | null;
  dispose?(): void;
}

/** Deterministic input names, so every provider reads the same arrays. */
export const key = {
  a: (s: OpSpec) => `${s.op}:${shapeOf(s).join('x')}:a`,
  b: (s: OpSpec) => `${s.op}:${shapeOf(s).join('x')}:b`,
};
