// Shape, stride and broadcast arithmetic. Pure functions on plain arrays (property-tested).
// Strides and offsets count elements, not bytes. Row-major ("C") order throughout.

import { IndexError, ShapeError, fmtShape } from './errors.js';

export type Shape = readonly number[];

export function sizeOf(shape: Shape): number {
  let n = 1;
  for (let i = 0; i < shape.length; i++) n *= shape[i];
  return n;
}

export function shapesEqual(a: Shape, b: Shape): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Row-major strides: strides[i] = prod(shape[i+1:]). */
export function contiguousStrides(shape: Shape): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

/** True when a view with these strides walks memory in row-major order without gaps
 *  (size-1 axes may carry any stride). */
export function isContiguous(shape: Shape, strides: Shape): boolean {
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    if (shape[i] === 1) continue;
    if (shape[i] === 0) return true;
    if (strides[i] !== acc) return false;
    acc *= shape[i];
  }
  return true;
}

export function validateShape(op: string, shape: Shape): void {
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new ShapeError(op, `invalid shape ${fmtShape(shape)}`);
  }
}

/** NumPy broadcasting of two shapes; throws ShapeError naming `op` and both shapes. */
export function broadcastShapes(op: string, a: Shape, b: Shape): number[] {
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const da = i < n - a.length ? 1 : a[i - (n - a.length)];
    const db = i < n - b.length ? 1 : b[i - (n - b.length)];
    if (da === db || db === 1) out[i] = da;
    else if (da === 1) out[i] = db;
    else throw new ShapeError(op, `cannot broadcast shapes ${fmtShape(a)} and ${fmtShape(b)}`);
  }
  return out;
}

/** Strides that view (shape, strides) as `target` (a broadcast of shape): new leading axes and
 *  expanded size-1 axes get stride 0. Throws ShapeError if `shape` does not broadcast to `target`. */
export function broadcastStrides(op: string, shape: Shape, strides: Shape, target: Shape): number[] {
  const n = target.length;
  if (shape.length > n) throw new ShapeError(op, `cannot broadcast ${fmtShape(shape)} to ${fmtShape(target)}`);
  const out = new Array<number>(n);
  const lead = n - shape.length;
  for (let i = 0; i < n; i++) {
    if (i < lead) { out[i] = 0; continue; }
    const d = shape[i - lead];
    if (d === target[i]) out[i] = d === 1 ? 0 : strides[i - lead];
    else if (d === 1) out[i] = 0;
    else throw new ShapeError(op, `cannot broadcast ${fmtShape(shape)} to ${fmtShape(target)}`);
  }
  return out;
}

/** Normalises a possibly negative axis for a tensor of rank `rank`. */
export function normalizeAxis(op: string, axis: number, rank: number): number {
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank) {
    throw new IndexError(op, `axis ${axis} out of range for rank ${rank}`);
  }
  return axis < 0 ? axis + rank : axis;
}

/** Sorted, de-duplicated, non-negative axes; `undefined` = all axes. */
export function normalizeAxes(op: string, axes: number | readonly number[] | undefined, rank: number): number[] {
  if (axes === undefined) return Array.from({ length: rank }, (_, i) => i);
  const list = typeof axes === 'number' ? [axes] : axes;
  const out = list.map((a) => normalizeAxis(op, a, rank));
  out.sort((x, y) => x - y);
  for (let i = 1; i < out.length; i++) {
    if (out[i] === out[i - 1]) throw new IndexError(op, `repeated axis ${out[i]} in [${list.join(',')}]`);
  }
  return out;
}

/** Resolves one -1 in a reshape target. */
export function inferReshape(op: string, size: number, shape: Shape): number[] {
  let infer = -1;
  let known = 1;
  for (let i = 0; i < shape.length; i++) {
    const d = shape[i];
    if (d === -1) {
      if (infer >= 0) throw new ShapeError(op, `only one -1 allowed in ${fmtShape(shape)}`);
      infer = i;
    } else if (!Number.isInteger(d) || d < 0) {
      throw new ShapeError(op, `invalid shape ${fmtShape(shape)}`);
    } else known *= d;
  }
  const out = shape.slice();
  if (infer >= 0) {
    if (known === 0 || size % known !== 0) {
      throw new ShapeError(op, `cannot reshape size ${size} into ${fmtShape(shape)}`);
    }
    out[infer] = size / known;
  } else if (known !== size) {
    throw new ShapeError(op, `cannot reshape size ${size} into ${fmtShape(shape)}`);
  }
  return out;
}

/** Strides that let (shape, strides) be viewed as `newShape` without copying, or null when the
 *  memory layout does not allow it (same algorithm as torch's `computeStride`). */
export function reshapeStrides(shape: Shape, strides: Shape, newShape: Shape): number[] | null {
  const out = new Array<number>(newShape.length);
  if (sizeOf(shape) === 0) return contiguousStrides(newShape);
  let viewD = newShape.length - 1;
  let chunkBase = strides[strides.length - 1] ?? 1;
  let tensorNumel = 1;
  let viewNumel = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    tensorNumel *= shape[d];
    // a chunk of old dims ends where the next (outer) dim is not contiguous with it
    if (d === 0 || (shape[d - 1] !== 1 && strides[d - 1] !== tensorNumel * chunkBase)) {
      while (viewD >= 0 && (viewNumel < tensorNumel || newShape[viewD] === 1)) {
        out[viewD] = viewNumel * chunkBase;
        viewNumel *= newShape[viewD];
        viewD--;
      }
      if (viewNumel !== tensorNumel) return null;
      if (d > 0) {
        chunkBase = strides[d - 1];
        tensorNumel = 1;
        viewNumel = 1;
      }
    }
  }
  if (viewD !== -1) {
    // only trailing size-1 dims can remain (when the old shape is empty / rank 0)
    while (viewD >= 0) {
      if (newShape[viewD] !== 1) return null;
      out[viewD] = 1;
      viewD--;
    }
  }
  return out;
}

/** Merges adjacent axes that are contiguous for EVERY stride list, and drops size-1 axes.
 *  Used by kernels to turn n-d strided loops into as few (and as long) rows as possible.
 *  Always returns at least one axis. */
export function collapseDims(shape: Shape, strides: readonly Shape[]): { shape: number[]; strides: number[][] } {
  const k = strides.length;
  const outShape: number[] = [];
  const outStrides: number[][] = strides.map(() => []);
  for (let d = 0; d < shape.length; d++) {
    const n = shape[d];
    if (n === 1) continue;
    const last = outShape.length - 1;
    if (last >= 0) {
      let ok = true;
      for (let s = 0; s < k; s++) {
        if (outStrides[s][last] !== strides[s][d] * n) { ok = false; break; }
      }
      if (ok) {
        outShape[last] *= n;
        for (let s = 0; s < k; s++) outStrides[s][last] = strides[s][d];
        continue;
      }
    }
    outShape.push(n);
    for (let s = 0; s < k; s++) outStrides[s].push(strides[s][d]);
  }
  if (outShape.length === 0) {
    outShape.push(1);
    for (let s = 0; s < k; s++) outStrides[s].push(0);
  }
  return { shape: outShape, strides: outStrides };
}
