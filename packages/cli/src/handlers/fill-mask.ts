// `avey fill-mask "text with [MASK]" --checkpoint DIR`: top-k tokens (with probabilities) for each
// [MASK], using the tied MLM head.
import { UsageError } from '../errors.js';
import { commandOf, type RawArgs } from '../spec.js';
import { setupBackend } from '../lib/backend.js';
import { checkTokenizerFits, loadModel, loadTokenizer } from '../lib/models.js';
import { resolveCheckpoint } from '../train/checkpoint.js';
import { formatTable } from '../util/format.js';

interface FillMaskArgs {
  text: string;
  checkpoint: string;
  topK: number;
}

export interface Candidate {
  token: string;
  text: string;
  id: number;
  probability: number;
}

export async function runFillMask(args: RawArgs): Promise<void> {
  const a = args as unknown as RawArgs & FillMaskArgs;
  const dir = await resolveCheckpoint(a.checkpoint, '--checkpoint');
  if (!a.text.includes('[MASK]')) {
    throw new UsageError(`the text has no [MASK]: write [MASK] where a token should be predicted, e.g. "The capital of France is [MASK]."`, 'fill-mask');
  }
  await setupBackend(a.backend, commandOf(a));
  const tok = await loadTokenizer(dir);
  const { model, config } = await loadModel(dir, { head: 'mlm' });
  checkTokenizerFits(tok, config, dir);
  const maskId = tok.special.mask;
  if (maskId === null) throw new UsageError(`the tokenizer in ${dir} has no mask token, so this model cannot fill masks.`, 'fill-mask');
  const maskText = tok.idToToken(maskId) ?? '[MASK]';
  // Pretraining masks whole tokens, and byte-level tokens carry their leading space ("Ġparis"):
  // fold the space before [MASK] into the prediction.
  const text = a.text.replace(/ ?\[MASK\]/g, maskText);
  const ids = tok.encode(text, { addSpecialTokens: false }).ids;
  if (tok.special.eos !== null) ids.push(tok.special.eos); // every pretraining document ends with EOS
  const positions = ids.flatMap((id, i) => (id === maskId ? [i] : []));

  const { tensor, softmax, topk } = await import('@avey/tensor');
  const { noGrad } = await import('@avey/autograd');
  const input = tensor(Int32Array.from(ids), { dtype: 'int32', shape: [1, ids.length] });
  const logits = noGrad(() => model.forward(input).logits.value); // (1, T, V)
  const V = logits.shape[2];
  const k = Math.min(a.topK, V);
  const results: Candidate[][] = [];
  for (const p of positions) {
    const row = logits.slice([0, p, 0], [1, p + 1, V]).reshape([V]);
    const probs = softmax(row, -1);
    const { values, indices } = topk(probs, k);
    const pv = (await values.data()) as Float32Array;
    const iv = (await indices.data()) as Int32Array;
    results.push(
      Array.from(iv, (id, j) => ({ id, token: tok.idToToken(id) ?? String(id), text: tok.decode([id]), probability: pv[j] })),
    );
  }

  if (a.json) {
    process.stdout.write(`${JSON.stringify({ text: a.text, masks: results.map((c, i) => ({ position: positions[i], candidates: c })) }, null, 2)}\n`);
    return;
  }
  const out: string[] = [];
  results.forEach((cands, i) => {
    if (results.length > 1) out.push(`[MASK] #${i + 1}`);
    out.push(
      formatTable(
        ['rank', 'token', 'probability', 'filled'],
        cands.map((c, r) => {
          let n = 0;
          const filled = a.text.replace(/ ?\[MASK\]/g, (m) => (n++ === i ? c.text : m));
          return [r + 1, JSON.stringify(c.text), c.probability, filled];
        }),
      ),
    );
  });
  process.stdout.write(`${out.join('\n\n')}\n`);
}
