// Task heads, shared by Avey-B and the Transformer baseline (official `AveyFor*` semantics).
//
//   MLM:      logits = h Eᵀ (tied to embed.weight, no bias); CE over labels ≠ −100
//   SeqCls:   p = mean_t h_t → dense.0 (d→2d) → GELU → dense.2 (2d→2d) → GELU → dense.4 (2d→d)
//             → classifier (d→num_labels); CE (int labels), MSE (num_labels = 1), BCE (float labels)
//   TokCls:   dense.0 (d→d) → tanh → classifier; per-token CE (ignore −100)
//   QA span:  qa_outputs (d→2) → start/end logits (B, T); loss = (CE(start) + CE(end)) / 2
import type { Tensor, Rng } from '@avey/tensor';
import { ShapeError, where } from '@avey/tensor';
import { Variable, nn, losses } from '@avey/autograd';
import type { MaskMode } from './config.js';
import { checkMask, type EncodeOptions } from './encoder.js';
import { xavierLinear } from './modules.js';

export interface HeadInput extends EncodeOptions {
  /** MLM: (B, T) int32 (−100 = ignore). SeqCls: (B) int32, or float32 (B) / (B, C). TokCls: (B, T). */
  labels?: Tensor;
  /** QA: (B) int32 start / end token positions. */
  startPositions?: Tensor;
  endPositions?: Tensor;
}

export interface HeadOutput {
  /** MLM (B, T, V); SeqCls (B, C); TokCls (B, T, C); QA (B, T, 2). */
  logits: Variable;
  loss: Variable | null;
  lastHiddenState: Variable;
}

export interface QAOutput extends HeadOutput {
  startLogits: Variable;
  endLogits: Variable;
}

/** The pooling mask (float32 (B, T)) or null when every position counts (no mask, or the
 *  official mode, which mean-pools over all T positions including pads). */
export function poolingMask(opts: EncodeOptions, shape: readonly number[], defaultMode: MaskMode): Tensor | null {
  const mode = opts.maskMode ?? defaultMode;
  if (!opts.attentionMask || mode === 'official') return null;
  return checkMask(opts.attentionMask, shape, 'poolingMask');
}

/** Mean over the real tokens: (B, T, d) → (B, d). Without a mask: h.mean(dim=1). */
export function meanPool(h: Variable, mask: Tensor | null): Variable {
  if (mask === null) return h.mean(1);
  const m = mask.unsqueeze(-1); // (B, T, 1)
  const count = mask.sum(1, true).maximum(1); // (B, 1)
  return h.mul(m).sum(1).div(count);
}

export function mlmLogits(h: Variable, embedding: Variable): Variable {
  // (B, T, d) @ (d, V) → (B, T, V) as nn.linear with the tied weight: its backward gives dE = Gᵀ h as
  // one contiguous (V, d) product, which adds to the embedding lookup's gradient elementwise (h Eᵀ
  // through a transpose would give a transposed view there, summed with a strided read)
  return nn.linear(h, embedding, null);
}

export function mlmLoss(logits: Variable, labels: Tensor): Variable {
  const [B, T, V] = logits.shape;
  if (labels.rank !== 2 || labels.shape[0] !== B || labels.shape[1] !== T) {
    throw new ShapeError('mlmLoss', `labels shape [${labels.shape.join(', ')}] != [${B}, ${T}]`);
  }
  // = losses.crossEntropy(…, { ignoreIndex: −100 }) on the fused softmax-cross-entropy kernels
  return nn.softmaxCrossEntropy(logits.reshape([B * T, V]), labels.reshape([B * T]), -100);
}

/** SequenceClassification loss with the official problem-type rules. */
export function seqClsLoss(logits: Variable, labels: Tensor, numLabels: number): Variable {
  if (numLabels === 1) {
    return losses.mse(logits.reshape([logits.shape[0]]), labels.cast('float32').reshape([logits.shape[0]]));
  }
  if (labels.dtype === 'int32') return losses.crossEntropy(logits, labels.reshape([logits.shape[0]]), { ignoreIndex: -100 });
  return losses.bceWithLogits(logits, labels.cast('float32'));
}

