// gather / indexSelect / embedding / scatterAdd / topk. Indices are int32.

import type { StridedRef } from '../backend.js';
import { DTypeError, IndexError, ShapeError, fmtShape } from '../errors.js';
import { contiguousStrides, normalizeAxis } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { cast } from './elementwise.js';
import { commonBackend, disposeAll, product, refAs, wrap } from './util.js';
import { permute, reshape } from './views.js';

function intIndex(op: string, index: Tensor): void {
  index.assertLive(op);
  if (index.dtype !== 'int32') throw new DTypeError(op, `index must be int32, got ${index.dtype} ${fmtShape(index.shape)}`);
}

/** [O, A, I] split of `shape` around axis `a`, with the axis size replaced by `n`. */
function around(shape: readonly number[], a: number, n: number): [number, number, number] {
  return [product(shape, 0, a), n, product(shape, a + 1)];
}

/** torch.gather: y[..., j, ...] = x[..., index[..., j, ...], ...] along `axis`; y has index's
 *  shape, and index.shape[d] ≤ x.shape[d] for d ≠ axis. */
export function gather(x: Tensor, axis: number, index: Tensor): Tensor {
  const backend = commonBackend('gather', x, index);
  intIndex('gather', index);
  const a = normalizeAxis('gather', axis, x.rank);
  if (index.rank !== x.rank || index.shape.some((d, i) => i !== a && d > x.shape[i])) {
    throw new ShapeError('gather', `index shape ${fmtShape(index.shape)} does not fit input ${fmtShape(x.shape)} along axis ${a}`);
  }
  const temps: Tensor[] = [];
  try {
    // x narrowed to index's extent on every other axis
    const xShape = index.shape.map((d, i) => (i === a ? x.shape[a] : d));
    const xn = x.view(xShape, x.strides, x.offset);
    temps.push(xn);
    const xr = refAs('gather', xn, around(xShape, a, x.shape[a]), temps);
    const ir = refAs('gather', index, around(index.shape, a, index.shape[a]), temps);
    if (index.size === 0) return wrap(backend, backend.fill(x.dtype, 0, 0), index.shape);
    if (x.shape[a] === 0) throw new IndexError('gather', `cannot index an empty axis of ${fmtShape(x.shape)}`);
    return wrap(backend, backend.gather(xr, ir), index.shape);
  } finally {
    disposeAll(temps);
  }
}

/** Rows `index` (1-D int32) of `axis`: y.shape = x.shape with axis size = index.length. */
export function indexSelect(x: Tensor, axis: number, index: Tensor): Tensor {
  const backend = commonBackend('indexSelect', x, index);
  intIndex('indexSelect', index);
  if (index.rank > 1) throw new ShapeError('indexSelect', `index must be 1-D, got ${fmtShape(index.shape)}`);
  const a = normalizeAxis('indexSelect', axis, x.rank);
  const n = index.rank === 0 ? 1 : index.shape[0];
  const outShape = x.shape.slice();
  outShape[a] = n;
  if (index.rank === 0) outShape.splice(a, 1);
  const temps: Tensor[] = [];
  try {
    const [O, A, I] = around(x.shape, a, x.shape[a]);
    const xr = refAs('indexSelect', x, [O, A, I], temps);
    // the 1-D index seen as [O, N, I] with stride 0 on O and I
    const ir: StridedRef = { buffer: index.storage.buffer, view: { shape: [O, n, I], strides: [0, index.rank === 0 ? 0 : index.strides[0], 0], offset: index.offset } };
    if (O * n * I === 0) return wrap(backend, backend.fill(x.dtype, 0, 0), outShape);
    if (A === 0) throw new IndexError('indexSelect', `cannot index an empty axis of ${fmtShape(x.shape)}`);
    return wrap(backend, backend.gather(xr, ir), outShape);
  } finally {
    disposeAll(temps);
  }
}

/** weight: [V, D], ids: int32 of any shape → [...ids.shape, D]. */
export function embedding(weight: Tensor, ids: Tensor): Tensor {
  if (weight.rank !== 2) throw new ShapeError('embedding', `weight must be [V, D], got ${fmtShape(weight.shape)}`);
  const flat = reshape(ids, [ids.size]);
  try {
    const rows = indexSelect(weight, 0, flat);
    try {
      return reshape(rows, [...ids.shape, weight.shape[1]]);
    } finally {
      rows.dispose();
    }
  } finally {
    flat.dispose();
  }
}

