// Small differentiable building blocks with the official numerics (torch semantics).
import * as T from '@avey/tensor';
import { constant, isGradEnabled, record, type Variable } from '@avey/autograd';

/** ‖x‖₂ over the last axis, keepDim: (…, 1). The sum is clamped at 1e-30 before the sqrt so that
 *  an all-zero row has a zero (not NaN) gradient, like torch's norm backward; the clamp changes
 *  the value only for ‖x‖ < 1e-15, far below every eps it is combined with. */
export function safeL2Norm(x: Variable): Variable {
  return x.square().sum(-1, true).maximum(1e-30).sqrt();
}

/** F.normalize(x, p=2, dim=-1): x / max(‖x‖₂, eps). Without a tape, the backend's fused
 *  'normalizeL2' kernel (the same value as the composition, bit for bit on the CPU). */
export function normalizeL2(x: Variable, eps = 1e-12): Variable {
  if (!(isGradEnabled() && x.requiresGrad)) {
    const k = T.getKernel('normalizeL2', x.backend);
    return constant(k ? k(x.value, eps) : T.normalizeL2Composed(x.value, eps));
  }
  return x.div(safeL2Norm(x).maximum(eps));
}

/** F.normalize(s, p=1, dim=-1): s / max(Σ_j |s_ij|, eps). */
export function normalizeL1(s: Variable, eps = 1e-12): Variable {
  return s.div(s.abs().sum(-1, true).maximum(eps));
}

/** Gram matrix of the rows of x: (…, C, D) → x xᵀ (…, C, C). vjp: dx = G x + Gᵀ x, both products
 *  contiguous (the GEMM reads Gᵀ as a transposed operand), where x·transpose(x) would give x its
 *  second gradient through the transpose as a transposed view, summed with the first by a strided
 *  elementwise add over (…, C, D). Written in Variable ops, so it is differentiable again. */
export function gram(x: Variable): Variable {
  const value = T.matmul(x.value, T.transpose(x.value, -2, -1));
  return record('gram', value, [x], (g) => [g.matmul(x).add(g.transpose(-2, -1).matmul(x))]);
}

/** Cosine similarity of the rows of x: (…, C, D) → (…, C, C), with F.normalize's eps. */
export function cosineSimilarity(x: Variable): Variable {
  return gram(normalizeL2(x));
}
