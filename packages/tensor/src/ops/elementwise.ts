// Elementwise ops: unary, binary (NumPy broadcasting), where, clamp, cast.
//
// dtype rules (see dtype.ts): binary operands are promoted to a common dtype before the backend
// sees them (bool → int32 for arithmetic; int / int → float32 for div). Comparisons and logical
// ops give bool. Transcendental unary ops need a float tensor (DTypeError otherwise).

import type { BinaryOp, DType, StridedRef, UnaryOp } from '../backend.js';
import { isFloat, promoteTypes, scalarDType } from '../dtype.js';
import { DTypeError, fmtShape } from '../errors.js';
import { broadcastShapes, broadcastStrides } from '../shape.js';
import { Tensor, type TensorLike } from '../tensor.js';
import { commonBackend, wrap } from './util.js';
import type { Backend } from '../backend.js';

// ---- cast -----------------------------------------------------------------------------------

/** Elementwise conversion (float → int truncates toward zero; → bool is x != 0). Same dtype → a view. */
export function cast(x: Tensor, dtype: DType): Tensor {
  x.assertLive('cast');
  if (x.dtype === dtype) return x.view(x.shape, x.strides, x.offset);
  const b = x.storage.backend;
  if (!b.supportsDType(dtype)) throw new DTypeError('cast', `backend '${b.name}' does not support ${dtype}`);
  return wrap(b, b.cast(x.ref, dtype), x.shape);
}

/** A contiguous copy. */
export function clone(x: Tensor): Tensor {
  x.assertLive('clone');
  const b = x.storage.backend;
  return wrap(b, b.unary('copy', x.ref, x.dtype), x.shape);
}

// ---- unary ----------------------------------------------------------------------------------

const FLOAT_ONLY = new Set<UnaryOp>(['exp', 'log', 'sqrt', 'rsqrt', 'reciprocal', 'sin', 'cos', 'tanh', 'sigmoid', 'erf', 'gelu']);

function unary(op: UnaryOp, name: string, x: Tensor): Tensor {
  x.assertLive(name);
  const b = x.storage.backend;
  if (op === 'not') return wrap(b, b.unary('not', x.ref, 'bool'), x.shape);
  if (FLOAT_ONLY.has(op) && !isFloat(x.dtype)) {
    throw new DTypeError(name, `needs a float tensor, got ${x.dtype} ${fmtShape(x.shape)} (cast first)`);
  }
  if ((op === 'floor' || op === 'ceil' || op === 'round') && !isFloat(x.dtype)) return x.view(x.shape, x.strides, x.offset);
  if (x.dtype === 'bool') {
    const xi = cast(x, 'int32');
    try {
      return wrap(b, b.unary(op, xi.ref, 'int32'), x.shape);
    } finally {
      xi.dispose();
    }
  }
  return wrap(b, b.unary(op, x.ref, x.dtype), x.shape);
}

export const neg = (x: Tensor): Tensor => unary('neg', 'neg', x);
export const abs = (x: Tensor): Tensor => unary('abs', 'abs', x);
export const sign = (x: Tensor): Tensor => unary('sign', 'sign', x);
export const exp = (x: Tensor): Tensor => unary('exp', 'exp', x);
export const log = (x: Tensor): Tensor => unary('log', 'log', x);
export const sqrt = (x: Tensor): Tensor => unary('sqrt', 'sqrt', x);
/** 1 / √x */
export const rsqrt = (x: Tensor): Tensor => unary('rsqrt', 'rsqrt', x);
export const reciprocal = (x: Tensor): Tensor => unary('reciprocal', 'reciprocal', x);
export const square = (x: Tensor): Tensor => unary('square', 'square', x);
export const sin = (x: Tensor): Tensor => unary('sin', 'sin', x);
export const cos = (x: Tensor): Tensor => unary('cos', 'cos', x);
export const tanh = (x: Tensor): Tensor => unary('tanh', 'tanh', x);
/** 1 / (1 + e^{-x}) */
export const sigmoid = (x: Tensor): Tensor => unary('sigmoid', 'sigmoid', x);
/** max(x, 0) */
export const relu = (x: Tensor): Tensor => unary('relu', 'relu', x);
export const erf = (x: Tensor): Tensor => unary('erf', 'erf', x);
/** exact GELU: x · Φ(x) = x/2 · (1 + erf(x / √2)) */
export const gelu = (x: Tensor): Tensor => unary('gelu', 'gelu', x);
export const floor = (x: Tensor): Tensor => unary('floor', 'floor', x);
export const ceil = (x: Tensor): Tensor => unary('ceil', 'ceil', x);
/** round half to even */
export const round = (x: Tensor): Tensor => unary('round', 'round', x);
/** x == 0, as bool */
export const logicalNot = (x: Tensor): Tensor => unary('not', 'logicalNot', x);

// ---- binary ---------------------------------------------------------------------------------

type Kind = 'arith' | 'div' | 'cmp' | 'logic';

function dtypeOf(x: TensorLike, other: TensorLike): DType {
  if (x instanceof Tensor) return x.dtype;
  return other instanceof Tensor ? scalarDType(x, other.dtype) : 'float32';
}
function shapeOf(x: TensorLike): readonly number[] {
  return x instanceof Tensor ? x.shape : [];
}

