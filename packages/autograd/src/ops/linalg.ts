// matmul with torch semantics: 1-D operands are promoted ((K) → (1, K) on the left, (K, 1) on
// the right) and the added axis removed afterwards; leading (batch) axes broadcast.
//   C = A @ B:  dA = g @ Bᵀ,  dB = Aᵀ @ g, each summed back over broadcast batch axes.

import * as T from '@avey/tensor';
import type { Tensor } from '@avey/tensor';
import { Variable, record } from '../variable.js';
import { reshape, squeeze, transpose, unsqueeze } from './shape.js';
import { liftVar, unbroadcast } from './util.js';

export function matmul(a: Variable | Tensor, b: Variable | Tensor): Variable {
  const x = liftVar(a), y = liftVar(b);
  if (x.rank === 1 && y.rank === 1) return squeeze(matmulNd(unsqueeze(x, 0), unsqueeze(y, 1)), [0, 1]);
  if (x.rank === 1) return squeeze(matmulNd(unsqueeze(x, 0), y), -2);
  if (y.rank === 1) return squeeze(matmulNd(x, unsqueeze(y, 1)), -1);
  return matmulNd(x, y);
}

// (…, M, K) @ (…, K, N) → (…, M, N)
function matmulNd(x: Variable, y: Variable): Variable {
  return record('matmul', T.matmul(x.value, y.value), [x, y], (g, needs) => [
    needs[0] ? unbroadcast(matmulNd(g, transpose(y, -2, -1)), x.shape) : null,
    needs[1] ? weightGrad(x, y, g) : null,
  ]);
}

// dB = Aᵀ @ g summed over batch axes. For a 2-D B (a linear layer: (…, M, K) @ (K, N)) fold the
// batch into M instead: (K, B·M) @ (B·M, N), without materialising a (B, K, N) intermediate.
function weightGrad(x: Variable, y: Variable, g: Variable): Variable {
  if (y.rank === 2 && x.rank > 2) {
    const k = x.shape[x.rank - 1], n = y.shape[1];
    return matmulNd(transpose(reshape(x, [-1, k]), 0, 1), reshape(g, [-1, n]));
  }
  return unbroadcast(matmulNd(transpose(x, -2, -1), g), y.shape);
}
