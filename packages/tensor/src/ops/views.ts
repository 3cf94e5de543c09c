// Shape ops. All are zero-copy views except reshape of a layout that cannot be viewed (which
// copies, like torch.reshape) and contiguous() of a non-contiguous tensor.

import { IndexError, ShapeError, fmtShape } from '../errors.js';
import {
  broadcastStrides, inferReshape, isContiguous, normalizeAxes, normalizeAxis, reshapeStrides, validateShape,
} from '../shape.js';
import type { Tensor } from '../tensor.js';
import { wrap } from './util.js';

/** A contiguous tensor: a view when already contiguous, else a copy. */
export function contiguous(x: Tensor): Tensor {
  x.assertLive('contiguous');
  if (isContiguous(x.shape, x.strides)) return x.view(x.shape, x.strides, x.offset);
  const b = x.storage.backend;
  return wrap(b, b.unary('copy', x.ref, x.dtype), x.shape);
}

/** Same elements in a new shape (one -1 inferred). A view when the strides allow it. */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  x.assertLive('reshape');
  const ns = inferReshape('reshape', x.size, shape);
  const strides = reshapeStrides(x.shape, x.strides, ns);
  if (strides) return x.view(ns, strides, x.offset);
  const c = contiguous(x);
  try {
    return c.view(ns, reshapeStrides(c.shape, c.strides, ns) as number[], c.offset);
  } finally {
    c.dispose();
  }
}

/** Merges axes start..end (inclusive) into one. A rank-0 tensor becomes [1]. */
export function flatten(x: Tensor, start = 0, end = -1): Tensor {
  if (x.rank === 0) return reshape(x, [1]);
  const s = normalizeAxis('flatten', start, x.rank);
  const e = normalizeAxis('flatten', end, x.rank);
  if (s > e) throw new IndexError('flatten', `start axis ${start} is after end axis ${end}`);
  const shape = [...x.shape.slice(0, s), x.shape.slice(s, e + 1).reduce((a, b) => a * b, 1), ...x.shape.slice(e + 1)];
  return reshape(x, shape);
}

/** Removes size-1 axes (all of them, or the listed ones, which must have size 1). */
export function squeeze(x: Tensor, axes?: number | readonly number[]): Tensor {
  x.assertLive('squeeze');
  const drop = new Set<number>();
  if (axes === undefined) x.shape.forEach((d, i) => d === 1 && drop.add(i));
  else {
    for (const a of normalizeAxes('squeeze', axes, x.rank)) {
      if (x.shape[a] !== 1) throw new ShapeError('squeeze', `axis ${a} of shape ${fmtShape(x.shape)} has size ${x.shape[a]}, not 1`);
      drop.add(a);
    }
  }
  const shape: number[] = [], strides: number[] = [];
  x.shape.forEach((d, i) => {
    if (!drop.has(i)) {
      shape.push(d);
      strides.push(x.strides[i]);
    }
  });
  return x.view(shape, strides, x.offset);
}

/** Inserts a size-1 axis at `axis` (in -(rank+1) … rank). */
export function unsqueeze(x: Tensor, axis: number): Tensor {
  x.assertLive('unsqueeze');
  const a = normalizeAxis('unsqueeze', axis, x.rank + 1);
  const shape = x.shape.slice();
  const strides = x.strides.slice();
  const st = a < x.rank ? x.strides[a] * x.shape[a] : 1;
  shape.splice(a, 0, 1);
  strides.splice(a, 0, st);
  return x.view(shape, strides, x.offset);
}

/** Broadcast view to `shape` (NumPy rules; -1 keeps the existing size). Expanded axes have stride 0. */
export function expand(x: Tensor, shape: readonly number[]): Tensor {
  x.assertLive('expand');
  const lead = shape.length - x.rank;
  if (lead < 0) throw new ShapeError('expand', `cannot expand ${fmtShape(x.shape)} to fewer axes ${fmtShape(shape)}`);
  const target = shape.map((d, i) => (d === -1 && i >= lead ? x.shape[i - lead] : d));
  validateShape('expand', target);
  return x.view(target, broadcastStrides('expand', x.shape, x.strides, target), x.offset);
}

