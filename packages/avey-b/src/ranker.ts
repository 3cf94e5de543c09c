// The Avey-B ranker (official `Ranker.preprocess` / `contract`), vectorised over splits.
//
// Paper ↔ code (arXiv 2602.15814 §4; official rimads/avey-b HEAD 8f3ed57; this package):
//   paper                                   official code                    here
//   split (S tokens)                        chunk (chunk_size)               Xc (B, N, S, E), cfg.chunk_size
//   MaxSim relevance (ColBERT)              Ranker.preprocess: sims → max    maxSimScores
//                                             over v → sum over u
//   unidirectional ranker (Table 4)         candidates x_chunks[:, :i]       cand mask j < i (cfg.ranker)
//   top-k most relevant splits              topk(score, min(i, k))           Ranker.select: topk
//   weighted-selective-split                w = vals / (min(vals) + eps)     slotWeights
//   X_cat = [selected ‖ current]            cat + zero left padding to L     slots q = 0..k−1 + current
//   neural compression X̂ = P X_cat (Eq. 8)  down_proj @ ext                  P.narrow(…).matmul(…)
//   + residual of the current split         + x_chunks                       .add(Xc) (compressor_residual)
//   processor sees S rows per split         reshape (B·N, S, d)              preprocess → h
//   (outputs of the current split)          Ranker.contract                  contract
//   enricher (Eq. 1) → contextualiser       StaticLayer / DynamicLayer       AveyLayer.enrich →
//     (Eq. 4–6) → fuser (Eq. 3)                                                .contextualise → .fuse
//
// Official loop, for each split i (S = chunk_size, L = (k+1)·S):
//   candidates j < i;  MaxSim(i, j) = Σ_u max_v cos(x_iu, x_jv)  (cos with ‖x‖ + eps denominators)
//   (vals, idx) = topk(scores_i, min(i, k));  w = vals / (min(vals) + eps)
//   ext_i = [0 … 0 ‖ w_0·X_idx0 ‖ … ‖ w_{n−1}·X_idx(n−1) ‖ X_i]   (zero LEFT padding to L rows)
//   h_i = P ext_i + X_i,   P = down_proj ∈ R^{S×L}
// Here every split pair is scored in ONE batched matmul (B, T', T'), masked to j < i, and the
// extended context is never materialised: with P_q = P[:, qS:(q+1)S] the blocks of P,
//   h_i = Σ_q P_q (w_{i,q} X_{src(i,q)}) + P_k X_i + X_i
// where slot q of split i holds selection p = q − (k − n_i) (empty slots have w = 0, which is
// exactly the zero left padding). Without the compressor residual (Table 10) the last + X_i goes.
import * as T from '@avey/tensor';
import { tensor, type Tensor } from '@avey/tensor';
import { Variable, isGradEnabled, parameter, nn, ops } from '@avey/autograd';
import type { Rng } from '@avey/tensor';
import type { AveyConfig } from './config.js';
import { extendedLen } from './config.js';
import { xavierNormal } from './init.js';
import { safeL2Norm } from './functional.js';

/** Shape bookkeeping between `preprocess` and `contract`. */
export interface RankerState {
  B: number;
  /** Number of splits N = ceil(T / S). */
  N: number;
  /** Original (unpadded) length T. */
  T: number;
  /** Rows per split that the processor sees: S, or L without compression. */
  rows: number;
}

/** What the ranker chose, for inspection and property tests. */
export interface RankerSelection {
  /** MaxSim scores (B, N, N): [b, i, j] = Σ_u max_v cos(x_iu, x_jv); non-candidates are −∞. */
  scores: Tensor;
  /** Selected split indices (B, N, k), descending score; −1 where fewer than k were selected. */
  indices: Tensor;
  /** Weights (B, N, k) = score / (min selected score + eps); 0 where nothing was selected. */
  weights: Tensor;
  /** n_i = number of selected splits of split i (min(#candidates, k)). */
  numSelected: number[];
}

interface SelectionVars {
  /** (B, N, k) weight per slot q (slot layout: empty slots first), 0 for empty slots. */
  slotWeights: Variable;
  /** (B·N·k) int32 source split index (global row b·N + j) per slot (any valid row for empty slots,
   *  whose weight is 0). Computed on the device: no host sync in the forward pass. */
  slotSource: Tensor;
  selection: RankerSelection;
}

/** Floats of one block of token-pair similarities (64 MiB): with a tape (or without the fused
 *  kernel) longer inputs are scored in blocks of query splits, so the (B, T', T') matrix is never
 *  materialised. */
const SIM_BLOCK_FLOATS = 1 << 24;

/** MaxSim scores (B, N, N) of the cos features xn (B, N·S, E):
 *  [b, i, j] = Σ_u max_v sims[b, iS+u, jS+v],  sims = xn xnᵀ (every token pair).
 *  Computed for blocks of query splits at a time (the same entries, bounded memory); without a
 *  tape each block's similarities are freed as soon as its scores are taken. */
