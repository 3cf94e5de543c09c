// RMSNorm's and LayerNorm's fused kernels (over the last axis) and their gradients.

import { scope } from '../scope.js';
import type { Tensor } from '../tensor.js';
import { add, div, maximum, mul, rsqrt, sqrt, square, sub } from '../ops/elementwise.js';
import { mean, sum } from '../ops/reduce.js';
import { reshape } from '../ops/views.js';

declare module '../registry.js' {
  interface KernelSignatures {
    /** RMSNorm over the last axis: y = x·r·w, r = (mean(x²) + eps)^−½ per row; w (D) or null. */
    rmsNorm(x: Tensor, w: Tensor | null, eps: number): Tensor;
    /** Its gradient: dx = r·(g·w) − x·r³·mean(g·w·x), dw = Σ_rows g·x·r (null without w). */
    rmsNormGrad(x: Tensor, w: Tensor | null, g: Tensor, eps: number): { dx: Tensor; dw: Tensor | null };
    /** LayerNorm over the last axis: y = (x − μ)·r·w + b, r = (var(x) + eps)^−½ (population var). */
    layerNorm(x: Tensor, w: Tensor | null, b: Tensor | null, eps: number): Tensor;
    /** Its gradient (x̂ = (x − μ)·r, ĝ = g·w): dx = r·(ĝ − mean(ĝ) − x̂·mean(ĝ·x̂)), dw = Σ_rows g·x̂, db = Σ_rows g. */
    layerNormGrad(x: Tensor, w: Tensor | null, g: Tensor, eps: number): { dx: Tensor; dw: Tensor; db: Tensor };
    /** F.normalize(x, p=2, dim=−1): x / max(√max(Σ x², 1e-30), eps) per row of the last axis (the
     *  inner clamp keeps an all-zero row's gradient finite in the composition; see avey-b). */
    normalizeL2(x: Tensor, eps: number): Tensor;
  }
}

/** The reference composition of the 'normalizeL2' kernel. */
export function normalizeL2Composed(x: Tensor, eps: number): Tensor {
  return scope(() => div(x, maximum(sqrt(maximum(sum(square(x), -1, true), 1e-30)), eps)));
}

/** Sum over every axis but the last, as a (D) vector. */
function sumRows(x: Tensor, D: number): Tensor {
  const rows = [...Array(x.rank - 1).keys()];
  return reshape(rows.length > 0 ? sum(x, rows) : x, [D]);
}

/** The reference composition of the 'rmsNorm' kernel. */
export function rmsNormComposed(x: Tensor, w: Tensor | null, eps: number): Tensor {
  return scope(() => {
    const y = mul(x, rsqrt(add(mean(square(x), -1, true), eps)));
    return w ? mul(y, w) : y;
  });
}

/** The reference composition of the 'rmsNormGrad' kernel. */
export function rmsNormGradComposed(x: Tensor, w: Tensor | null, g: Tensor, eps: number): { dx: Tensor; dw: Tensor | null } {
  return scope(() => {
    const r = rsqrt(add(mean(square(x), -1, true), eps));          // (…, 1)
    const gw = w ? mul(g, w) : g;
    const dx = sub(mul(gw, r), mul(mul(x, mul(r, mul(r, r))), mean(mul(gw, x), -1, true)));
    const dw = w ? sumRows(mul(g, mul(x, r)), w.size) : null;
    return { dx, dw };
  });
}

/** The reference composition of the 'layerNorm' kernel. */
export function layerNormComposed(x: Tensor, w: Tensor | null, b: Tensor | null, eps: number): Tensor {
  return scope(() => {
    const xc = sub(x, mean(x, -1, true));
    let y = mul(xc, rsqrt(add(mean(square(xc), -1, true), eps)));
    if (w) y = mul(y, w);
    return b ? add(y, b) : y;
  });
}

/** The reference composition of the 'layerNormGrad' kernel. */
export function layerNormGradComposed(x: Tensor, w: Tensor | null, g: Tensor, eps: number): { dx: Tensor; dw: Tensor; db: Tensor } {
  return scope(() => {
    const xc = sub(x, mean(x, -1, true));
    const r = rsqrt(add(mean(square(xc), -1, true), eps));
    const xh = mul(xc, r);
    const gw = w ? mul(g, w) : g;
    const dx = mul(r, sub(sub(gw, mean(gw, -1, true)), mul(xh, mean(mul(gw, xh), -1, true))));
    const D = x.shape[x.rank - 1];
    return { dx, dw: sumRows(mul(g, xh), D), db: sumRows(g, D) };
  });
}
