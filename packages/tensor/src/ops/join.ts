// cat / stack / split / chunk / pad. cat and pad allocate the output once and write each piece
// with the backend's `assign` (strided copy into a sub-view); split and chunk are views.

import type { View } from '../backend.js';
import { promoteTypes } from '../dtype.js';
import { ShapeError, fmtShape } from '../errors.js';
import { contiguousStrides, normalizeAxis } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { cast } from './elementwise.js';
import { commonBackend, disposeAll, product, wrap } from './util.js';
import { narrow, unsqueeze } from './views.js';

/** Concatenates along `axis`; all other axes must match. dtypes promote. */
export function cat(ts: readonly Tensor[], axis = 0): Tensor {
  if (ts.length === 0) throw new ShapeError('cat', 'needs at least one tensor');
  const backend = commonBackend('cat', ...ts);
  const first = ts[0];
  const a = normalizeAxis('cat', axis, first.rank);
  let dt = first.dtype;
  let total = 0;
  for (const t of ts) {
    const ok = t.rank === first.rank && t.shape.every((d, i) => i === a || d === first.shape[i]);
    if (!ok) throw new ShapeError('cat', `shapes ${fmtShape(first.shape)} and ${fmtShape(t.shape)} differ outside axis ${a}`);
    dt = promoteTypes(dt, t.dtype);
    total += t.shape[a];
  }
  const shape = first.shape.slice();
  shape[a] = total;
  const strides = contiguousStrides(shape);
  // the pieces cover the output: no need to zero it first where the backend can skip that
  const out = backend.empty?.(dt, product(shape)) ?? backend.fill(dt, product(shape), 0);
  let pos = 0;
  try {
    for (const t of ts) {
      if (t.size > 0) {
        const src = t.dtype === dt ? t : cast(t, dt);
        const dstView: View = { shape: t.shape, strides, offset: pos * strides[a] };
        backend.assign(out, dstView, src.ref);
        if (src !== t) src.dispose();
      }
      pos += t.shape[a];
    }
  } catch (e) {
    backend.free(out);
    throw e;
  }
  return wrap(backend, out, shape);
}

/** Stacks equal-shaped tensors along a new axis. */
export function stack(ts: readonly Tensor[], axis = 0): Tensor {
  if (ts.length === 0) throw new ShapeError('stack', 'needs at least one tensor');
  const first = ts[0];
  for (const t of ts) {
    if (t.rank !== first.rank || t.shape.some((d, i) => d !== first.shape[i])) {
      throw new ShapeError('stack', `shapes ${fmtShape(first.shape)} and ${fmtShape(t.shape)} differ`);
    }
  }
  const a = normalizeAxis('stack', axis, first.rank + 1);
  const us = ts.map((t) => unsqueeze(t, a));
  try {
    return cat(us, a);
  } finally {
    disposeAll(us);
  }
}

/** torch.split: `sizes` a number = pieces of that size (the last may be smaller); an array =
 *  the exact piece sizes (must sum to the axis size). Views. */
export function split(x: Tensor, sizes: number | readonly number[], axis = 0): Tensor[] {
  x.assertLive('split');
  const a = normalizeAxis('split', axis, x.rank);
  const n = x.shape[a];
  let parts: number[];
  if (typeof sizes === 'number') {
    if (!Number.isInteger(sizes) || sizes <= 0) throw new ShapeError('split', `split size must be a positive integer, got ${sizes}`);
    parts = [];
    for (let s = 0; s < n; s += sizes) parts.push(Math.min(sizes, n - s));
    if (n === 0) parts.push(0);
  } else {
    parts = sizes.slice();
    const total = parts.reduce((p, q) => p + q, 0);
    if (total !== n || parts.some((p) => !Number.isInteger(p) || p < 0)) {
      throw new ShapeError('split', `sizes [${parts.join(',')}] do not sum to axis ${a} of ${fmtShape(x.shape)}`);
    }
  }
  const out: Tensor[] = [];
  let pos = 0;
  for (const p of parts) {
    out.push(narrow(x, a, pos, p));
    pos += p;
  }
  return out;
}

/** torch.chunk: up to n pieces of size ceil(size / n). */
export function chunk(x: Tensor, n: number, axis = 0): Tensor[] {
  if (!Number.isInteger(n) || n <= 0) throw new ShapeError('chunk', `number of chunks must be a positive integer, got ${n}`);
  const a = normalizeAxis('chunk', axis, x.rank);
  const size = x.shape[a];
  return split(x, Math.max(1, Math.ceil(size / n)), a);
}

/** Pads every axis with [before, after] elements of `value` (NumPy order: pads[0] is axis 0). */
export function pad(x: Tensor, pads: readonly (readonly [number, number])[], value = 0): Tensor {
  x.assertLive('pad');
  if (pads.length !== x.rank) {
    throw new ShapeError('pad', `needs one [before, after] pair per axis of ${fmtShape(x.shape)}, got ${pads.length}`);
  }
  for (const [b, e] of pads) {
    if (!Number.isInteger(b) || !Number.isInteger(e) || b < 0 || e < 0) throw new ShapeError('pad', `invalid padding [${b}, ${e}]`);
  }
  const backend = x.storage.backend;
  const shape = x.shape.map((d, i) => d + pads[i][0] + pads[i][1]);
  const strides = contiguousStrides(shape);
  const out = backend.fill(x.dtype, product(shape), value);
  if (x.size > 0) {
    const offset = pads.reduce((o, [b], i) => o + b * strides[i], 0);
    backend.assign(out, { shape: x.shape, strides, offset }, x.ref);
  }
  return wrap(backend, out, shape);
}
