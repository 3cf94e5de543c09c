// Shape ops: views in the forward (zero-copy in @avey/tensor), and their adjoints in the vjp:
// reshape ↔ reshape back, permute ↔ inverse permute, expand ↔ sum (unbroadcast), slice ↔ pad,
// pad ↔ slice, cat ↔ narrow pieces.

import * as T from '@avey/tensor';
import { AveyError, type Tensor } from '@avey/tensor';
import { Variable, record } from '../variable.js';
import { liftVar, unbroadcast } from './util.js';
import { indexSelect } from './indexing.js';

const axisOf = (a: number, rank: number) => (a < 0 ? a + rank : a);

// d reshape = g reshaped back
export function reshape(x: Variable, shape: readonly number[]): Variable {
  return record('reshape', T.reshape(x.value, [...shape]), [x], (g) => [reshape(g, x.shape)]);
}

export function flatten(x: Variable, startDim = 0, endDim = -1): Variable {
  if (x.rank === 0) return reshape(x, [1]);
  const s = axisOf(startDim, x.rank), e = axisOf(endDim, x.rank);
  const mid = x.shape.slice(s, e + 1).reduce((a, b) => a * b, 1);
  return reshape(x, [...x.shape.slice(0, s), mid, ...x.shape.slice(e + 1)]);
}

// d transpose(d0, d1) = g transposed back
export function transpose(x: Variable, d0 = -2, d1 = -1): Variable {
  return record('transpose', T.transpose(x.value, d0, d1), [x], (g) => [transpose(g, d0, d1)]);
}

// d permute(p) = g permuted by p⁻¹
export function permute(x: Variable, dims: readonly number[]): Variable {
  const p = dims.map((d) => axisOf(d, x.rank));
  const inv = new Array<number>(p.length);
  p.forEach((d, i) => { inv[d] = i; });
  return record('permute', T.permute(x.value, p), [x], (g) => [permute(g, inv)]);
}

// squeeze / unsqueeze: d = g reshaped back
export function squeeze(x: Variable, axes?: number | readonly number[]): Variable {
  return record('squeeze', T.squeeze(x.value, axes), [x], (g) => [reshape(g, x.shape)]);
}
export function unsqueeze(x: Variable, axis: number): Variable {
  return record('unsqueeze', T.unsqueeze(x.value, axis), [x], (g) => [reshape(g, x.shape)]);
}

// d expand = g summed over the broadcast axes
export function expand(x: Variable, shape: readonly number[]): Variable {
  if (shape.length === x.rank && shape.every((d, i) => d === x.shape[i])) return x;
  return record('expand', T.expand(x.value, [...shape]), [x], (g) => [unbroadcast(g, x.shape)]);
}

// d contiguous = g
export function contiguous(x: Variable): Variable {
  return record('contiguous', T.contiguous(x.value), [x], (g) => [g]);
}

// d clone = g   (a copy that shares nothing with x)
export function clone(x: Variable): Variable {
  return record('clone', T.clone(x.value), [x], (g) => [g]);
}

/** Slice bounds on one axis, with @avey/tensor's clamping: the lowest selected index, the element
 *  count, the (positive) stride, and whether the slice runs backwards (negative step). */
function resolve(dim: number, start: number | undefined, end: number | undefined, step: number): { first: number; count: number; stride: number; reversed: boolean } {
  if (!Number.isInteger(step) || step === 0) throw new AveyError('slice', `invalid step ${step}`);
  const clampIdx = (v: number | undefined, dflt: number): number => {
    if (v === undefined) return dflt;
    const i = v < 0 ? v + dim : v;
    if (i < 0) return step < 0 ? -1 : 0;
    if (i >= dim) return step < 0 ? dim - 1 : dim;
    return i;
  };
  const s = clampIdx(start, step > 0 ? 0 : dim - 1);
  const e = clampIdx(end, step > 0 ? dim : -1);
  if (step > 0) return { first: s, count: s < e ? Math.floor((e - s - 1) / step) + 1 : 0, stride: step, reversed: false };
  const count = e < s ? Math.floor((s - e - 1) / -step) + 1 : 0;
  return { first: s + (count - 1) * step, count, stride: -step, reversed: true };
}

