// Contrastive fine-tuning for dense retrieval: the multiple-negatives ranking loss (MNRL, as
// sentence-transformers' MultipleNegativesRankingLoss) and its gradient-cache form (Gao et al.
// 2021, "Scaling Deep Contrastive Learning Batch Size under Memory Limited Setup"; the paper fine-
// tunes every encoder with it, mini-batch 256).
//
//   q_i = pool(enc(query_i))  (B, d)      c_j = pool(enc(candidate_j))  (P, d), P = B (+ B' hard negatives)
//   S_ij = scale · cos(q_i, c_j)  (B, P)  candidates = [positives_0..B−1 ‖ hard negatives]
//   loss = mean_i CE(S_i, i) = mean_i [logsumexp_j S_ij − S_ii]
//
// Gradient cache: the loss depends on the parameters θ only through the embeddings, so
//   ∂loss/∂θ = Σ_i (∂loss/∂e_i) · ∂e_i/∂θ.
// 1. embed every input in mini-batches without a graph (memory ∝ mini-batch);
// 2. compute the loss on those embeddings as leaves, backward → G = ∂loss/∂e  (n, d);
// 3. re-run each mini-batch with a graph and backpropagate e_chunk with the output gradient
//    G_chunk (= backward of Σ e ⊙ G), accumulating ∂loss/∂θ into the parameters' .grad.
// Both forms give the same loss and the same parameter gradients (tested).
import * as T from '@avey/tensor';
import type { Tensor } from '@avey/tensor';
import { Variable, losses, noGrad } from '@avey/autograd';
import { normalizeL2 } from './functional.js';
import { meanPool } from './heads.js';

/** sentence-transformers' default MNRL scale (1 / temperature). */
export const MNRL_SCALE = 20;

/** Scaled cosine similarities (B, P) of query embeddings (B, d) against candidates (P, d). */
export function scaledCosine(queries: Variable, candidates: Variable, scale = MNRL_SCALE): Variable {
  return normalizeL2(queries).matmul(normalizeL2(candidates).transpose(0, 1)).mul(scale);
}

/** MNRL: mean over queries of CE(scale·cos(q_i, ·), i); candidate i is query i's positive, every
 *  other candidate (the batch's other positives and any hard negatives) a negative. */
export function mnrlLoss(queries: Variable, candidates: Variable, scale = MNRL_SCALE): Variable {
  const [B] = queries.shape;
  const P = candidates.shape[0];
  if (queries.rank !== 2 || candidates.rank !== 2 || P < B || candidates.shape[1] !== queries.shape[1]) {
    throw new T.ShapeError('mnrlLoss', `expected queries (B, d) and candidates (P ≥ B, d), got [${queries.shape.join(', ')}] and [${candidates.shape.join(', ')}]`);
  }
  const labels = T.arange(0, B, 1, { dtype: 'int32' });
  return losses.crossEntropy(scaledCosine(queries, candidates, scale), labels);
}

/** Token-id rows right-padded to one (n, T) int32 tensor with a float (n, T) attention mask. */
export function padRows(rows: readonly ArrayLike<number>[], padId: number): { ids: Tensor; mask: Tensor } {
  const n = rows.length;
  const len = Math.max(1, ...rows.map((r) => r.length));
  const ids = new Int32Array(n * len).fill(padId);
  const mask = new Float32Array(n * len);
  rows.forEach((r, b) => {
    ids.set(Array.from(r), b * len);
    mask.fill(1, b * len, b * len + r.length);
  });
  return { ids: T.tensor(ids, { dtype: 'int32', shape: [n, len] }), mask: T.tensor(mask, { shape: [n, len] }) };
}

/** Embeds a padded batch: (n, T) ids and mask → (n, d), e.g. mean pooling over real tokens. */
export type Embedder = (ids: Tensor, mask: Tensor) => Variable;

/** One contrastive batch: B queries, their B positives, and optional hard negatives (any count). */
export interface ContrastiveBatch {
  queries: readonly ArrayLike<number>[];
  positives: readonly ArrayLike<number>[];
  negatives?: readonly ArrayLike<number>[];
}

export interface MnrlStepOptions {
  padId: number;
  scale?: number;
  /** Gradient cache: embed this many inputs at a time (undefined: one forward with a graph for
   *  all inputs, the plain loss). */
  miniBatch?: number;
}

/** Embeds rows in chunks of `size` (each padded to its own longest row). */
function chunks<R>(rows: readonly R[], size: number): R[][] {
  const out: R[][] = [];
  for (let i = 0; i < rows.length; i += size) out.push(rows.slice(i, i + size));
  return out;
}

/**
 * Computes the MNRL of `batch` and accumulates its parameter gradients into `.grad` (call
 * optimizer.step() afterwards). Returns the loss value. With `miniBatch`, the gradient-cache
 * form: peak memory follows the mini-batch instead of the batch.
 */
export async function mnrlStep(embed: Embedder, batch: ContrastiveBatch, opts: MnrlStepOptions): Promise<number> {
  const B = batch.queries.length;
  if (B === 0 || batch.positives.length !== B) throw new T.AveyError('mnrlStep', `need B ≥ 1 queries and as many positives, got ${B} and ${batch.positives.length}`);
  const cands = [...batch.positives, ...(batch.negatives ?? [])];
  const scale = opts.scale ?? MNRL_SCALE;
  const run = (rows: readonly ArrayLike<number>[]) => {
    const { ids, mask } = padRows(rows, opts.padId);
    return embed(ids, mask);
  };
  if (opts.miniBatch === undefined) {
    return T.scope(async () => {
      const loss = mnrlLoss(run(batch.queries), run(cands), scale);
      loss.backward();
      return loss.itemAsync();
    });
  }
  const mb = opts.miniBatch;
  if (!(Number.isInteger(mb) && mb >= 1)) throw new T.AveyError('mnrlStep', `miniBatch must be a positive integer, got ${mb}`);
  return T.scope(async () => {
    // 1. embeddings without a graph, chunk by chunk
    const embedNoGrad = (rows: readonly ArrayLike<number>[]) =>
      T.cat(chunks(rows, mb).map((c) => T.scope(() => noGrad(() => run(c)).value)), 0);
    const q = new Variable(embedNoGrad(batch.queries), { requiresGrad: true }); // (B, d)
    const c = new Variable(embedNoGrad(cands), { requiresGrad: true }); // (P, d)
    // 2. the loss on the cached embeddings; G = ∂loss/∂embeddings
    const loss = mnrlLoss(q, c, scale);
    loss.backward();
    const value = await loss.itemAsync();
    // 3. re-run each chunk with a graph; backward with its slice of G as the output gradient
    const replay = (rows: readonly ArrayLike<number>[], g: Tensor) => {
      let at = 0;
      for (const part of chunks(rows, mb)) {
        T.scope(() => {
          const e = run(part);
          e.backward(T.contiguous(T.narrow(g, 0, at, part.length)));
        });
        at += part.length;
      }
    };
    replay(batch.queries, q.grad!.value);
    replay(cands, c.grad!.value);
    return value;
  });
}

/** The paper's sentence embedding as an Embedder: mean pooling of the last hidden state weighted
 *  by the attention mask, Σ_t m_t h_t / Σ_t m_t (n, d), whatever the model's mask_mode. */
export function meanPoolEmbedder(model: { encode(ids: Tensor, opts: { attentionMask: Tensor }): Variable }): Embedder {
  return (ids, mask) => meanPool(model.encode(ids, { attentionMask: mask }), mask); // (n, T, d) → (n, d)
}
