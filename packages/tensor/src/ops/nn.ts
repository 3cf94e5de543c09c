// softmax, logSoftmax, normalize: composed from primitives; a backend may register a fused kernel.

import { isFloat } from '../dtype.js';
import { DTypeError, fmtShape } from '../errors.js';
import { getKernel } from '../registry.js';
import { scope } from '../scope.js';
import { normalizeAxis } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { add, div, erf, exp, gelu, maximum, mul, rsqrt, square, sub } from './elementwise.js';
import { logsumexp, max, mean, norm, sum } from './reduce.js';
import { cast, ne, where } from './elementwise.js';
import { gather, scatterAdd } from './indexing.js';
import { reshape, squeeze, unsqueeze } from './views.js';
import { zerosLike } from './creation.js';
import { matmul } from './linalg.js';
import { transpose } from './views.js';

declare module '../registry.js' {
  interface KernelSignatures {
    /** The exact GELU's vector-Jacobian product g·(Φ(x) + x·φ(x)); x, g of one shape and dtype. */
    geluGrad(x: Tensor, g: Tensor): Tensor;
    /** x @ wᵀ + b: x (…, in), w (out, in), b (out) or null → (…, out). */
    linear(x: Tensor, w: Tensor, b: Tensor | null): Tensor;
    /** The exact GELU of a linear map, z = x @ wᵀ + b (shapes as `linear`): y = z·Φ(z), and with
     *  `withGrad` also dydz = Φ(z) + z·φ(z) (for a backward that is one multiply); dydz null without. */
    linearGelu(x: Tensor, w: Tensor, b: Tensor | null, withGrad: boolean): { y: Tensor; dydz: Tensor | null };
    /** MaxSim's grouped max of a batched product: a (B, M, K), b (B, K, N), N % S == 0 →
     *  (B, M, N/S) with [b, m, q] = max_{j < S} (a_b @ b_b)[m, qS + j] (= max(reshape(matmul(a, b),
     *  [B, M, N/S, S]), −1)); the product itself need not be materialised. */
    matmulGroupMax(a: Tensor, b: Tensor, groupSize: number): Tensor;
    /** Cross-entropy rows of logits z (N, C) and int32 labels y (N): per_n = (lse_n − z_n[ỹ_n])·v_n
     *  with v_n = [y_n ≠ ignore], ỹ_n = y_n or 0 when ignored; also lse_n = log Σ_j exp z_nj. */
    /** With keepProbs, also the softmax p_nj = exp(z_nj − lse_n) (so the gradient needs no exp). */
    softmaxCrossEntropy(z: Tensor, y: Tensor, ignoreIndex: number, keepProbs?: boolean): { per: Tensor; lse: Tensor; probs: Tensor | null };
    /** Its gradient for row weights w (N): dz_nj = w_n·(p_nj − [j = ỹ_n]), p = probs when given,
     *  else exp(z_nj − lse_n). */
    softmaxCrossEntropyGrad(z: Tensor, lse: Tensor, y: Tensor, w: Tensor, ignoreIndex: number, probs?: Tensor | null): Tensor;
    /** GELU and its derivative in one pass: y = x·Φ(x), dydx = Φ(x) + x·φ(x) (for a backward that
     *  is then one multiply). */
    geluWithGrad(x: Tensor): { y: Tensor; dydx: Tensor };
    /** RMSNorm over the last axis: y = x·r·w, r = (mean(x²) + eps)^−½ per row; w (D) or null. */
    rmsNorm(x: Tensor, w: Tensor | null, eps: number): Tensor;
    /** Its gradient: dx = r·(g·w) − x·r³·mean(g·w·x), dw = Σ_rows g·x·r (null without w). */
    rmsNormGrad(x: Tensor, w: Tensor | null, g: Tensor, eps: number): { dx: Tensor; dw: Tensor | null };
    /** LayerNorm over the last axis: y = (x − μ)·r·w + b, r = (var(x) + eps)^−½ (population var). */
    layerNorm(x: Tensor, w: Tensor | null, b: Tensor | null, eps: number): Tensor;
    /** Its gradient (x̂ = (x − μ)·r, ĝ = g·w): dx = r·(ĝ − mean(ĝ) − x̂·mean(ĝ·x̂)), dw = Σ_rows g·x̂, db = Σ_rows g. */
    layerNormGrad(x: Tensor, w: Tensor | null, g: Tensor, eps: number): { dx: Tensor; dw: Tensor; db: Tensor };
    /** softmax's vector-Jacobian product along the last axis: y·(g − Σ_j g_j·y_j), y the softmax output. */
    softmaxGrad(y: Tensor, g: Tensor): Tensor;
  }
}

