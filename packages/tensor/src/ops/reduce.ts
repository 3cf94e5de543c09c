// Reductions. Every reduction permutes the reduced axes to the end, views the tensor as
// [outer, inner] (copying only when the layout does not allow that view) and calls the backend's
// last-axis `reduce` primitive.  `axes` undefined = all axes; keepDim keeps them as size 1.

import type { ReduceOp } from '../backend.js';
import { isFloat } from '../dtype.js';
import { DTypeError, ShapeError, fmtShape } from '../errors.js';
import { getKernel } from '../registry.js';
import { scope } from '../scope.js';
import { normalizeAxes, normalizeAxis } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { abs, add, cast, div, exp, log, lt, sqrt, square, sub, where } from './elementwise.js';
import { permute, reshape } from './views.js';
import { disposeAll, product, refAs, wrap } from './util.js';

export type Axes = number | readonly number[];

function reduceShape(shape: readonly number[], axes: readonly number[], keepDim: boolean): number[] {
  const out: number[] = [];
  shape.forEach((d, i) => {
    if (!axes.includes(i)) out.push(d);
    else if (keepDim) out.push(1);
  });
  return out;
}

/** The primitive reduction over `axes` of x (x's dtype must already be the one to reduce in). */
function reduceAxes(op: ReduceOp, name: string, x: Tensor, axes: Axes | undefined, keepDim: boolean): Tensor {
  x.assertLive(name);
  const ax = normalizeAxes(name, axes, x.rank);
  const kept = x.shape.map((_, i) => i).filter((i) => !ax.includes(i));
  const outer = product(kept.map((i) => x.shape[i]));
  const inner = product(ax.map((i) => x.shape[i]));
  if (inner === 0 && op !== 'sum' && op !== 'prod' && outer > 0) {
    throw new ShapeError(name, `cannot reduce an empty axis of shape ${fmtShape(x.shape)}`);
  }
  const backend = x.storage.backend;
  const temps: Tensor[] = [];
  try {
    const p = permute(x, [...kept, ...ax]);
    temps.push(p);
    const ref = refAs(name, p, [outer, inner], temps);
    return wrap(backend, backend.reduce(op, ref), reduceShape(x.shape, ax, keepDim));
  } finally {
    disposeAll(temps);
  }
}

/** Number of elements reduced by `axes`. */
function countOf(name: string, x: Tensor, axes: Axes | undefined): number {
  return product(normalizeAxes(name, axes, x.rank).map((i) => x.shape[i]));
}

/** sum / prod promote bool to int32. */
function sumLike(op: 'sum' | 'prod', x: Tensor, axes: Axes | undefined, keepDim: boolean): Tensor {
  if (x.dtype !== 'bool') return reduceAxes(op, op, x, axes, keepDim);
  const xi = cast(x, 'int32');
  try {
    return reduceAxes(op, op, xi, axes, keepDim);
  } finally {
    xi.dispose();
  }
}

export function sum(x: Tensor, axes?: Axes, keepDim = false): Tensor {
  return sumLike('sum', x, axes, keepDim);
}
export function prodOf(x: Tensor, axes?: Axes, keepDim = false): Tensor {
  return sumLike('prod', x, axes, keepDim);
}
export { prodOf as prod };

/** NaN propagates. Reducing an empty axis throws ShapeError. */
export function max(x: Tensor, axes?: Axes, keepDim = false): Tensor {
  return reduceAxes('max', 'max', x, axes, keepDim);
}
export function min(x: Tensor, axes?: Axes, keepDim = false): Tensor {
  return reduceAxes('min', 'min', x, axes, keepDim);
}

function argReduce(op: 'argmax' | 'argmin', x: Tensor, axis: number | undefined, keepDim: boolean): Tensor {
  if (axis === undefined) {
    // index into the flattened tensor
    const r = reduceAxes(op, op, x, undefined, false);
    if (!keepDim) return r;
    try {
      return reshape(r, x.shape.map(() => 1));
    } finally {
      r.dispose();
    }
  }
  return reduceAxes(op, op, x, normalizeAxis(op, axis, x.rank), keepDim);
}
/** int32 index of the largest element along `axis` (first on ties); no axis = flattened index. */
export function argmax(x: Tensor, axis?: number, keepDim = false): Tensor {
  return argReduce('argmax', x, axis, keepDim);
}
export function argmin(x: Tensor, axis?: number, keepDim = false): Tensor {
  return argReduce('argmin', x, axis, keepDim);
}

function asFloat(x: Tensor): Tensor {
  return isFloat(x.dtype) ? x : cast(x, 'float32');
}

/** sum / count; ints are averaged in float32. */
export function mean(x: Tensor, axes?: Axes, keepDim = false): Tensor {
  return scope(() => div(sum(asFloat(x), axes, keepDim), countOf('mean', x, axes)));
}

/** Σ(x - mean)² / (count - correction); correction = 0 is the population variance (NumPy default). */
export function variance(x: Tensor, axes?: Axes, keepDim = false, correction = 0): Tensor {
  return scope(() => {
    const xf = asFloat(x);
    const d = sub(xf, mean(xf, axes, true));
    return div(sum(square(d), axes, keepDim), Math.max(countOf('variance', x, axes) - correction, 0));
  });
}

/** p = 1: Σ|x|;  p = 2: √(Σx²). */
export function norm(x: Tensor, p: 1 | 2 = 2, axes?: Axes, keepDim = false): Tensor {
  if (p !== 1 && p !== 2) throw new ShapeError('norm', `p must be 1 or 2, got ${String(p)}`);
  return scope(() => {
    const xf = asFloat(x);
    return p === 1 ? sum(abs(xf), axes, keepDim) : sqrt(sum(square(xf), axes, keepDim));
  });
}

/** log Σ exp(x), stabilised by the (finite) max: m + log Σ exp(x - m). */
export function logsumexp(x: Tensor, axes?: Axes, keepDim = false): Tensor {
  x.assertLive('logsumexp');
  if (!isFloat(x.dtype)) throw new DTypeError('logsumexp', `needs a float tensor, got ${x.dtype} ${fmtShape(x.shape)}`);
  const ax = normalizeAxes('logsumexp', axes, x.rank);
  const k = getKernel('logsumexp', x.backend);
  return k ? k(x, ax, keepDim) : logsumexpComposed(x, ax, keepDim);
}

/** The reference composition of logsumexp (kernels fall back to it); `ax` normalised. */
export function logsumexpComposed(x: Tensor, ax: number[], keepDim: boolean): Tensor {
  return scope(() => {
    const m = max(x, ax, true);
    const mSafe = where(lt(abs(m), Infinity), m, 0); // rows of ±inf / NaN: shift by 0
    const s = sum(exp(sub(x, mSafe)), ax, keepDim);
    const mOut = keepDim ? mSafe : reshape(mSafe, reduceShape(x.shape, ax, false));
    return add(log(s), mOut);
  });
}

