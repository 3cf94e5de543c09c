// matmul with torch semantics: 1-D operands are promoted (a: [K] → [1, K], b: [K] → [K, 1]) and
// the promoted axis removed afterwards; leading (batch) axes broadcast, e.g. (T,T) @ (B,T,E).

import { isFloat, promoteTypes } from '../dtype.js';
import { DTypeError, ShapeError, fmtShape } from '../errors.js';
import { broadcastShapes, reshapeStrides } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { cast } from './elementwise.js';
import { commonBackend, disposeAll, product, refAs, wrap } from './util.js';
import { expand, reshape } from './views.js';

export function matmul(a: Tensor, b: Tensor): Tensor {
  const backend = commonBackend('matmul', a, b);
  if (a.rank === 0 || b.rank === 0) {
    throw new ShapeError('matmul', `operands must have rank ≥ 1, got ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`);
  }
  const dt = promoteTypes(a.dtype, b.dtype);
  if (!isFloat(dt)) throw new DTypeError('matmul', `needs float operands, got ${a.dtype} and ${b.dtype} (cast first)`);
  const as = a.rank === 1 ? [1, a.shape[0]] : a.shape.slice();
  const bs = b.rank === 1 ? [b.shape[0], 1] : b.shape.slice();
  const [M, K] = as.slice(-2);
  const [K2, N] = bs.slice(-2);
  if (K !== K2) {
    throw new ShapeError('matmul', `inner dimensions differ: ${fmtShape(a.shape)} @ ${fmtShape(b.shape)} (${K} vs ${K2})`);
  }
  const batch = broadcastShapes('matmul', as.slice(0, -2), bs.slice(0, -2));
  const B = product(batch);
  const temps: Tensor[] = [];
  try {
    // (…, M, K) @ (K, N) with rows that view as one (B·M, K) matrix: one GEMM instead of B
    if (a.rank > 2 && b.rank === 2 && B > 1 && reshapeStrides(a.shape, a.strides, [B * M, K])) {
      const a2 = reshape(a, [B * M, K]);
      temps.push(a2);
      const y = matmul(a2, b);
      temps.push(y);
      return reshape(y, [...batch, M, N]);
    }
    const prep = (t: Tensor, shape2: number[], rows: number, cols: number) => {
      let u = t.dtype === dt ? t : cast(t, dt);
      if (u !== t) temps.push(u);
      const r = reshape(u, shape2);
      temps.push(r);
      const e = expand(r, [...batch, rows, cols]);
      temps.push(e);
      return refAs('matmul', e, [B, rows, cols], temps);
    };
    const ra = prep(a, as, M, K);
    const rb = prep(b, bs, K, N);
    const outShape = [...batch];
    if (a.rank > 1) outShape.push(M);
    if (b.rank > 1) outShape.push(N);
    return wrap(backend, backend.matmul(ra, rb), outShape);
  } finally {
    disposeAll(temps);
  }
}
