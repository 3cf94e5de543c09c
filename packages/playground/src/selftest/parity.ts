// The Avey-B parity fixture (official PyTorch outputs, loss and every parameter gradient,
// ../shared/fixtures/avey-b/small.*) checked inside the page on the current backend, for the
// three official heads, with the torch.allclose rule of packages/avey-b/test/parity.test.ts.
import * as T from '@avey/tensor';
import { safetensors } from '@avey/autograd';
import { aveyConfig, createAvey, diffArrays, formatDiff, namedParams, summarize, type HeadName, type TensorDiff } from '@avey/avey-b';

export interface ParityResult { head: HeadName; tensors: number; maxAbs: number; maxRel: number; worst: string; failing: string[] }

const HEADS: readonly { head: HeadName; key: string; labels: string }[] = [
  { head: 'mlm', key: 'mlm', labels: 'input.mlm_labels' },
  { head: 'seqcls', key: 'seqcls', labels: 'input.seqcls_labels' },
  { head: 'tokcls', key: 'tokcls', labels: 'input.tokcls_labels' },
];

export async function runParity(base: string): Promise<ParityResult[]> {
  const [metaText, bytes] = await Promise.all([
    fetch(`${base}small.json`).then((r) => { if (!r.ok) throw new Error(`cannot fetch ${base}small.json: HTTP ${r.status}`); return r.text(); }),
    fetch(`${base}small.safetensors`).then((r) => { if (!r.ok) throw new Error(`cannot fetch ${base}small.safetensors: HTTP ${r.status}`); return r.arrayBuffer(); }),
  ]);
  const meta = JSON.parse(metaText) as { config: Record<string, number>; scalars: Record<string, number> };
  const raw = safetensors.parseBytes(new Uint8Array(bytes), 'small.safetensors').tensors;
  const get = (name: string): safetensors.RawTensor => {
    const r = raw.get(name);
    if (!r) throw new Error(`fixture has no tensor ${name}`);
    return r;
  };
  const t = (name: string): T.Tensor => { const r = get(name); return T.tensor(r.data as Float32Array, { dtype: r.dtype as 'float32', shape: [...r.shape] }); };
  const config = aveyConfig({ ...meta.config, mask_mode: 'official' });
  const out: ParityResult[] = [];
  for (const { head, key, labels } of HEADS) {
    const model = createAvey(config, head);
    const params = namedParams(model);
    for (const [name, p] of params) {
      const r = get(`${key}.param.${name}`);
      p.value = T.tensor(r.data as Float32Array, { shape: [...r.shape] });
    }
    const res = model.forward(t('input.input_ids'), { labels: t(labels) });
    const diffs: TensorDiff[] = [];
    diffs.push(diffArrays(`${key}.logits`, await res.logits.value.data(), get(`${key}.expected.logits`).data as ArrayLike<number>));
    if (raw.has(`${key}.expected.last_hidden_state`)) {
      diffs.push(diffArrays(`${key}.last_hidden_state`, await res.lastHiddenState.value.data(), get(`${key}.expected.last_hidden_state`).data as ArrayLike<number>));
    }
    if (!res.loss) throw new Error(`${head}: no loss`);
    diffs.push(diffArrays(`${key}.loss`, [(await res.loss.value.data())[0]], [meta.scalars[`${key}.loss`]]));
    res.loss.backward();
    for (const [name, p] of params) {
      if (!p.grad) throw new Error(`${head}: ${name} received no gradient`);
      diffs.push(diffArrays(`${key}.grad.${name}`, await p.grad.value.data(), get(`${key}.grad.${name}`).data as ArrayLike<number>));
    }
    const rep = summarize(diffs);
    out.push({
      head, tensors: diffs.length,
      maxAbs: Math.max(...diffs.map((d) => d.maxAbs)), maxRel: Math.max(...diffs.map((d) => d.maxRel)),
      worst: rep.worst ? formatDiff(rep.worst) : '', failing: rep.diffs.filter((d) => !d.pass).slice(0, 10).map(formatDiff),
    });
  }
  return out;
}
