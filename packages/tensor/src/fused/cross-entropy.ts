// Softmax cross-entropy's fused kernels: the loss rows and their gradient in one pass each.

import { scope } from '../scope.js';
import type { Tensor } from '../tensor.js';
import { cast, exp, mul, ne, sub, where } from '../ops/elementwise.js';
import { zerosLike } from '../ops/creation.js';
import { gather, scatterAdd } from '../ops/indexing.js';
import { logsumexp } from '../ops/reduce.js';
import { reshape, squeeze, unsqueeze } from '../ops/views.js';

declare module '../registry.js' {
  interface KernelSignatures {
    /** Cross-entropy rows of logits z (N, C) and int32 labels y (N): per_n = (lse_n − z_n[ỹ_n])·v_n
     *  with v_n = [y_n ≠ ignore], ỹ_n = y_n or 0 when ignored; also lse_n = log Σ_j exp z_nj.
     *  With keepProbs, also the softmax p_nj = exp(z_nj − lse_n) (so the gradient needs no exp). */
    softmaxCrossEntropy(z: Tensor, y: Tensor, ignoreIndex: number, keepProbs?: boolean): { per: Tensor; lse: Tensor; probs: Tensor | null };
    /** Its gradient for row weights w (N): dz_nj = w_n·(p_nj − [j = ỹ_n]), p = probs when given,
     *  else exp(z_nj − lse_n). */
    softmaxCrossEntropyGrad(z: Tensor, lse: Tensor, y: Tensor, w: Tensor, ignoreIndex: number, probs?: Tensor | null): Tensor;
  }
}

/** The reference composition of the 'softmaxCrossEntropy' kernel. */
export function softmaxCrossEntropyComposed(z: Tensor, y: Tensor, ignoreIndex: number, keepProbs = false): { per: Tensor; lse: Tensor; probs: Tensor | null } {
  return scope(() => {
    const valid = ne(y, ignoreIndex);
    const safe = unsqueeze(where(valid, y, 0), 1);                 // (N, 1)
    const picked = squeeze(gather(z, 1, safe), 1);                 // (N)
    const lse = logsumexp(z, 1);                                   // (N)
    const probs = keepProbs ? exp(sub(z, reshape(lse, [lse.size, 1]))) : null;
    return { per: mul(sub(lse, picked), cast(valid, z.dtype)), lse, probs };
  });
}

/** The reference composition of the 'softmaxCrossEntropyGrad' kernel. */
export function softmaxCrossEntropyGradComposed(z: Tensor, lse: Tensor, y: Tensor, w: Tensor, ignoreIndex: number, probs: Tensor | null = null): Tensor {
  return scope(() => {
    const safe = unsqueeze(where(ne(y, ignoreIndex), y, 0), 1);    // (N, 1)
    const wk = reshape(w, [w.size, 1]);                             // (N, 1)
    const p = probs ?? exp(sub(z, reshape(lse, [lse.size, 1])));    // softmax (N, C)
    return sub(mul(p, wk), scatterAdd(zerosLike(z), 1, safe, wk));
  });
}
