// The trace of one Avey-B forward pass: what the ranker chose and what every dynamic layer mixed.
// A library API (`AveyModel.trace`), written to safetensors by `avey trace`.
//
// Names and shapes (B = batch, n = number of splits ⌈T/S⌉, k = config.k, M = B·n, L = rows per
// split that the processor sees: S, or (k+1)S without compression, d′ = m/4):
//   ranker.scores     (B, n, n) float32  MaxSim of split i against split j at [b, i, j]
//                                        = Σ_u max_v cos(x_iu, x_jv) on the layer-0 embeddings;
//                                        −∞ where j is not a candidate (j ≥ i for the causal ranker)
//   ranker.selected   (B, n, k) int32    the chosen splits of split i, descending score; −1 where
//                                        fewer than k were chosen
//   ranker.weights    (B, n, k) float32  their weights score / (min chosen score + eps); 0 where −1
//   layers.<i>.v      (M, L, d′) float32 the slice of layer i's enriched features it mixes
//   layers.<i>.mixing (M, L, L) float32  the matrix applied to v (dynamic and coupled layers; a
//                                        static layer's is its parameter spatial_proj)
import * as T from '@avey/tensor';
import type { Tensor } from '@avey/tensor';
import type { Variable } from '@avey/autograd';
import type { AveyConfig } from './config.js';
import type { AveyLayer, LayerObserver } from './layers.js';
import type { RankerSelection, RankerState } from './ranker.js';

/** Trace name → tensor, in the order above (ranker first, then layers by index). */
export type AveyForwardTrace = Map<string, Tensor>;

/** A contiguous copy of t that no enclosing scope disposes (the caller owns it). */
function own(t: Tensor): Tensor {
  return T.keep(T.contiguous(t));
}

/** Collects a trace while AveyModel runs its forward. */
export class TraceRecorder {
  private readonly out: AveyForwardTrace = new Map();
  constructor(private readonly cfg: AveyConfig) {}

  ranker(sel: RankerSelection | null, st: RankerState): void {
    const { B, N } = st;
    const k = this.cfg.k;
    if (sel === null) {
      // no candidates anywhere (one split, no ranker, or k = 0)
      this.out.set('ranker.scores', own(T.full([B, N, N], -Infinity)));
      this.out.set('ranker.selected', own(T.full([B, N, k], -1, { dtype: 'int32' })));
      this.out.set('ranker.weights', own(T.zeros([B, N, k])));
      return;
    }
    this.out.set('ranker.scores', own(sel.scores));
    this.out.set('ranker.selected', own(sel.indices));
    this.out.set('ranker.weights', own(sel.weights));
  }

  /** The observer for layer i (its v always; its mixing when it is computed from v). */
  layer(i: number, layer: AveyLayer): LayerObserver {
    return (v: Variable, mixing: Variable) => {
      this.out.set(`layers.${i}.v`, own(v.value));
      if (layer.isDynamic) this.out.set(`layers.${i}.mixing`, own(mixing.value));
    };
  }

  result(): AveyForwardTrace {
    return this.out;
  }
}
