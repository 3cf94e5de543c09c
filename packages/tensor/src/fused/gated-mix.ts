// The gated mix of an Avey-B layer: the contextualiser's product and gate in one kernel.

import { scope } from '../scope.js';
import type { Tensor } from '../tensor.js';
import { mul } from '../ops/elementwise.js';
import { matmul } from '../ops/linalg.js';
import { cat } from '../ops/join.js';
import { narrow } from '../ops/views.js';

declare module '../registry.js' {
  interface KernelSignatures {
    /** z = [v ‖ gate ‖ bypass]: (…, C, m) with v, gate: m/4 and bypass: m/2 columns; mix: (…, C, C)
     *  (z's leading shape) or (C, C) (shared) → [gate ⊙ (mix @ v) ‖ bypass]: (…, C, 3m/4). */
    gatedMix(z: Tensor, mix: Tensor): Tensor;
  }
}

/** The reference composition of the 'gatedMix' kernel. */
export function gatedMixComposed(z: Tensor, mix: Tensor): Tensor {
  const m4 = z.shape[z.rank - 1] / 4;
  return scope(() => {
    const v = narrow(z, -1, 0, m4), gate = narrow(z, -1, m4, m4), bypass = narrow(z, -1, 2 * m4, 2 * m4);
    return cat([mul(gate, matmul(mix, v)), bypass], -1);
  });
}
