// Fused-ish normalisations and dropout as Variable ops.

import * as T from '@avey/tensor';
import type { Rng, Tensor } from '@avey/tensor';
import { Variable, record } from '../variable.js';
import { add, gelu, geluVjp, mul, rsqrt, sub } from '../ops/elementwise.js';
import { mean, softmax, sum, variance } from '../ops/reduce.js';
import { reshape, transpose, unsqueeze } from '../ops/shape.js';
import { matmul } from '../ops/linalg.js';
import { scatterAdd } from '../ops/indexing.js';
import { firstOrderKernel, isGradEnabled } from '../grad-mode.js';
import { crossEntropy } from '../losses.js';

// Mean cross-entropy of logits z (N, C) against int32 labels y (N), ignoring y = ignoreIndex:
// exactly losses.crossEntropy(z, y, { ignoreIndex }) (mean), on the backend's fused
// 'softmaxCrossEntropy' kernels: the forward keeps lse_n = log Σ_j exp z_nj, so a first-order
// backward is one pass  dz_nj = w_n·(exp(z_nj − lse_n) − [j = ỹ_n]),  w_n = g·v_n / Σ v.
// A recorded (createGraph) backward uses the composed, differentiable formula.
export function softmaxCrossEntropy(z: Variable, labels: Tensor, ignoreIndex = -100): Variable {
  const fwd = T.getKernel('softmaxCrossEntropy', z.backend);
  const grad = T.getKernel('softmaxCrossEntropyGrad', z.backend);
  if (!fwd || !grad || z.rank !== 2 || labels.rank !== 1 || labels.dtype !== 'int32' || labels.size !== z.shape[0]) {
    return crossEntropy(z, labels, { ignoreIndex });
  }
  // keep the softmax for the backward (one multiply instead of an exp per logit) when one will run
  const keepProbs = isGradEnabled() && z.requiresGrad;
  return T.scope(() => {
    const { per, lse, probs } = fwd(z.value, labels, ignoreIndex, keepProbs);
    const valid = T.cast(T.ne(labels, ignoreIndex), z.dtype);            // (N) v_n
    const count = T.sum(valid);                                           // ()
    const value = T.div(T.sum(per), count);
    const out = record('crossEntropy', value, [z], (g) => {
      const w = mul(mul(g, new Variable(valid)), new Variable(T.reciprocal(count)));  // (N) w_n
      const fused = firstOrderKernel('softmaxCrossEntropyGrad', z.backend);
      if (fused) return [new Variable(fused(z.value, lse, labels, w.value, ignoreIndex, probs))];
      const safe = T.unsqueeze(T.where(T.ne(labels, ignoreIndex), labels, 0), 1);
      const wk = unsqueeze(w, 1);
      return [sub(mul(softmax(z, -1), wk), scatterAdd(new Variable(T.zerosLike(z.value)), 1, safe, wk))];
    }, probs ? [valid, count, lse, probs] : [valid, count, lse]);
    return { out, owned: probs ? [valid, count, lse, probs] : [valid, count, lse] };
  }).out;
}

// Linear map y = x @ Wᵀ + b     x: (…, in), W: (out, in), b: (out)
//   dx = g @ W,   dW = g₂ᵀ @ x₂ (rows flattened: (out, R) @ (R, in)),   db = Σ_rows g
// The forward uses the backend's fused 'linear' kernel when it has one (bias added in place).
export function linear(x: Variable, w: Variable, b: Variable | null): Variable {
  const k = T.getKernel('linear', x.backend);
  const value = k ? k(x.value, w.value, b ? b.value : null)
    : T.scope(() => (b ? T.add(T.matmul(x.value, T.transpose(w.value, 0, 1)), b.value) : T.matmul(x.value, T.transpose(w.value, 0, 1))));
  const inputs = b ? [x, w, b] : [x, w];
  return record('linear', value, inputs, (g, needs) => linearVjp(x, w, b, g, needs));
}

/** The linear map's vector-Jacobian products for the output gradient g (…, out). */
function linearVjp(x: Variable, w: Variable, b: Variable | null, g: Variable, needs: readonly boolean[]): (Variable | null)[] {
  const [outF, inF] = w.shape;
  const g2 = reshape(g, [-1, outF]);                                            // (R, out)
  const dx = needs[0] ? reshape(matmul(g2, w), x.shape) : null;                   // (R, in)
  const dw = needs[1] ? matmul(transpose(g2, 0, 1), reshape(x, [-1, inF])) : null; // (out, in)
  const db = b && needs[2] ? sum(g2, 0) : null;                                   // (out)
  return b ? [dx, dw, db] : [dx, dw];
}

// y = GELU(z), z = x @ Wᵀ + b (exact erf GELU) as one op: exactly gelu(linear(x, w, b)), on the
// backend's fused 'linearGelu' kernel when it has one (CPU: bias and GELU in the GEMM epilogue,
// dy/dz kept for the backward when recording). Backward: g_z = g·dy/dz (one multiply), then the
// linear map's backward with g_z. A recorded (createGraph) backward recomputes z and uses the
// composed, differentiable GELU derivative.
export function linearGelu(x: Variable, w: Variable, b: Variable | null): Variable {
  const k = T.getKernel('linearGelu', x.backend);
  if (!k || x.dtype !== 'float32') return gelu(linear(x, w, b));
  const inputs = b ? [x, w, b] : [x, w];
  const recording = isGradEnabled() && inputs.some((v) => v.requiresGrad);
  const { y, dydz } = k(x.value, w.value, b ? b.value : null, recording);
  return record('linearGelu', y, inputs, (g, needs) => {
    const gz = isGradEnabled() || g.dtype !== x.dtype || dydz === null
      ? geluVjp(linear(x, w, b), g)
      : new Variable(T.mul(g.value, dydz));
    return linearVjp(x, w, b, gz, needs);
  }, dydz ? [dydz] : []);
}