export function tokClsLoss(logits: Variable, labels: Tensor): Variable {
  const [B, T, C] = logits.shape;
  return losses.crossEntropy(logits.reshape([B * T, C]), labels.reshape([B * T]), { ignoreIndex: -100 });
}

export class SeqClsHead {
  static build(d: number, numLabels: number, rng: Rng): { dense: nn.Sequential; classifier: nn.Linear } {
    const dense = new nn.Sequential(
      xavierLinear(d, 2 * d, rng),
      new nn.GELU(),
      xavierLinear(2 * d, 2 * d, rng),
      new nn.GELU(),
      xavierLinear(2 * d, d, rng),
    );
    return { dense, classifier: xavierLinear(d, numLabels, rng) };
  }
}

export class TokClsHead {
  static build(d: number, numLabels: number, rng: Rng): { dense: nn.Sequential; classifier: nn.Linear } {
    return { dense: new nn.Sequential(xavierLinear(d, d, rng), new nn.Tanh()), classifier: xavierLinear(d, numLabels, rng) };
  }
}

/** Cosine similarity of two embedding batches: (N, d), (M, d) → (N, M). */
export function cosineMatrix(a: Tensor, b: Tensor): Tensor {
  const an = a.div(a.square().sum(-1, true).sqrt().maximum(1e-12));
  const bn = b.div(b.square().sum(-1, true).sqrt().maximum(1e-12));
  return an.matmul(bn.transpose(0, 1));
}

/** (CE(start) + CE(end)) / 2 with positions clamped to [0, T] and T ignored (HF convention). */
export function qaLoss(startLogits: Variable, endLogits: Variable, start: Tensor, end: Tensor): Variable {
  const T = startLogits.shape[1];
  const clampIgnore = (p: Tensor): Tensor => {
    const c = p.cast('int32').reshape([p.size]).clamp(0, T);
    return where(c.eq(T), -100, c);
  };
  const ls = losses.crossEntropy(startLogits, clampIgnore(start), { ignoreIndex: -100 });
  const le = losses.crossEntropy(endLogits, clampIgnore(end), { ignoreIndex: -100 });
  return ls.add(le).mul(0.5);
}

// ---- head outputs from a last hidden state h (B, T, d), shared by every encoder's head classes ----

/** MLM: tied logits h Eᵀ (B, T, V) and, with labels, the loss. */
export function mlmOutput(h: Variable, embedding: Variable, opts: HeadInput): HeadOutput {
  const logits = mlmLogits(h, embedding);
  return { logits, loss: opts.labels ? mlmLoss(logits, opts.labels) : null, lastHiddenState: h };
}

/** SeqCls: classifier(dense(meanPool(h, mask))) (B, C) and, with labels, the loss. */
export function seqClsOutput(
  h: Variable, mask: Tensor | null, dense: nn.Sequential, classifier: nn.Linear, numLabels: number, opts: HeadInput,
): HeadOutput {
  const logits = classifier.forward(dense.forward(meanPool(h, mask)));
  return { logits, loss: opts.labels ? seqClsLoss(logits, opts.labels, numLabels) : null, lastHiddenState: h };
}

/** TokCls: classifier(dense(h)) (B, T, C) and, with labels, the per-token loss. */
export function tokClsOutput(h: Variable, dense: nn.Sequential, classifier: nn.Linear, opts: HeadInput): HeadOutput {
  const logits = classifier.forward(dense.forward(h));
  return { logits, loss: opts.labels ? tokClsLoss(logits, opts.labels) : null, lastHiddenState: h };
}

/** QA span: qa_outputs(h) (B, T, 2) split into start / end logits (B, T) and, with positions, the loss. */
export function qaOutput(h: Variable, qaOutputs: nn.Linear, opts: HeadInput): QAOutput {
  const logits = qaOutputs.forward(h);
  const [B, T] = h.shape;
  const startLogits = logits.narrow(-1, 0, 1).reshape([B, T]);
  const endLogits = logits.narrow(-1, 1, 1).reshape([B, T]);
  const loss = opts.startPositions && opts.endPositions ? qaLoss(startLogits, endLogits, opts.startPositions, opts.endPositions) : null;
  return { logits, loss, lastHiddenState: h, startLogits, endLogits };
}
