// Gradient clipping by global norm (torch.nn.utils.clip_grad_norm_):
//   total = ‖(‖g_1‖, …, ‖g_n‖)‖_p;   g_i ← g_i · min(1, max / (total + 1e-6))
// Stays on the device (no read-back): the coefficient is a tensor, and multiplying by exactly 1
// leaves the gradients unchanged bit for bit.

import * as T from '@avey/tensor';
import type { Tensor } from '@avey/tensor';
import { Variable } from '../variable.js';

/** Clips in place (replaces each .grad) and returns the total norm before clipping (0-d tensor). */
export function clipGradNorm(params: readonly Variable[], maxNorm: number, normType: 1 | 2 = 2): Tensor {
  const withGrad = params.filter((p) => p.grad !== null);
  if (withGrad.length === 0) return T.zeros([]);
  return T.scope(() => {
    const norms = withGrad.map((p) => T.norm(p.grad!.value, normType));
    const total = T.norm(T.stack(norms), normType);
    const coef = T.clamp(T.div(maxNorm, T.add(total, 1e-6)), null, 1);
    for (const p of withGrad) {
      const old = p.grad!.value;
      p.grad = new Variable(T.keep(T.mul(old, T.cast(coef, old.dtype))));
      old.dispose();
    }
    return total;
  });
}
