// The contextualiser + gate of an Avey-B layer as ONE differentiable op, so that the backward
// writes dz in one piece instead of summing three zero-padded slice gradients:
//   z = [v ‖ gate ‖ bypass]: (M, C, m) with v, gate: m/4 and bypass: m/2 columns
//   out = [gate ⊙ (S v) ‖ bypass]: (M, C, 3m/4),   S: (M, C, C) or (C, C) (broadcast over M)
// vjp, with g = [g1 ‖ g2] (m/4 | m/2 columns):
//   gm = g1 ⊙ gate;   dS = gm vᵀ (summed over M when S is shared);   dz = [Sᵀ gm ‖ g1 ⊙ (S v) ‖ g2]
// Written in Variable ops, so it is differentiable again (createGraph).
import * as T from '@avey/tensor';
import { Variable, ops, record } from '@avey/autograd';

export function gatedMix(z: Variable, mix: Variable): Variable {
  const m4 = z.shape[z.rank - 1] / 4;
  // the backend's fused 'gatedMix' kernel (CPU: S v written into its slot of the output, gate in the
  // GEMM epilogue) or the composition T.gatedMixComposed: matmul, mul, cat
  const kernel = T.getKernel('gatedMix', z.backend);
  const value = kernel ? kernel(z.value, mix.value) : T.gatedMixComposed(z.value, mix.value);
  return record('gatedMix', value, [z, mix], (g, needs) => {
    const v = z.narrow(-1, 0, m4), gate = z.narrow(-1, m4, m4);
    const g1 = g.narrow(-1, 0, m4), g2 = g.narrow(-1, m4, 2 * m4);
    const gm = g1.mul(gate); // (M, C, m/4)
    const dz = needs[0] ? ops.cat([mix.transpose(-2, -1).matmul(gm), g1.mul(mix.matmul(v)), g2], -1) : null;
    const dmix = needs[1] ? ops.unbroadcast(gm.matmul(v.transpose(-2, -1)), mix.shape) : null;
    return [dz, dmix];
  });
}
