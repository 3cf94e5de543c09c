// The linear map's fused kernels: y = x @ wᵀ + b, and GELU applied to it in the same pass.

import { getKernel } from '../registry.js';
import { scope } from '../scope.js';
import type { Tensor } from '../tensor.js';
import { add, gelu } from '../ops/elementwise.js';
import { matmul } from '../ops/linalg.js';
import { transpose } from '../ops/views.js';
import { geluWithGradComposed } from './gelu.js';

declare module '../registry.js' {
  interface KernelSignatures {
    /** x @ wᵀ + b: x (…, in), w (out, in), b (out) or null → (…, out). */
    linear(x: Tensor, w: Tensor, b: Tensor | null): Tensor;
    /** The exact GELU of a linear map, z = x @ wᵀ + b (shapes as `linear`): y = z·Φ(z), and with
     *  `withGrad` also dydz = Φ(z) + z·φ(z) (for a backward that is one multiply); dydz null without. */
    linearGelu(x: Tensor, w: Tensor, b: Tensor | null, withGrad: boolean): { y: Tensor; dydz: Tensor | null };
  }
}

/** x @ wᵀ + b, composed: the reference for the 'linear' kernel. */
export function linearComposed(x: Tensor, w: Tensor, b: Tensor | null): Tensor {
  return scope(() => {
    const y = matmul(x, transpose(w, 0, 1));
    return b ? add(y, b) : y;
  });
}

/** The reference composition of the 'linearGelu' kernel: the 'linear' kernel (or its composition),
 *  then GELU ('geluWithGrad' when `withGrad`). */
export function linearGeluComposed(x: Tensor, w: Tensor, b: Tensor | null, withGrad: boolean): { y: Tensor; dydz: Tensor | null } {
  return scope(() => {
    const lin = getKernel('linear', x.backend);
    const z = lin ? lin(x, w, b) : linearComposed(x, w, b);
    if (!withGrad) return { y: gelu(z), dydz: null };
    const gg = getKernel('geluWithGrad', x.backend);
    const r = gg ? gg(z) : geluWithGradComposed(z);
    return { y: r.y, dydz: r.dydx };
  });
}