export function broadcastTo(x: Tensor, shape: readonly number[]): Tensor {
  return expand(x, shape);
}

/** Reorders axes: result axis i is input axis dims[i]. */
export function permute(x: Tensor, dims: readonly number[]): Tensor {
  x.assertLive('permute');
  if (dims.length !== x.rank) throw new ShapeError('permute', `dims [${dims.join(',')}] do not match rank ${x.rank} of ${fmtShape(x.shape)}`);
  const seen = new Set<number>();
  const ds = dims.map((d) => normalizeAxis('permute', d, x.rank));
  for (const d of ds) {
    if (seen.has(d)) throw new IndexError('permute', `dims [${dims.join(',')}] is not a permutation`);
    seen.add(d);
  }
  return x.view(ds.map((d) => x.shape[d]), ds.map((d) => x.strides[d]), x.offset);
}

/** Swaps two axes (default: the last two). */
export function transpose(x: Tensor, d0 = -2, d1 = -1): Tensor {
  x.assertLive('transpose');
  const a = normalizeAxis('transpose', d0, x.rank);
  const b = normalizeAxis('transpose', d1, x.rank);
  const dims = Array.from({ length: x.rank }, (_, i) => i);
  dims[a] = b;
  dims[b] = a;
  return permute(x, dims);
}

/** Python-style slice per axis: starts/ends/steps apply to the leading axes (missing = whole axis).
 *  Negative indices count from the end, out-of-range bounds clamp, steps may be negative. */
export function slice(x: Tensor, starts: readonly number[], ends: readonly number[], steps?: readonly number[]): Tensor {
  x.assertLive('slice');
  if (starts.length > x.rank || ends.length > x.rank || (steps && steps.length > x.rank)) {
    throw new ShapeError('slice', `more slice bounds than axes of ${fmtShape(x.shape)}`);
  }
  const shape = x.shape.slice();
  const strides = x.strides.slice();
  let offset = x.offset;
  const n = Math.max(starts.length, ends.length, steps?.length ?? 0);
  for (let d = 0; d < n; d++) {
    const size = x.shape[d];
    const step = steps?.[d] ?? 1;
    if (!Number.isInteger(step) || step === 0) throw new ShapeError('slice', `invalid step ${step} on axis ${d}`);
    const clampIdx = (v: number | undefined, dflt: number): number => {
      if (v === undefined) return dflt;
      let i = v < 0 ? v + size : v;
      if (i < 0) i = step < 0 ? -1 : 0;
      else if (i >= size) i = step < 0 ? size - 1 : size;
      return i;
    };
    const s = clampIdx(starts[d], step > 0 ? 0 : size - 1);
    const e = clampIdx(ends[d], step > 0 ? size : -1);
    const len = step > 0 ? (s < e ? Math.floor((e - s - 1) / step) + 1 : 0) : (e < s ? Math.floor((s - e - 1) / -step) + 1 : 0);
    shape[d] = len;
    if (len > 0) offset += s * x.strides[d];
    strides[d] = x.strides[d] * step;
  }
  return x.view(shape, strides, offset);
}

/** Elements start … start+length-1 of `axis` (start may be negative). */
export function narrow(x: Tensor, axis: number, start: number, length: number): Tensor {
  x.assertLive('narrow');
  const a = normalizeAxis('narrow', axis, x.rank);
  const size = x.shape[a];
  const s = start < 0 ? start + size : start;
  if (!Number.isInteger(s) || !Number.isInteger(length) || s < 0 || length < 0 || s + length > size) {
    throw new IndexError('narrow', `range start ${start}, length ${length} out of bounds for axis ${a} of ${fmtShape(x.shape)}`);
  }
  const shape = x.shape.slice();
  shape[a] = length;
  return x.view(shape, x.strides, x.offset + (length > 0 ? s * x.strides[a] : 0));
}
