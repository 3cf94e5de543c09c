// The contextualiser of a dynamic layer: one interface, a registry of named variants.
//
// A variant maps the contextualised slice v: (M, C, d') of a layer's enriched features to the
// token-mixing matrix S̃: (M, C, C) that the layer applies (out = gate ⊙ (S̃ v)). With
// s = cos(v) = N(v) N(v)ᵀ (N = row L2 normalisation, F.normalize eps 1e-12):
//
//   name             S̃_ij                                         paper
//   cosine-l1        s_ij / max(Σ_l |s_il|, 1e-12)                 official code (HEAD 8f3ed57); default
//   cosine           s_ij                                          Table 10, "row normalisation removed"
//   signed           s_ij / (Σ_l s_il + ε)                         Eq. 6 as printed (signed sum)
//   softmax          exp(s_ij) / Σ_l exp(s_il)                      Appendix E
//   scaled-softmax   softmax_j(s_ij / √d')                         Appendix E (scale: our reading, see docs)
//   rms              s_ij / sqrt(mean_l s_il² + ε)                  Appendix E, "RMS-style"
//   coupled          L1-row-normalised (V ⊙ s)_ij                   Avey's coupled form (Eq. 2), Table 10
//
// Expected verdicts on the propositions (asserted by test/variants.test.ts):
//   A.1 ratios (S̃_ij s_il = S̃_il s_ij): fail for softmax, scaled-softmax and coupled
//   A.1 order  (s_ij > s_il ⇒ S̃_ij ≥ S̃_il): fail for coupled, and for signed when a row sum is < 0
//   A.1 rotation (v_j turned toward v_i never lowers S̃_ij): fail for coupled and signed
//   stability lemma (Σ_j |S̃_ij| ≤ 1): fail for cosine, signed and rms
import { AveyError } from '@avey/tensor';
import type { Variable } from '@avey/autograd';
import { cosineSimilarity, normalizeL1 } from './functional.js';

/** What a variant may read from its layer. */
export interface ContextualiserLayer {
  /** The layer's learned (C, C) matrix, for variants that couple it with the similarities. */
  readonly spatialProj: Variable | null;
  /** The config's eps (ε of the signed and RMS forms). */
  readonly eps: number;
}

export interface Contextualiser {
  readonly name: ContextualiserName;
  /** Where it comes from (docs/avey-b.md lists the same). */
  readonly reference: string;
  /** Whether a dynamic layer using it owns a learned spatial_proj (C, C). */
  readonly needsSpatialProj: boolean;
  /** v: (M, C, d') → S̃: (M, C, C). */
  mixing(v: Variable, layer: ContextualiserLayer): Variable;
}

export const CONTEXTUALISER_NAMES = ['cosine-l1', 'cosine', 'signed', 'softmax', 'scaled-softmax', 'rms', 'coupled'] as const;
export type ContextualiserName = (typeof CONTEXTUALISER_NAMES)[number];

/** The (C, C) top-left block of a spatial_proj for C rows. */
function projFor(layer: ContextualiserLayer, C: number, who: string): Variable {
  if (layer.spatialProj === null) throw new AveyError(`contextualiser ${who}`, 'this variant needs the layer\'s spatial_proj');
  return layer.spatialProj.narrow(0, 0, C).narrow(1, 0, C);
}

const VARIANTS: Record<ContextualiserName, Contextualiser> = {
  'cosine-l1': {
    name: 'cosine-l1',
    reference: 'official code HEAD 8f3ed57 (F.normalize(p=1)); the paper\'s Eq. 6 with |·|',
    needsSpatialProj: false,
    mixing: (v) => normalizeL1(cosineSimilarity(v)),
  },
  cosine: {
    name: 'cosine',
    reference: 'Table 10 ablation "row normalisation (Eq. 6) removed"',
    needsSpatialProj: false,
    mixing: (v) => cosineSimilarity(v),
  },
  signed: {
    name: 'signed',
    reference: 'Eq. 6 as printed: S_ij / (Σ_j S_ij + ε) (code before 8f3ed57)',
    needsSpatialProj: false,
    mixing: (v, layer) => {
      const s = cosineSimilarity(v);
      return s.div(s.sum(-1, true).add(layer.eps));
    },
  },
  softmax: {
    name: 'softmax',
    reference: 'Appendix E normaliser comparison: softmax over the row',
    needsSpatialProj: false,
    mixing: (v) => cosineSimilarity(v).softmax(-1),
  },
  'scaled-softmax': {
    name: 'scaled-softmax',
    reference: 'Appendix E: scaled softmax, softmax(S / √d′) (scale as in scaled dot-product attention)',
    needsSpatialProj: false,
    mixing: (v) => cosineSimilarity(v).mul(1 / Math.sqrt(v.shape[v.shape.length - 1])).softmax(-1),
  },
  rms: {
    name: 'rms',
    reference: 'Appendix E: RMS-style normalisation of each row (no learned weight)',
    needsSpatialProj: false,
    mixing: (v, layer) => {
      const s = cosineSimilarity(v);
      return s.div(s.square().mean(-1, true).add(layer.eps).sqrt());
    },
  },
  coupled: {
    name: 'coupled',
    reference: 'Avey (arXiv 2506.11305) Eq. 2 without the causal mask: V ⊙ cos, row-L1 normalised; Table 10 "decoupled parameterisation removed"',
    needsSpatialProj: true,
    mixing: (v, layer) => {
      const C = v.shape[v.shape.length - 2];
      return normalizeL1(cosineSimilarity(v).mul(projFor(layer, C, 'coupled')));
    },
  },
};

/** The variant registered under `name`. */
export function contextualiser(name: ContextualiserName): Contextualiser {
  const c = VARIANTS[name];
  if (c === undefined) throw new AveyError('contextualiser', `unknown contextualiser ${JSON.stringify(name)} (${CONTEXTUALISER_NAMES.join(', ')})`);
  return c;
}

/** Every registered variant, default first. */
export function contextualisers(): Contextualiser[] {
  return CONTEXTUALISER_NAMES.map((n) => VARIANTS[n]);
}
