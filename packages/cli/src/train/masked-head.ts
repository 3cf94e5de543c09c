// The MLM loss of pretraining, projecting only the masked positions through the tied head.
//
// The full head (the model's `forward`, kept for fill-mask and `avey forward`) computes logits for
// every position: h (B, T, d) → (B·T, d) · Eᵀ (d, V) → (B·T, V), then the mean cross-entropy over
// the M labelled positions (label ≠ −100). Rows without a label add nothing to the loss or to any
// gradient, so gathering the M labelled rows first, hm = h[rows] (M, d), and projecting only them,
// (M, d) · Eᵀ → (M, V), gives the same loss and the same gradients at M/(B·T) of the head's cost
// (a fifth at 20 % masking: the head is most of a tiny model's work at vocab 8192).
import type { Tensor } from '@avey/tensor';
import type { Variable } from '@avey/autograd';

type TensorModule = typeof import('@avey/tensor');
type NnModule = typeof import('@avey/autograd').nn;

/** Flat row indices (into B·T) of the labelled positions, and their labels, in order. */
export function labelledRows(labels: Int32Array): { rows: Int32Array; targets: Int32Array } {
  let m = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i] !== -100) m++;
  const rows = new Int32Array(m);
  const targets = new Int32Array(m);
  for (let i = 0, j = 0; i < labels.length; i++) {
    if (labels[i] === -100) continue;
    rows[j] = i;
    targets[j++] = labels[i];
  }
  return { rows, targets };
}

/**
 * Mean cross-entropy over the labelled positions of `labels` (B·T, −100 = none), from the encoder
 * output h (B, T, d) and the tied embedding E (V, d): CE(h[rows] · Eᵀ, labels[rows]).
 */
export function maskedMlmLossFromHidden(h: Variable, embedding: Variable, labels: Int32Array, T: TensorModule, nn: NnModule): Variable {
  const [B, L, d] = h.shape;
  if (labels.length !== B * L) throw new RangeError(`maskedMlmLoss: ${labels.length} labels for a (${B}, ${L}) batch`);
  const { rows, targets } = labelledRows(labels);
  if (rows.length === 0) throw new RangeError('maskedMlmLoss: the batch has no masked position');
  const idx: Tensor = T.tensor(rows, { dtype: 'int32', shape: [rows.length] });
  const hm = h.reshape([B * L, d]).indexSelect(0, idx); // (M, d)
  const logits = nn.linear(hm, embedding, null); // (M, d) · Eᵀ → (M, V), E's gradient as one (V, d) product
  return nn.softmaxCrossEntropy(logits, T.tensor(targets, { dtype: 'int32', shape: [targets.length] }), -100);
}