function maxSimScores(xn: Variable, B: number, N: number, S: number): Variable {
  const Tp = N * S;
  const xnT = xn.transpose(1, 2); // (B, E, T')
  // without a tape, the backend's 'matmulGroupMax' kernel (CPU: the max over v in the GEMM's
  // epilogue) gives the same (B, n·S, N) maxima without materialising the similarities
  const fused = !(isGradEnabled() && xn.requiresGrad) ? T.getKernel('matmulGroupMax', xn.backend) : undefined;
  const block = (i0: number, n: number): Variable => {
    const q = xn.narrow(1, i0 * S, n * S);
    // (B, n·S, T') → max over v in split j: (B, n·S, N) → sum over u in split i: (B, n, N)
    const maxes = fused ? new Variable(fused(q.value, xnT.value, S)) : q.matmul(xnT).reshape([B, n * S, N, S]).max(-1);
    return maxes.reshape([B, n, S, N]).sum(2);
  };
  // the fused kernel never holds the similarities (each GEMM tile is reduced as it is computed), and
  // all query splits at once let it use the symmetry of xn·xnᵀ (half the multiply-adds, same bits)
  const per = Math.max(1, Math.floor(SIM_BLOCK_FLOATS / (B * S * Tp)));
  if (per >= N || fused) return block(0, N);
  const parts: Variable[] = [];
  for (let i0 = 0; i0 < N; i0 += per) {
    const n = Math.min(per, N - i0);
    parts.push(isGradEnabled() ? block(i0, n) : T.scope(() => block(i0, n)));
  }
  return ops.cat(parts, 1);
}

export class Ranker extends nn.Module {
  down_proj: Variable | null;
  readonly cfg: AveyConfig;

  constructor(cfg: AveyConfig, rng: Rng) {
    super();
    this.cfg = cfg;
    // (S, L) compressor; Xavier-normal std = sqrt(2 / (S + L)).
    this.down_proj = cfg.compression === 'neural' ? parameter(xavierNormal(rng, [cfg.chunk_size, extendedLen(cfg)])) : null;
  }

  /** Number of candidate splits of split i among N. */
  private numCandidates(i: number, N: number): number {
    if (this.cfg.ranker === 'none') return 0;
    return this.cfg.ranker === 'causal' ? i : N - 1;
  }

  /** Scores, top-k and weights, batched over every split. `xp`: (B, N·S, E) padded embeddings. */
  select(xp: Variable, B: number, N: number): SelectionVars | null {
    const { k, chunk_size: S, eps } = this.cfg;
    const numSel = Array.from({ length: N }, (_, i) => Math.min(this.numCandidates(i, N), k));
    const kk = Math.max(0, ...numSel);
    if (kk === 0) return null;
    // cos features with the official `x / (‖x‖ + eps)` denominator: (B, T', E)
    const xn = xp.div(safeL2Norm(xp).add(eps));
    const scoresAll = maxSimScores(xn, B, N, S); // (B, N, N)
    // candidates: j < i (causal) or j ≠ i (bidirectional)
    const cand = new Uint8Array(N * N);
    for (let i = 0; i < N; i++) for (let j = 0; j < N; j++) cand[i * N + j] = (this.cfg.ranker === 'causal' ? j < i : j !== i) ? 1 : 0;
    const candMask = tensor(cand, { dtype: 'bool', shape: [N, N] });
    const scores = ops.where(candMask, scoresAll, -Infinity);
    const { values, indices } = scores.topk(kk, -1); // (B, N, kk), descending
    // slot q of split i holds selection p = q − (k − n_i) when p ≥ 0.
    const pIdx = new Int32Array(N * k);
    const slotValid = new Uint8Array(N * k);
    const lastIdx = new Int32Array(N);
    for (let i = 0; i < N; i++) {
      lastIdx[i] = Math.max(numSel[i] - 1, 0);
      for (let q = 0; q < k; q++) {
        const p = q - (k - numSel[i]);
        pIdx[i * k + q] = Math.min(Math.max(p, 0), kk - 1);
        slotValid[i * k + q] = p >= 0 ? 1 : 0;
      }
    }
    const valid = tensor(slotValid, { dtype: 'bool', shape: [1, N, k] });
    const pT = tensor(pIdx, { dtype: 'int32', shape: [1, N, k] }).expand([B, N, k]);
    const slotVals = values.gather(2, pT); // (B, N, k)
    const hasSel = tensor(Uint8Array.from(numSel, (n) => (n > 0 ? 1 : 0)), { dtype: 'bool', shape: [1, N, 1] });
    const vmin = values.gather(2, tensor(lastIdx, { dtype: 'int32', shape: [1, N, 1] }).expand([B, N, 1])); // (B, N, 1)
    // w = vals / (min(vals) + eps); empty slots: safe operands (no ∞ in the backward), then 0.
    const safeVals = ops.where(valid, slotVals, 1);
    const safeMin = ops.where(hasSel, vmin, 1);
    const slotWeights = ops.where(valid, safeVals.div(safeMin.add(eps)), 0);

    // global source rows b·N + j for gathering splits from (B·N, S, E), on the device
    const topIdx = indices.value; // (B, N, kk) int32
    const offsets = T.arange(0, B * N, N, { dtype: 'int32' }).reshape([B, 1, 1]);
    const slotSource = T.gather(topIdx, 2, pT).add(offsets).reshape([B * N * k]);
    // the selection in descending-score order (p = 0 … n_i − 1), for inspection
    const selP = new Int32Array(N * k), slotOfP = new Int32Array(N * k), selValid = new Uint8Array(N * k);
    for (let i = 0; i < N; i++) {
      for (let p = 0; p < k; p++) {
        selValid[i * k + p] = p < numSel[i] ? 1 : 0;
        selP[i * k + p] = Math.min(p, kk - 1);
        slotOfP[i * k + p] = Math.min(p + (k - numSel[i]), k - 1);
      }
    }
    const selMask = tensor(selValid, { dtype: 'bool', shape: [1, N, k] });
    const selIndices = T.where(selMask, T.gather(topIdx, 2, tensor(selP, { dtype: 'int32', shape: [1, N, k] }).expand([B, N, k])), -1);
    const selWeights = T.where(selMask, T.gather(slotWeights.value, 2, tensor(slotOfP, { dtype: 'int32', shape: [1, N, k] }).expand([B, N, k])), 0);
    return {
      slotWeights,
      slotSource,
      selection: { scores: scores.value, indices: selIndices, weights: selWeights, numSelected: numSel },
    };
  }

