// Task models, batches and prediction for a classification head. The training itself is a
// FinetuneSession (train/finetune-session.ts) run by the one training loop (train/loop.ts); the
// recipe's constants are here: AdamW β=(0.9, 0.95), eps 1e-5, weight decay 0.1, linear schedule
// with 10 % warmup.
import type { AnyConfig, AnyHeadModel } from '@avey/avey-b';
import { createModel } from '../lib/models.js';
import type { Example, HeadKind, TaskSplit } from './tasks.js';

export const FINETUNE_BETAS: [number, number] = [0.9, 0.95];
export const FINETUNE_EPS = 1e-5;
export const FINETUNE_WEIGHT_DECAY = 0.1;
export const FINETUNE_WARMUP = 0.1;

/** The pretrained config with the task's labels. */
export async function withLabels(cfg: AnyConfig, labels: readonly string[]): Promise<AnyConfig> {
  const ab = await import('@avey/avey-b');
  const id2label = Object.fromEntries(labels.map((l, i) => [String(i), l]));
  const label2id = Object.fromEntries(labels.map((l, i) => [l, i]));
  const fields = { ...cfg, num_labels: labels.length, id2label, label2id };
  delete (fields as { architectures?: string[] }).architectures;
  return cfg.model_type === 'avey' ? ab.aveyConfig(fields as Parameters<typeof ab.aveyConfig>[0]) : ab.transformerConfig(fields as Parameters<typeof ab.transformerConfig>[0]);
}

/** A task model: the pretrained encoder's weights plus a freshly initialised head (seeded). */
export async function taskModel(pretrained: AnyHeadModel, cfg: AnyConfig, head: HeadKind, labels: readonly string[], seed: number): Promise<AnyHeadModel> {
  const model = await createModel(await withLabels(cfg, labels), head, seed);
  const { missing } = model.loadStateDict(pretrained.stateDict(), { strict: false });
  if (missing.some((k) => !/^(dense|classifier|qa_outputs)\./.test(k))) {
    throw new Error(`taskModel: encoder weights missing from the pretrained model: ${missing.join(', ')}`);
  }
  return model;
}

interface Batch {
  ids: import('@avey/tensor').Tensor;
  mask: import('@avey/tensor').Tensor;
  labels: import('@avey/tensor').Tensor;
  lengths: number[];
}

/** Right-padded (B, T) ids + attention mask and the labels: (B) for seqcls, (B, T) with −100 at
 *  padding for tokcls. */
export async function makeBatch(xs: readonly Example[], head: HeadKind, padId: number): Promise<Batch> {
  const { tensor } = await import('@avey/tensor');
  const B = xs.length;
  const T = Math.max(...xs.map((x) => x.ids.length));
  const ids = new Int32Array(B * T).fill(padId);
  const mask = new Float32Array(B * T);
  const tok = new Int32Array(B * T).fill(-100);
  const seq = new Int32Array(B);
  xs.forEach((x, b) => {
    ids.set(x.ids, b * T);
    mask.fill(1, b * T, b * T + x.ids.length);
    if (typeof x.target === 'number') seq[b] = x.target;
    else tok.set(x.target, b * T);
  });
  return {
    ids: tensor(ids, { dtype: 'int32', shape: [B, T] }),
    mask: tensor(mask, { shape: [B, T] }),
    labels: head === 'seqcls' ? tensor(seq, { dtype: 'int32', shape: [B] }) : tensor(tok, { dtype: 'int32', shape: [B, T] }),
    lengths: xs.map((x) => x.ids.length),
  };
}

/** Predictions (and, for 2-label token tasks, p(label 1) per token) for every example. */
export async function predict(
  model: AnyHeadModel,
  split: TaskSplit,
  head: HeadKind,
  padId: number,
  batch: number,
): Promise<{ preds: Array<number | Int32Array>; probs: Array<Float32Array | null> }> {
  const T = await import('@avey/tensor');
  const { noGrad } = await import('@avey/autograd');
  const preds: Array<number | Int32Array> = [];
  const probs: Array<Float32Array | null> = [];
  model.eval();
  for (let i = 0; i < split.examples.length; i += batch) {
    const xs = split.examples.slice(i, i + batch);
    await T.scope(async () => {
      const b = await makeBatch(xs, head, padId);
      const logits = noGrad(() => model.forward(b.ids, { attentionMask: b.mask }).logits.value); // (B, C) or (B, T, C)
      const am = (await T.argmax(logits, -1).data()) as Int32Array;
      if (head === 'seqcls') {
        for (const p of am) preds.push(p);
        for (let k = 0; k < xs.length; k++) probs.push(null);
        return;
      }
      const L = logits.shape[1];
      const C = logits.shape[2];
      const p1 = C === 2 ? ((await T.softmax(logits, -1).narrow(-1, 1, 1).contiguous().data()) as Float32Array) : null;
      b.lengths.forEach((len, k) => {
        preds.push(am.slice(k * L, k * L + len));
        probs.push(p1 ? p1.slice(k * L, k * L + len) : null);
      });
    });
  }
  return { preds, probs };
}

/** The padding id of a tokenizer (pad, else EOS, else 0). */
export function padIdOf(tok: import('@avey/data').Tokenizer): number {
  return tok.special.pad ?? tok.special.eos ?? 0;
}

/** A split's metrics for the model's predictions ({} for an empty split). */
export async function scoreSplit(model: AnyHeadModel, split: TaskSplit, head: HeadKind, padId: number, batch: number): Promise<Record<string, number>> {
  if (split.examples.length === 0) return {};
  const { preds, probs } = await predict(model, split, head, padId, batch);
  return split.score(preds, probs);
}