// d slice = g placed back at the sliced positions, zeros elsewhere: reverse (negative steps),
// interleave zeros (stride > 1: (c) → (c, stride) → (c·stride), trimmed to the span), then pad.
export function slice(x: Variable, starts: readonly (number | undefined)[], ends: readonly (number | undefined)[], steps?: readonly number[]): Variable {
  const value = T.slice(x.value, starts as number[], ends as number[], steps ? [...steps] : undefined);
  const n = Math.max(starts.length, ends.length, steps?.length ?? 0);
  const spans = Array.from({ length: n }, (_, a) => resolve(x.shape[a], starts[a], ends[a], steps?.[a] ?? 1));
  return record('slice', value, [x], (g) => {
    let y = g;
    spans.forEach(({ first, count, stride, reversed }, a) => {
      const dim = x.shape[a];
      if (count === 0) {
        y = pad(y, padWidths(y.rank, a, 0, dim));
        return;
      }
      if (reversed && count > 1) y = indexSelect(y, a, T.arange(count - 1, -1, -1, { dtype: 'int32', backend: g.backend }));
      if (stride > 1) {
        const shp = [...y.shape];
        y = pad(unsqueeze(y, a + 1), padWidths(y.rank + 1, a + 1, 0, stride - 1));
        y = reshape(y, [...shp.slice(0, a), count * stride, ...shp.slice(a + 1)]);
        const span = Math.min(count * stride, dim - first);
        if (span < count * stride) y = narrow(y, a, 0, span);
      }
      const len = y.shape[a];
      if (len !== dim) y = pad(y, padWidths(y.rank, a, first, dim - first - len));
    });
    return [y];
  });
}

function padWidths(rank: number, axis: number, before: number, after: number): [number, number][] {
  return Array.from({ length: rank }, (_, i): [number, number] => (i === axis ? [before, after] : [0, 0]));
}

// narrow = slice along one axis
export function narrow(x: Variable, axis: number, start: number, length: number): Variable {
  const a = axisOf(axis, x.rank);
  const starts = x.shape.map((_, i) => (i === a ? start : 0));
  const ends = x.shape.map((d, i) => (i === a ? start + length : d));
  return slice(x, starts, ends);
}

// d pad = the slice of g that covers the original
export function pad(x: Variable, widths: readonly (readonly [number, number])[], value = 0): Variable {
  for (const [b, e] of widths) {
    if (b < 0 || e < 0) throw new AveyError('pad', `negative pad widths [${b}, ${e}] are not supported by autograd`);
  }
  return record('pad', T.pad(x.value, widths.map(([b, e]): [number, number] => [b, e]), value), [x], (g) => {
    const starts = x.shape.map((_, i) => widths[i]?.[0] ?? 0);
    const ends = x.shape.map((d, i) => (widths[i]?.[0] ?? 0) + d);
    return [slice(g, starts, ends)];
  });
}

// d cat = g cut into the inputs' pieces along the axis
export function cat(xs: readonly (Variable | Tensor)[], axis = 0): Variable {
  const vs = xs.map(liftVar);
  if (vs.length === 0) throw new AveyError('cat', 'needs at least one tensor');
  const a = axisOf(axis, vs[0].rank);
  const value = T.cat(vs.map((v) => v.value), a);
  return record('cat', value, vs, (g, needs) => {
    let at = 0;
    return vs.map((v, i) => {
      const piece = needs[i] ? narrow(g, a, at, v.shape[a]) : null;
      at += v.shape[a];
      return piece;
    });
  });
}

// stack = cat of unsqueezed inputs
export function stack(xs: readonly (Variable | Tensor)[], axis = 0): Variable {
  const vs = xs.map(liftVar);
  if (vs.length === 0) throw new AveyError('stack', 'needs at least one tensor');
  const a = axis < 0 ? axis + vs[0].rank + 1 : axis;
  return cat(vs.map((v) => unsqueeze(v, a)), a);
}

/** split/chunk: the tensor package decides the piece sizes; each piece is a narrow of x. */
function pieces(x: Variable, parts: Tensor[], axis: number): Variable[] {
  const a = axisOf(axis, x.rank);
  let at = 0;
  return parts.map((p) => {
    const len = p.shape[a];
    p.dispose();
    const v = narrow(x, a, at, len);
    at += len;
    return v;
  });
}

export function split(x: Variable, sizes: number | readonly number[], axis = 0): Variable[] {
  return pieces(x, T.split(x.value, typeof sizes === 'number' ? sizes : [...sizes], axis), axis);
}

export function chunk(x: Variable, n: number, axis = 0): Variable[] {
  return pieces(x, T.chunk(x.value, n, axis), axis);
}
