// Avey-B processor layers (official `StaticLayer` / `DynamicLayer`, HEAD 8f3ed57).
//
// Both kinds, on x: (M, C, d) with C = rows per split (S; (k+1)S without compression):
//   res = x
//   z   = GELU(enricher(RMSNorm(x)))            (M, C, m), m = 4d, exact erf GELU
//   [u ‖ bypass] = z                             u: first m/2 (contextualised), bypass: m/2
//   [v ‖ gate]   = u                             v, gate: (M, C, m/4)
//   static:   v ← V v                            V = spatial_proj ∈ R^{C×C}
//   dynamic:  v ← rownorm(cos(v)) v              cos with F.normalize eps 1e-12; rownorm = L1
//   coupled (research switch): v ← rownorm(V ⊙ cos(v)) v
//   out = fuser([gate ⊙ v ‖ bypass]) + α·res    fuser: 3m/4 → d, α learnable scalar (init 1)
import type { Rng } from '@avey/tensor';
import { tensor } from "@avey/tensor";
import { Variable, parameter, nn } from '@avey/autograd';
import type { AveyConfig } from './config.js';
import { hasSpatialProj, isDynamicLayer, processorLen } from './config.js';
import { xavierNormal } from './init.js';
import { cosineSimilarity, normalizeL1 } from './functional.js';
import { xavierLinear } from './modules.js';
import { gatedMix } from './gated-mix.js';

export type LayerKind = 'static' | 'dynamic' | 'coupled';

export class AveyLayer extends nn.Module {
  readonly kind: LayerKind;
  readonly rowNorm: boolean;
  norm: nn.RMSNorm;
  enricher: nn.Linear;
  spatial_proj: Variable | null;
  fuser: nn.Linear;
  alpha: Variable;

  constructor(cfg: AveyConfig, index: number, rng: Rng) {
    super();
    const d = cfg.d_embed;
    const m = cfg.expansion_factor * d;
    this.kind = cfg.parameterization === 'coupled' ? 'coupled' : isDynamicLayer(index) ? 'dynamic' : 'static';
    this.rowNorm = cfg.row_norm === 'l1';
    // torch RMSNorm: x·rsqrt(mean(x²) + eps)·w
    this.norm = new nn.RMSNorm(d, cfg.eps);
    this.enricher = xavierLinear(d, m, rng);
    const C = processorLen(cfg);
    this.spatial_proj = hasSpatialProj(cfg, index) ? parameter(xavierNormal(rng, [C, C])) : null;
    this.fuser = xavierLinear((3 * m) / 4, d, rng);
    this.alpha = parameter(tensor(1));
  }

  /** The token-mixing matrix this layer applies to v: (M, C, C) (static: (C, C)). */
  mixing(v: Variable): Variable {
    const C = v.shape[v.shape.length - 2];
    if (this.kind === 'static') return (this.spatial_proj as Variable).narrow(0, 0, C).narrow(1, 0, C);
    let sim = cosineSimilarity(v);
    if (this.kind === 'coupled') sim = sim.mul((this.spatial_proj as Variable).narrow(0, 0, C).narrow(1, 0, C));
    return this.rowNorm ? normalizeL1(sim) : sim;
  }

  /** GELU(enricher(RMSNorm(x))) for token rows x: (R, d) → (R, m); the enricher's bias and the GELU
   *  run in its GEMM's epilogue (nn.linearGelu = gelu(enricher.forward(·)), fused). */
  private enrich2d(x: Variable): Variable {
    return nn.linearGelu(this.norm.forward(x), this.enricher.weight, this.enricher.bias);
  }

  /** The enricher's output halves for x: (M, C, d): v, gate (M, C, m/4), bypass (M, C, m/2). */
  enrich(x: Variable): { v: Variable; gate: Variable; bypass: Variable } {
    const [M, C, d] = x.shape;
    const m = this.enricher.weight.shape[0];
    // token-wise ops on (M·C, d): one large GEMM instead of M batched ones
    const z = this.enrich2d(x.reshape([M * C, d])).reshape([M, C, m]);
    return { v: z.narrow(-1, 0, m / 4), gate: z.narrow(-1, m / 4, m / 4), bypass: z.narrow(-1, m / 2, m / 2) };
  }

  forward(x: Variable): Variable {
    const [M, C, d] = x.shape;
    const m = this.enricher.weight.shape[0];
    const z = this.enrich2d(x.reshape([M * C, d])).reshape([M, C, m]);
    // [gate ⊙ (S v) ‖ bypass] in one op (see gated-mix.ts): (M, C, 3m/4)
    const fusedIn = gatedMix(z, this.mixing(z.narrow(-1, 0, m / 4))).reshape([M * C, (3 * m) / 4]);
    return this.fuser.forward(fusedIn).reshape([M, C, d]).add(this.alpha.mul(x));
  }
}

export function makeLayers(cfg: AveyConfig, rng: Rng): AveyLayer[] {
  return Array.from({ length: cfg.n_layers }, (_, i) => new AveyLayer(cfg, i, rng));
}