function floatOnly(op: string, x: Tensor): void {
  x.assertLive(op);
  if (!isFloat(x.dtype)) throw new DTypeError(op, `needs a float tensor, got ${x.dtype} ${fmtShape(x.shape)}`);
}

/** exp(x - max) / Σ exp(x - max) along `axis`. */
export function softmax(x: Tensor, axis = -1): Tensor {
  floatOnly('softmax', x);
  const a = normalizeAxis('softmax', axis, x.rank);
  const k = getKernel('softmax', x.backend);
  return k ? k(x, a) : softmaxComposed(x, a);
}

/** The reference composition (kernels fall back to it for cases they do not handle). */
export function softmaxComposed(x: Tensor, a: number): Tensor {
  return scope(() => {
    const e = exp(sub(x, max(x, a, true)));
    return div(e, sum(e, a, true));
  });
}

/** x - logsumexp(x) along `axis`. */
export function logSoftmax(x: Tensor, axis = -1): Tensor {
  floatOnly('logSoftmax', x);
  const a = normalizeAxis('logSoftmax', axis, x.rank);
  const k = getKernel('logSoftmax', x.backend);
  return k ? k(x, a) : logSoftmaxComposed(x, a);
}

export function logSoftmaxComposed(x: Tensor, a: number): Tensor {
  return scope(() => sub(x, logsumexp(x, a, true)));
}

/** x / max(‖x‖_p, eps) along `axis` (torch.nn.functional.normalize). */
export function normalize(x: Tensor, p: 1 | 2 = 2, axis = -1, eps = 1e-12): Tensor {
  floatOnly('normalize', x);
  const a = normalizeAxis('normalize', axis, x.rank);
  const k = getKernel('normalize', x.backend);
  if (k) return k(x, p, a, eps);
  return scope(() => div(x, maximum(norm(x, p, a, true), eps)));
}

/** g·(Φ(x) + x·φ(x)), Φ(x) = ½(1 + erf(x/√2)), φ(x) = e^{−x²/2}/√(2π): the reference for the
 *  'geluGrad' kernel (autograd's gelu backward looks the kernel up). */
export function geluGradComposed(x: Tensor, g: Tensor): Tensor {
  return scope(() => {
    const cdf = mul(add(erf(mul(x, Math.SQRT1_2)), 1), 0.5);
    const pdf = mul(exp(mul(square(x), -0.5)), 1 / Math.sqrt(2 * Math.PI));
    return mul(g, add(cdf, mul(x, pdf)));
  });
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

/** The reference composition of the 'matmulGroupMax' kernel. */
export function matmulGroupMaxComposed(a: Tensor, b: Tensor, groupSize: number): Tensor {
  return scope(() => {
    const p = matmul(a, b);
    const [B, M, N] = p.shape;
    return max(reshape(p, [B, M, N / groupSize, groupSize]), -1);
  });
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
    const rows = [...Array(x.rank - 1).keys()];
    const gxr = mul(g, mul(x, r));
    const dw = w ? reshape(rows.length > 0 ? sum(gxr, rows) : gxr, w.shape) : null;
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
    const rows = [...Array(x.rank - 1).keys()];
    const D = x.shape[x.rank - 1];
    const dw = reshape(rows.length > 0 ? sum(mul(g, xh), rows) : mul(g, xh), [D]);
    const db = reshape(rows.length > 0 ? sum(g, rows) : g, [D]);
    return { dx, dw, db };
  });
}

/** The reference composition of the 'softmaxGrad' kernel (last axis). */
export function softmaxGradComposed(y: Tensor, g: Tensor): Tensor {
  return scope(() => mul(y, sub(g, sum(mul(g, y), -1, true))));
}

/** The reference composition of the 'geluWithGrad' kernel. */
export function geluWithGradComposed(x: Tensor): { y: Tensor; dydx: Tensor } {
  return scope(() => {
    const cdf = mul(add(erf(mul(x, Math.SQRT1_2)), 1), 0.5);
    const pdf = mul(exp(mul(square(x), -0.5)), 1 / Math.sqrt(2 * Math.PI));
    return { y: mul(x, cdf), dydx: add(cdf, mul(x, pdf)) };
  });
}
