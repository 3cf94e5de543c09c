// Avey-B processor layers (official `StaticLayer` / `DynamicLayer`, HEAD 8f3ed57), read as the
// paper's three stages: enrich → contextualise → fuse.
//
// Both kinds, on x: (M, C, d) with C = rows per split (S; (k+1)S without compression):
//   enrich:        z = σ(enricher(RMSNorm(x)))        (M, C, m), m = 4d; σ = exact erf GELU
//                                                     (official) or ReLU² (paper Eq. 1, switch)
//                  z = [v ‖ gate ‖ bypass]            v, gate: (M, C, m/4), bypass: (M, C, m/2)
//   contextualise: static:  S̃ = V                      V = spatial_proj ∈ R^{C×C}
//                  dynamic: S̃ = contextualiser(v)      (M, C, C), default row-L1 cosine
//                                                     (contextualisers.ts holds every variant)
//                  y = [gate ⊙ (S̃ v) ‖ bypass]        (M, C, 3m/4), one op (gated-mix.ts)
//   fuse:          out = fuser(y) + α·x               fuser: 3m/4 → d, α learnable scalar (init 1);
//                                                     'plain' residual: fuser(y) + x
import type { Rng } from '@avey/tensor';
import { tensor } from '@avey/tensor';
import { Variable, parameter, nn } from '@avey/autograd';
import type { AveyConfig } from './config.js';
import { hasSpatialProj, isDynamicLayer, processorLen } from './config.js';
import { xavierNormal } from './init.js';
import { contextualiser, type Contextualiser } from './contextualisers.js';
import { xavierLinear } from './modules.js';
import { gatedMix } from './gated-mix.js';

export type LayerKind = 'static' | 'dynamic' | 'coupled';

/** What a layer shows an observer (the trace API): the slice it mixes and the matrix it applies. */
export type LayerObserver = (v: Variable, mixing: Variable) => void;

export class AveyLayer extends nn.Module {
  readonly kind: LayerKind;
  /** The dynamic layers' variant (unused by static layers). */
  readonly contextualiser: Contextualiser;
  readonly activation: 'gelu' | 'relu2';
  readonly eps: number;
  norm: nn.RMSNorm;
  enricher: nn.Linear;
  spatial_proj: Variable | null;
  fuser: nn.Linear;
  /** The residual's learnable scale (null with the paper's plain residual). */
  alpha: Variable | null;

  constructor(cfg: AveyConfig, index: number, rng: Rng) {
    super();
    const d = cfg.d_embed;
    const m = cfg.expansion_factor * d;
    this.contextualiser = contextualiser(cfg.contextualiser);
    // coupled: Avey's single layer kind, V ⊙ cos in every layer (the layer pattern does not apply)
    this.kind = cfg.contextualiser === 'coupled' ? 'coupled' : isDynamicLayer(index, cfg) ? 'dynamic' : 'static';
    this.activation = cfg.enricher_activation;
    this.eps = cfg.eps;
    // torch RMSNorm: x·rsqrt(mean(x²) + eps)·w
    this.norm = new nn.RMSNorm(d, cfg.eps);
    this.enricher = xavierLinear(d, m, rng);
    const C = processorLen(cfg);
    this.spatial_proj = hasSpatialProj(cfg, index) ? parameter(xavierNormal(rng, [C, C])) : null;
    this.fuser = xavierLinear((3 * m) / 4, d, rng);
    this.alpha = cfg.residual === 'alpha' ? parameter(tensor(1)) : null;
  }

  /** Whether this layer computes its mixing from the similarities of v (dynamic or coupled). */
  get isDynamic(): boolean {
    return this.kind !== 'static';
  }

  /** Enricher: z = σ(enricher(RMSNorm(x))) for x: (M, C, d) → (M, C, m). Token-wise, on
   *  (M·C, d): one large GEMM; with GELU its bias and activation run in the GEMM's epilogue. */
  enrich(x: Variable): Variable {
    const [M, C, d] = x.shape;
    const m = this.enricher.weight.shape[0];
    const x2 = this.norm.forward(x.reshape([M * C, d]));
    const z = this.activation === 'gelu' ? nn.linearGelu(x2, this.enricher.weight, this.enricher.bias) : this.enricher.forward(x2).relu().square();
    return z.reshape([M, C, m]);
  }

  /** The contextualised slice v of z: (M, C, m) → (M, C, m/4). */
  values(z: Variable): Variable {
    const m = z.shape[z.shape.length - 1];
    return z.narrow(-1, 0, m / 4);
  }

  /** The token-mixing matrix this layer applies to v: (M, C, C) (static: (C, C), the parameter). */
  mixing(v: Variable): Variable {
    const C = v.shape[v.shape.length - 2];
    if (this.kind === 'static') return (this.spatial_proj as Variable).narrow(0, 0, C).narrow(1, 0, C);
    return this.contextualiser.mixing(v, { spatialProj: this.spatial_proj, eps: this.eps });
  }

  /** Contextualiser: y = [gate ⊙ (S̃ v) ‖ bypass] for z: (M, C, m) → (M, C, 3m/4). */
  contextualise(z: Variable, observe?: LayerObserver): Variable {
    const v = this.values(z);
    const mix = this.mixing(v);
    observe?.(v, mix);
    return gatedMix(z, mix);
  }

  /** Fuser and residual: fuser(y) + α·x for y: (M, C, 3m/4), x: (M, C, d) → (M, C, d). */
  fuse(y: Variable, x: Variable): Variable {
    const [M, C, d] = x.shape;
    const out = this.fuser.forward(y.reshape([M * C, y.shape[2]])).reshape([M, C, d]);
    return out.add(this.alpha === null ? x : this.alpha.mul(x));
  }

  forward(x: Variable, observe?: LayerObserver): Variable {
    return this.fuse(this.contextualise(this.enrich(x), observe), x);
  }
}

export function makeLayers(cfg: AveyConfig, rng: Rng): AveyLayer[] {
  return Array.from({ length: cfg.n_layers }, (_, i) => new AveyLayer(cfg, i, rng));
}
