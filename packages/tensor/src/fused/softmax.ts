// Softmax's reference compositions (the public ops live in ops/nn.ts and look their kernels up in
// the core registry) and the fused kernel of its gradient.

import { scope } from '../scope.js';
import type { Tensor } from '../tensor.js';
import { div, exp, mul, sub } from '../ops/elementwise.js';
import { logsumexp, max, sum } from '../ops/reduce.js';

declare module '../registry.js' {
  interface KernelSignatures {
    /** softmax's vector-Jacobian product along the last axis: y·(g − Σ_j g_j·y_j), y the softmax output. */
    softmaxGrad(y: Tensor, g: Tensor): Tensor;
  }
}

/** exp(x − max) / Σ exp(x − max) along axis `a`: the reference for the 'softmax' kernel. */
export function softmaxComposed(x: Tensor, a: number): Tensor {
  return scope(() => {
    const e = exp(sub(x, max(x, a, true)));
    return div(e, sum(e, a, true));
  });
}

/** x − logsumexp(x) along axis `a`: the reference for the 'logSoftmax' kernel. */
export function logSoftmaxComposed(x: Tensor, a: number): Tensor {
  return scope(() => sub(x, logsumexp(x, a, true)));
}

/** The reference composition of the 'softmaxGrad' kernel (last axis). */
export function softmaxGradComposed(y: Tensor, g: Tensor): Tensor {
  return scope(() => mul(y, sub(g, sum(mul(g, y), -1, true))));
}