/** A ref of operand `x` in dtype `dt`, broadcast to `shape`; scalars become 1-element buffers
 *  with all-zero strides. Cleanup actions go on `temps`. */
export function operandRef(name: string, backend: Backend, x: TensorLike, dt: DType, shape: readonly number[], temps: (() => void)[]): StridedRef {
  if (!(x instanceof Tensor)) {
    const buf = backend.fill(dt, 1, x);
    temps.push(() => backend.free(buf));
    return { buffer: buf, view: { shape, strides: shape.map(() => 0), offset: 0 } };
  }
  let t = x;
  if (t.dtype !== dt) {
    const c = cast(t, dt);
    temps.push(() => c.dispose());
    t = c;
  }
  return { buffer: t.storage.buffer, view: { shape, strides: broadcastStrides(name, t.shape, t.strides, shape), offset: t.offset } };
}

function binary(op: BinaryOp, name: string, kind: Kind, a: TensorLike, b: TensorLike): Tensor {
  const backend = commonBackend(name, a, b);
  let ct = promoteTypes(dtypeOf(a, b), dtypeOf(b, a));
  if (kind === 'arith' && ct === 'bool') ct = 'int32';
  if (kind === 'div' && !isFloat(ct)) ct = 'float32';
  const outD: DType = kind === 'cmp' || kind === 'logic' ? 'bool' : ct;
  const shape = broadcastShapes(name, shapeOf(a), shapeOf(b));
  const temps: (() => void)[] = [];
  try {
    const ra = operandRef(name, backend, a, ct, shape, temps);
    const rb = operandRef(name, backend, b, ct, shape, temps);
    return wrap(backend, backend.binary(op, ra, rb, shape, outD), shape);
  } finally {
    for (const f of temps) f();
  }
}

export const add = (a: TensorLike, b: TensorLike): Tensor => binary('add', 'add', 'arith', a, b);
export const sub = (a: TensorLike, b: TensorLike): Tensor => binary('sub', 'sub', 'arith', a, b);
export const mul = (a: TensorLike, b: TensorLike): Tensor => binary('mul', 'mul', 'arith', a, b);
/** true division: int / int gives float32 */
export const div = (a: TensorLike, b: TensorLike): Tensor => binary('div', 'div', 'div', a, b);
export const pow = (a: TensorLike, b: TensorLike): Tensor => binary('pow', 'pow', 'arith', a, b);
/** elementwise max; NaN propagates */
export const maximum = (a: TensorLike, b: TensorLike): Tensor => binary('maximum', 'maximum', 'arith', a, b);
export const minimum = (a: TensorLike, b: TensorLike): Tensor => binary('minimum', 'minimum', 'arith', a, b);
/** floor modulo: a - floor(a / b)·b (sign of b, like NumPy `mod` / torch `remainder`) */
export const mod = (a: TensorLike, b: TensorLike): Tensor => binary('mod', 'mod', 'arith', a, b);
export const eq = (a: TensorLike, b: TensorLike): Tensor => binary('eq', 'eq', 'cmp', a, b);
export const ne = (a: TensorLike, b: TensorLike): Tensor => binary('ne', 'ne', 'cmp', a, b);
export const lt = (a: TensorLike, b: TensorLike): Tensor => binary('lt', 'lt', 'cmp', a, b);
export const le = (a: TensorLike, b: TensorLike): Tensor => binary('le', 'le', 'cmp', a, b);
export const gt = (a: TensorLike, b: TensorLike): Tensor => binary('gt', 'gt', 'cmp', a, b);
export const ge = (a: TensorLike, b: TensorLike): Tensor => binary('ge', 'ge', 'cmp', a, b);
export const logicalAnd = (a: TensorLike, b: TensorLike): Tensor => binary('and', 'logicalAnd', 'logic', a, b);
export const logicalOr = (a: TensorLike, b: TensorLike): Tensor => binary('or', 'logicalOr', 'logic', a, b);

// ---- select ---------------------------------------------------------------------------------

/** cond ? a : b elementwise, all three broadcast together; cond is read as bool (x != 0). */
export function where(cond: Tensor, a: TensorLike, b: TensorLike): Tensor {
  const backend = commonBackend('where', cond, a, b);
  const dt = promoteTypes(dtypeOf(a, b), dtypeOf(b, a));
  const shape = broadcastShapes('where', broadcastShapes('where', cond.shape, shapeOf(a)), shapeOf(b));
  const temps: (() => void)[] = [];
  try {
    const rc = operandRef('where', backend, cond, 'bool', shape, temps);
    const ra = operandRef('where', backend, a, dt, shape, temps);
    const rb = operandRef('where', backend, b, dt, shape, temps);
    return wrap(backend, backend.where(rc, ra, rb, shape), shape);
  } finally {
    for (const f of temps) f();
  }
}

/** min(max(x, lo), hi); either bound may be omitted (null / undefined). */
export function clamp(x: Tensor, lo?: TensorLike | null, hi?: TensorLike | null): Tensor {
  x.assertLive('clamp');
  if (lo == null && hi == null) return x.view(x.shape, x.strides, x.offset);
  if (hi == null) return maximum(x, lo as TensorLike);
  if (lo == null) return minimum(x, hi);
  const m = maximum(x, lo);
  try {
    return minimum(m, hi);
  } finally {
    m.dispose();
  }
}