/** torch.scatter_add (out of place): y = copy of x; y[..., index[..., j, ...], ...] += src[..., j, ...]
 *  along `axis`. index.shape ≤ src.shape on every axis and ≤ x.shape off `axis`. */
export function scatterAdd(x: Tensor, axis: number, index: Tensor, src: Tensor): Tensor {
  const backend = commonBackend('scatterAdd', x, index, src);
  intIndex('scatterAdd', index);
  const a = normalizeAxis('scatterAdd', axis, x.rank);
  if (index.rank !== x.rank || src.rank !== x.rank
    || index.shape.some((d, i) => d > src.shape[i] || (i !== a && d > x.shape[i]))) {
    throw new ShapeError('scatterAdd', `index ${fmtShape(index.shape)} does not fit input ${fmtShape(x.shape)} and src ${fmtShape(src.shape)} along axis ${a}`);
  }
  const temps: Tensor[] = [];
  try {
    const s = src.dtype === x.dtype ? src : cast(src, x.dtype);
    if (s !== src) temps.push(s);
    const sn = s.view(index.shape, s.strides, s.offset);
    temps.push(sn);
    const ir = refAs('scatterAdd', index, around(index.shape, a, index.shape[a]), temps);
    const sr = refAs('scatterAdd', sn, around(index.shape, a, index.shape[a]), temps);
    const full = index.shape.every((d, i) => i === a || d === x.shape[i]);
    if (full) {
      const xr = refAs('scatterAdd', x, around(x.shape, a, x.shape[a]), temps);
      if (index.size === 0) return wrap(backend, backend.unary('copy', x.ref, x.dtype), x.shape);
      return wrap(backend, backend.scatterAdd(xr, ir, sr), x.shape);
    }
    // index covers only part of x off-axis: scatter into that region, then write it into a copy
    const subShape = index.shape.map((d, i) => (i === a ? x.shape[a] : d));
    const xs = x.view(subShape, x.strides, x.offset);
    temps.push(xs);
    const xr = refAs('scatterAdd', xs, around(subShape, a, x.shape[a]), temps);
    const out = backend.unary('copy', x.ref, x.dtype);
    if (index.size > 0) {
      const part = backend.scatterAdd(xr, ir, sr);
      backend.assign(out, { shape: subShape, strides: contiguousStrides(x.shape), offset: 0 },
        { buffer: part, view: { shape: subShape, strides: contiguousStrides(subShape), offset: 0 } });
      backend.free(part);
    }
    return wrap(backend, out, x.shape);
  } finally {
    disposeAll(temps);
  }
}

/** The k largest along `axis`, descending; ties keep the lower index first. indices are int32. */
export function topk(x: Tensor, k: number, axis = -1): { values: Tensor; indices: Tensor } {
  x.assertLive('topk');
  const a = normalizeAxis('topk', axis, x.rank);
  const A = x.shape[a];
  if (!Number.isInteger(k) || k < 0 || k > A) throw new IndexError('topk', `k = ${k} out of range for axis ${a} of ${fmtShape(x.shape)}`);
  const backend = x.storage.backend;
  const perm = x.shape.map((_, i) => i).filter((i) => i !== a);
  perm.push(a);
  const inv = perm.map((_, i) => perm.indexOf(i));
  const pShape = perm.map((i) => x.shape[i]);
  const O = product(pShape, 0, pShape.length - 1);
  const temps: Tensor[] = [];
  try {
    const p = permute(x, perm);
    temps.push(p);
    const ref = refAs('topk', p, [O, A], temps);
    const kShape = [...pShape.slice(0, -1), k];
    let values, indices;
    if (O * k === 0) {
      values = wrap(backend, backend.fill(x.dtype, 0, 0), [O, k]);
      indices = wrap(backend, backend.fill('int32', 0, 0), [O, k]);
    } else {
      const r = backend.topk(ref, k);
      values = wrap(backend, r.values, [O, k]);
      indices = wrap(backend, r.indices, [O, k]);
    }
    temps.push(values, indices);
    const back = (t: Tensor): Tensor => {
      const r = reshape(t, kShape);
      try {
        return permute(r, inv);
      } finally {
        r.dispose();
      }
    };
    return { values: back(values), indices: back(indices) };
  } finally {
    disposeAll(temps);
  }
}
