// dtypes: element sizes, typed-array constructors, promotion.
//
// Promotion order: bool < int32 < float32 < float64 (NumPy-like, no int64).
// Arithmetic never produces bool (bool → int32); true division of ints gives float32.

import type { ArrayFor, DType, TypedArray } from './backend.js';
import { DTypeError } from './errors.js';

export type { ArrayFor, DType, TypedArray } from './backend.js';

export const DTYPES: readonly DType[] = ['float32', 'float64', 'int32', 'bool'];

const RANK: Record<DType, number> = { bool: 0, int32: 1, float32: 2, float64: 3 };

export function isDType(x: unknown): x is DType {
  return x === 'float32' || x === 'float64' || x === 'int32' || x === 'bool';
}
export function isFloat(d: DType): boolean {
  return d === 'float32' || d === 'float64';
}
export function isIntLike(d: DType): boolean {
  return d === 'int32' || d === 'bool';
}

export function bytesPerElement(d: DType): number {
  switch (d) {
    case 'float32': return 4;
    case 'float64': return 8;
    case 'int32': return 4;
    case 'bool': return 1;
  }
}

/** A zero-filled typed array for `d`. */
export function allocArray<D extends DType>(d: D, n: number): ArrayFor<D> {
  switch (d) {
    case 'float32': return new Float32Array(n) as ArrayFor<D>;
    case 'float64': return new Float64Array(n) as ArrayFor<D>;
    case 'int32': return new Int32Array(n) as ArrayFor<D>;
    case 'bool': return new Uint8Array(n) as ArrayFor<D>;
  }
  throw new DTypeError('allocArray', `unknown dtype ${String(d)}`);
}

/** The dtype a typed array naturally holds. */
export function dtypeOfArray(a: TypedArray): DType {
  if (a instanceof Float32Array) return 'float32';
  if (a instanceof Float64Array) return 'float64';
  if (a instanceof Int32Array) return 'int32';
  return 'bool';
}

/** The smallest dtype both `a` and `b` convert to without loss (in the order above). */
export function promoteTypes(a: DType, b: DType): DType {
  return RANK[a] >= RANK[b] ? a : b;
}

/** The dtype a JS number scalar takes next to a tensor of dtype `d` ("weak" scalar):
 *  the tensor's dtype, except that a non-integer number next to an int/bool tensor is float32
 *  and an integer next to a bool tensor is int32. */
export function scalarDType(value: number, d: DType): DType {
  if (isFloat(d)) return d;
  if (!Number.isInteger(value)) return 'float32';
  return d === 'bool' ? 'int32' : d;
}

/** Converts a JS number to what storing it in dtype `d` gives (float32 rounding, int32 truncation, bool). */
export function coerceScalar(value: number, d: DType): number {
  switch (d) {
    case 'float32': return Math.fround(value);
    case 'float64': return value;
    case 'int32': return value | 0;
    case 'bool': return value !== 0 ? 1 : 0;
  }
}
