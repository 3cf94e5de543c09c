// AdamW's fused kernel: one optimiser step of one parameter (torch.optim.AdamW semantics).
//   p ← p·decay                           decay = 1 − lr·wd (1 without weight decay)
//   m ← m + (g − m)·a1                    a1 = 1 − β1
//   v ← v·β2 + g·g·a2                     a2 = 1 − β2
//   p ← p − (m / (√v / c2 + eps))·stepSize     c2 = √(1 − β2ᵗ), stepSize = lr / (1 − β1ᵗ)

import { scope } from '../scope.js';
import type { Tensor } from '../tensor.js';
import { add, div, mul, sqrt, sub } from '../ops/elementwise.js';
import { zerosLike } from '../ops/creation.js';

/** The step's scalars, derived from (lr, β1, β2, eps, weight decay, step t) as above. */
export interface AdamWStep { decay: number; a1: number; a2: number; beta2: number; c2: number; eps: number; stepSize: number }

declare module '../registry.js' {
  interface KernelSignatures {
    /** One AdamW step: parameter p, gradient g, moments m and v (null on the first step: zeros),
     *  all of one shape and dtype → the new p, m and v (fresh tensors; the inputs are untouched). */
    adamw(p: Tensor, g: Tensor, m: Tensor | null, v: Tensor | null, h: AdamWStep): { p: Tensor; m: Tensor; v: Tensor };
  }
}

/** The step's scalars for learning rate lr, betas, eps, weight decay wd at step t (1-based). */
export function adamwStep(lr: number, beta1: number, beta2: number, eps: number, wd: number, t: number): AdamWStep {
  return {
    decay: wd !== 0 ? 1 - lr * wd : 1, a1: 1 - beta1, a2: 1 - beta2, beta2,
    c2: Math.sqrt(1 - beta2 ** t), eps, stepSize: lr / (1 - beta1 ** t),
  };
}

/** The reference composition of the 'adamw' kernel, in tensor ops (any backend). */
export function adamwComposed(p: Tensor, g: Tensor, m0: Tensor | null, v0: Tensor | null, h: AdamWStep): { p: Tensor; m: Tensor; v: Tensor } {
  return scope(() => {
    const decayed = h.decay !== 1 ? mul(p, h.decay) : p;
    const mPrev = m0 ?? zerosLike(p);
    const vPrev = v0 ?? zerosLike(p);
    const m = add(mPrev, mul(sub(g, mPrev), h.a1));
    const v = add(mul(vPrev, h.beta2), mul(mul(g, g), h.a2));
    const denom = add(div(sqrt(v), h.c2), h.eps);
    return { p: sub(decayed, mul(div(m, denom), h.stepSize)), m, v };
  });
}
