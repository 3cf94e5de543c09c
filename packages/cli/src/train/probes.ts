// Fill-mask probes at the end of a pretraining run: the model's top-k tokens for the [MASK] of a few
// sentences, through the full MLM head (the same path as `avey fill-mask`).
import type { AnyHeadModel } from '@avey/avey-b';
import type { Tokenizer } from '@avey/data';

export interface ProbeResult {
  text: string;
  /** Top-k candidates for the first [MASK]: decoded text and probability. */
  top: Array<{ text: string; probability: number }>;
}

/** The top-k tokens for the first [MASK] of `text` (its leading space folded in, EOS appended, as in pretraining). */
export async function probeMask(model: AnyHeadModel, tok: Tokenizer, text: string, k = 5): Promise<ProbeResult> {
  const maskId = tok.special.mask;
  if (maskId === null) throw new Error('the tokenizer has no mask token');
  const maskText = tok.idToToken(maskId) ?? '[MASK]';
  const ids = tok.encode(text.replace(/ ?\[MASK\]/g, maskText), { addSpecialTokens: false }).ids;
  if (tok.special.eos !== null) ids.push(tok.special.eos);
  const p = ids.indexOf(maskId);
  if (p < 0) throw new Error(`probe '${text}' has no [MASK]`);
  const T = await import('@avey/tensor');
  const { noGrad } = await import('@avey/autograd');
  return T.scope(async () => {
    const input = T.tensor(Int32Array.from(ids), { dtype: 'int32', shape: [1, ids.length] });
    const logits = noGrad(() => model.forward(input).logits.value); // (1, T, V)
    const V = logits.shape[2];
    const probs = T.softmax(logits.slice([0, p, 0], [1, p + 1, V]).reshape([V]), -1);
    const { values, indices } = T.topk(probs, Math.min(k, V));
    const pv = (await values.data()) as Float32Array;
    const iv = (await indices.data()) as Int32Array;
    return { text, top: Array.from(iv, (id, j) => ({ text: tok.decode([id]), probability: pv[j] })) };
  });
}

/** "the United [MASK] of America  →  States 0.41 | Kingdom 0.07 | …" */
export function formatProbe(r: ProbeResult): string {
  return `${r.text}  →  ${r.top.map((c) => `${JSON.stringify(c.text.trim() || c.text)} ${c.probability.toFixed(2)}`).join(' | ')}`;
}
