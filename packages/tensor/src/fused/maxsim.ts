// MaxSim's fused kernel (the Avey-B ranker): the grouped max of a batched product.

import { scope } from '../scope.js';
import type { Tensor } from '../tensor.js';
import { matmul } from '../ops/linalg.js';
import { max } from '../ops/reduce.js';
import { reshape } from '../ops/views.js';

declare module '../registry.js' {
  interface KernelSignatures {
    /** MaxSim's grouped max of a batched product: a (B, M, K), b (B, K, N), N % S == 0 →
     *  (B, M, N/S) with [b, m, q] = max_{j < S} (a_b @ b_b)[m, qS + j] (= max(reshape(matmul(a, b),
     *  [B, M, N/S, S]), −1)); the product itself need not be materialised. */
    matmulGroupMax(a: Tensor, b: Tensor, groupSize: number): Tensor;
  }
}

/** The reference composition of the 'matmulGroupMax' kernel. */
export function matmulGroupMaxComposed(a: Tensor, b: Tensor, groupSize: number): Tensor {
  return scope(() => {
    const p = matmul(a, b);                                         // (B, M, N)
    const [B, M, N] = p.shape;
    return max(reshape(p, [B, M, N / groupSize, groupSize]), -1);  // (B, M, N/S)
  });
}
