// What the model did on one input: the ranker's MaxSim scores and picks (B = 1), and every layer's
// mixing matrix for one split. Recomputed step by step like AveyModel.encode (embed → ranker
// preprocess → layers), reading each layer's `mixing(v)` on the way.
import * as T from '@avey/tensor';
import { noGrad } from '@avey/autograd';
import type { AveyForMaskedLM } from '@avey/avey-b';

export interface Matrix { rows: number; cols: number; data: Float32Array }
export interface Inspection {
  /** (N, N) MaxSim scores of split i (row) against split j; -Infinity: not a candidate. */
  scores: Matrix | null;
  /** (N, k) picked split indices, -1 for empty slots. */
  picks: number[][];
  /** per layer: its kind and its (C, C) mixing matrix for the chosen split. */
  layers: { kind: string; matrix: Matrix }[];
  splits: number;
}

async function matrixOf(t: T.Tensor): Promise<Matrix> {
  const [rows, cols] = t.shape.slice(-2);
  return { rows, cols, data: Float32Array.from(await t.data()) };
}

export async function inspect(model: AveyForMaskedLM, ids: number[], split: number): Promise<Inspection> {
  const input = T.tensor(Int32Array.from(ids), { dtype: 'int32', shape: [1, ids.length] });
  const mats: T.Tensor[] = [];
  const kinds: string[] = [];
  let sel: { scores: T.Tensor; indices: T.Tensor } | null = null;
  let splits = 1;
  noGrad(() => {
    const x = model.embed.forward(input); // (1, T, d)
    const { h, selection } = model.ranker.preprocess(x); // h: (M, C, d), M = splits
    splits = h.shape[0];
    const s = Math.min(Math.max(0, split), splits - 1);
    if (selection) sel = { scores: selection.scores, indices: selection.indices };
    let y = h;
    for (const layer of model.layers) {
      const m = layer.mixing(layer.enrich(y).v).value; // (M, C, C), static: (C, C)
      mats.push(m.shape.length === 3 ? m.slice([s, 0, 0], [s + 1, m.shape[1], m.shape[2]]).reshape(m.shape.slice(1)) : m);
      kinds.push(layer.kind);
      y = layer.forward(y);
    }
  });
  const layers: Inspection['layers'] = [];
  for (let i = 0; i < mats.length; i++) layers.push({ kind: kinds[i], matrix: await matrixOf(mats[i]) });
  let scores: Matrix | null = null;
  const picks: number[][] = [];
  const chosen = sel as { scores: T.Tensor; indices: T.Tensor } | null;
  if (chosen) {
    scores = await matrixOf(chosen.scores.reshape(chosen.scores.shape.slice(1)));
    const k = chosen.indices.shape[2];
    const iv = await chosen.indices.data();
    for (let i = 0; i < iv.length / k; i++) picks.push(Array.from(iv.slice(i * k, (i + 1) * k)));
  }
  return { scores, picks, layers, splits };
}