// RMSNorm over the last axis (Avey-B): y = x·r·w,  r = (mean(x²) + eps)^-½    x: (…, D), w: (D)
//   dx = r·(g·w) − x·r³·mean(g·w·x)        dw = Σ_rows g·x·r
// The backend's fused 'rmsNorm' / 'rmsNormGrad' kernels are used when it has them (the second for
// a first-order backward only).
export function rmsNorm(x: Variable, w: Variable | null, eps: number): Variable {
  const fwd = T.getKernel('rmsNorm', x.backend);
  const value = fwd ? fwd(x.value, w ? w.value : null, eps) : T.scope(() => {
    const xr = T.mul(x.value, T.rsqrt(T.add(T.mean(T.square(x.value), -1, true), eps)));  // x·r, r: (…, 1)
    return w ? T.mul(xr, w.value) : xr;
  });
  const inputs = w ? [x, w] : [x];
  return record('rmsNorm', value, inputs, (g, needs) => {
    const bwd = firstOrderKernel('rmsNormGrad', x.backend);
    if (bwd && g.dtype === x.dtype) {
      const { dx, dw } = bwd(x.value, w ? w.value : null, g.value, eps);
      const dxv = needs[0] ? new Variable(dx) : (dx.dispose(), null);
      const dwv = w && dw && needs[1] ? new Variable(dw) : (dw?.dispose(), null);
      return w ? [dxv, dwv] : [dxv];
    }
    const rv = rsqrt(add(mean(mul(x, x), -1, true), eps));         // recomputed, differentiable
    const gw = w ? mul(g, w) : g;
    const dx = needs[0] ? sub(mul(gw, rv), mul(mul(x, mul(rv, mul(rv, rv))), mean(mul(gw, x), -1, true))) : null;
    const rows = [...Array(x.rank - 1).keys()];
    const gxr = w && needs[1] ? mul(g, mul(x, rv)) : null;
    const dw = gxr && w ? reshape(rows.length > 0 ? sum(gxr, rows) : gxr, w.shape) : null;
    return w ? [dx, dw] : [dx];
  });
}

// LayerNorm over the last axis: y = x̂·w + b,  x̂ = (x − μ)·r,  r = (var(x) + eps)^−½   (population var)
//   ĝ = g·w:  dx = r·(ĝ − mean(ĝ) − x̂·mean(ĝ·x̂)),   dw = Σ_rows g·x̂,   db = Σ_rows g
// On the backend's fused 'layerNorm' / 'layerNormGrad' kernels when it has them (the gradient kernel
// for a first-order backward; a recorded backward uses the same formula in Variable ops).
export function layerNorm(x: Variable, w: Variable | null, b: Variable | null, eps: number): Variable {
  const fwd = T.getKernel('layerNorm', x.backend);
  if (!fwd) return layerNormComposed(x, w, b, eps);
  const value = fwd(x.value, w ? w.value : null, b ? b.value : null, eps);
  const inputs = [x, ...(w ? [w] : []), ...(b ? [b] : [])];
  return record('layerNorm', value, inputs, (g, needs) => {
    const bwd = firstOrderKernel('layerNormGrad', x.backend);
    let dx: Variable, dw: Variable | null, db: Variable | null;
    if (bwd && g.dtype === x.dtype) {
      const r = bwd(x.value, w ? w.value : null, g.value, eps);
      [dx, dw, db] = [new Variable(r.dx), new Variable(r.dw), new Variable(r.db)];
    } else {
      const xc = sub(x, mean(x, -1, true));
      const r = rsqrt(add(mean(mul(xc, xc), -1, true), eps));
      const xh = mul(xc, r);
      const gw = w ? mul(g, w) : g;
      dx = mul(r, sub(sub(gw, mean(gw, -1, true)), mul(xh, mean(mul(gw, xh), -1, true))));
      const rows = [...Array(x.rank - 1).keys()];
      const D = x.shape[x.rank - 1];
      dw = w ? reshape(rows.length > 0 ? sum(mul(g, xh), rows) : mul(g, xh), [D]) : null;
      db = b ? reshape(rows.length > 0 ? sum(g, rows) : g, [D]) : null;
    }
    const out: (Variable | null)[] = [needs[0] ? dx : null];
    if (w) out.push(needs[1] ? dw : null);
    if (b) out.push(needs[w ? 2 : 1] ? db : null);
    return out;
  });
}

/** LayerNorm composed from Variable ops (the reference). */
export function layerNormComposed(x: Variable, w: Variable | null, b: Variable | null, eps: number): Variable {
  const centred = sub(x, mean(x, -1, true));
  let y = mul(centred, rsqrt(add(variance(x, -1, true), eps)));
  if (w) y = mul(y, w);
  if (b) y = add(y, b);
  return y;
}

// Inverted dropout: y = x·m/(1−p), m ~ Bernoulli(1−p) drawn from `rng` (host, seeded).
export function dropout(x: Variable, p: number, rng: Rng, training: boolean): Variable {
  if (!training || p === 0) return x;
  if (p >= 1) return mul(x, 0);
  const mask: Tensor = T.scope(() => {
    const u = rng.uniform([...x.shape], 0, 1);
    return T.mul(T.cast(T.ge(u, p), x.dtype), 1 / (1 - p));
  });
  return mul(x, new Variable(mask));
}