  /** x: (B, T, E) embeddings → (B·N, rows, E) processor input. */
  preprocess(x: Variable): { h: Variable; state: RankerState; selection: RankerSelection | null } {
    const [B, T, E] = x.shape;
    const { chunk_size: S, k } = this.cfg;
    const N = Math.max(1, Math.ceil(T / S));
    const Tp = N * S;
    // zero right padding of T to a multiple of S: (B, T', E)
    const xp = Tp === T ? x : x.pad([[0, 0], [0, Tp - T], [0, 0]]);
    const Xc = xp.reshape([B, N, S, E]);
    const sel = this.select(xp, B, N);
    const state: RankerState = { B, N, T, rows: S };
    if (this.cfg.compression === 'none') {
      if (sel === null || this.cfg.ranker === 'none') return { h: Xc.reshape([B * N, S, E]), state, selection: sel?.selection ?? null };
      // full extended context (B, N, L, E) = [weighted slots ‖ current split]
      const G = this.gatherSlots(Xc, sel, B, N);
      const ext = ops.cat([G, Xc], 2);
      state.rows = (k + 1) * S;
      return { h: ext.reshape([B * N, (k + 1) * S, E]), state, selection: sel.selection };
    }
    const P = this.down_proj as Variable;
    // current-split block P_k = P[:, kS:]: (S, S) @ (B, N, S, E) + residual
    let h = P.narrow(1, k * S, S).matmul(Xc);
    if (this.cfg.compressor_residual) h = h.add(Xc);
    if (sel !== null) {
      // retrieved blocks: P[:, :kS] (S, kS) @ (B, N, kS, E)
      const G = this.gatherSlots(Xc, sel, B, N);
      h = P.narrow(1, 0, k * S).matmul(G).add(h);
    }
    return { h: h.reshape([B * N, S, E]), state, selection: sel?.selection ?? null };
  }

  /** (B, N, k·S, E): slot q of split i = w_{i,q} · X_{src(i,q)}. */
  private gatherSlots(Xc: Variable, sel: SelectionVars, B: number, N: number): Variable {
    const { chunk_size: S, k } = this.cfg;
    const E = Xc.shape[3];
    const flat = Xc.reshape([B * N, S, E]);
    const G = flat.indexSelect(0, sel.slotSource).reshape([B, N, k, S, E]);
    return G.mul(sel.slotWeights.reshape([B, N, k, 1, 1])).reshape([B, N, k * S, E]);
  }

  /** (B·N, rows, E) → (B, T, E): keep the current split's rows, drop the right padding. */
  contract(h: Variable, st: RankerState): Variable {
    const { chunk_size: S } = this.cfg;
    const E = h.shape[h.shape.length - 1];
    let out = h;
    if (st.rows !== S) out = out.reshape([st.B, st.N, st.rows, E]).narrow(2, st.rows - S, S);
    out = out.reshape([st.B, st.N * S, E]);
    return st.N * S === st.T ? out : out.narrow(1, 0, st.T);
  }
}
