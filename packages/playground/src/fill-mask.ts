// Fill-mask in the page, the same recipe as `avey fill-mask`: [MASK] (with the space before it)
// becomes the tokenizer's mask token, EOS ends the text, the tied MLM head scores every token.
import * as T from '@avey/tensor';
import { noGrad } from '@avey/autograd';
import type { PageModel } from './model-io.js';

export interface Candidate { token: string; text: string; id: number; probability: number }
export interface FillResult { ids: number[]; positions: number[]; candidates: Candidate[][] }

export async function fillMask(pm: PageModel, text: string, topK = 5): Promise<FillResult> {
  if (!text.includes('[MASK]')) throw new Error('the text has no [MASK]: write [MASK] where a token should be predicted');
  const tok = pm.tokenizer;
  const maskId = tok.special.mask;
  if (maskId === null) throw new Error(`the tokenizer of ${pm.source} has no mask token`);
  const maskText = tok.idToToken(maskId) ?? '[MASK]';
  const ids = tok.encode(text.replace(/ ?\[MASK\]/g, maskText), { addSpecialTokens: false }).ids;
  if (tok.special.eos !== null) ids.push(tok.special.eos);
  const positions = ids.flatMap((id, i) => (id === maskId ? [i] : []));
  const candidates: Candidate[][] = [];
  const input = T.tensor(Int32Array.from(ids), { dtype: 'int32', shape: [1, ids.length] });
  const logits = noGrad(() => pm.model.forward(input).logits.value); // (1, T, V)
  const V = logits.shape[2];
  for (const p of positions) {
    const probs = T.softmax(logits.slice([0, p, 0], [1, p + 1, V]).reshape([V]), -1);
    const { values, indices } = T.topk(probs, Math.min(topK, V));
    const pv = await values.data();
    const iv = await indices.data();
    candidates.push(Array.from(iv, (id, j) => ({ id, token: tok.idToToken(id) ?? String(id), text: tok.decode([id]), probability: pv[j] })));
    probs.dispose();
  }
  input.dispose();
  logits.dispose();
  return { ids, positions, candidates };
}
