// Index ops. gather and scatterAdd are each other's adjoints:
//   y = gather(x, axis, idx)         → dx = scatterAdd(0, axis, idx, g)
//   y = scatterAdd(x, axis, idx, s)  → dx = g, ds = gather(g, axis, idx)
// indexSelect, embedding and topk reduce to the same pair. Indices carry no gradient.

import * as T from '@avey/tensor';
import type { Tensor } from '@avey/tensor';
import { Variable, record } from '../variable.js';
import { reshape } from './shape.js';
import { liftVar } from './util.js';

const raw = (t: Variable | Tensor): Tensor => (t instanceof Variable ? t.value : t);
const zerosOf = (x: Variable) => new Variable(T.zerosLike(x.value));

export function gather(x: Variable, axis: number, index: Variable | Tensor): Variable {
  const idx = raw(index);
  return record('gather', T.gather(x.value, axis, idx), [x], (g) => [scatterAdd(zerosOf(x), axis, idx, g)]);
}

export function scatterAdd(x: Variable | Tensor, axis: number, index: Variable | Tensor, src: Variable | Tensor): Variable {
  const xv = liftVar(x), sv = liftVar(src), idx = raw(index);
  return record('scatterAdd', T.scatterAdd(xv.value, axis, idx, sv.value), [xv, sv], (g, needs) => [
    needs[0] ? g : null,
    needs[1] ? gather(g, axis, idx) : null,
  ]);
}

// y = x.indexSelect(axis, idx): dx = scatterAdd(0, axis, idx broadcast to g's shape, g)
export function indexSelect(x: Variable, axis: number, index: Variable | Tensor): Variable {
  const idx = raw(index);
  const a = axis < 0 ? axis + x.rank : axis;
  return record('indexSelect', T.indexSelect(x.value, a, idx), [x], (g) => {
    const shape = g.shape.map((_, i) => (i === a ? idx.size : 1));
    const full = T.expand(T.reshape(idx, shape), [...g.shape]);
    return [scatterAdd(zerosOf(x), a, full, g)];
  });
}

// y = weight[ids]: (…ids, D); dW = scatterAdd(0, 0, ids (N, D), g (N, D))
export function embedding(weight: Variable, ids: Variable | Tensor): Variable {
  const idx = raw(ids);
  return record('embedding', T.embedding(weight.value, idx), [weight], (g) => {
    const d = weight.shape[1];
    const n = idx.size;
    const full = T.expand(T.reshape(idx, [n, 1]), [n, d]);
    return [scatterAdd(zerosOf(weight), 0, full, reshape(g, [n, d]))];
  });
}

// values = gather(x, axis, indices): d values → scatterAdd to the selected positions
export function topk(x: Variable, k: number, axis = -1): { values: Variable; indices: Variable } {
  const { values, indices } = T.topk(x.value, k, axis);
  const v = record('topk', values, [x], (g) => [scatterAdd(zerosOf(x), axis, indices, g)]);
  return { values: v, indices: new Variable(indices) };
}
