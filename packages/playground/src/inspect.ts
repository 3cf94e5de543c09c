// What the model did on one input, from Avey-B's trace API (AveyModel.trace, @avey/avey-b
// trace.ts; the same data `avey trace` writes): the ranker's MaxSim scores and picks (B = 1), and
// every layer's mixing matrix for one split — the traced matrix of a dynamic layer, the learned
// spatial_proj of a static one (which is what its forward multiplies by).
import * as T from '@avey/tensor';
import { noGrad } from '@avey/autograd';
import type { AveyForMaskedLM } from '@avey/avey-b';

export interface Matrix { rows: number; cols: number; data: Float32Array }
export interface Inspection {
  /** (n, n) MaxSim scores of split i (row) against split j; -Infinity: not a candidate. */
  scores: Matrix | null;
  /** (n, k) picked split indices, -1 for empty slots. */
  picks: number[][];
  /** per layer: its kind and its (L, L) mixing matrix for the chosen split. */
  layers: { kind: string; matrix: Matrix }[];
  splits: number;
}

async function matrixOf(t: T.Tensor): Promise<Matrix> {
  const [rows, cols] = t.shape.slice(-2);
  return { rows, cols, data: Float32Array.from(await t.data()) };
}

/** Row `i` of a (M, L, L) tensor as (L, L). */
const pick = (t: T.Tensor, i: number): T.Tensor => t.slice([i, 0, 0], [i + 1, t.shape[1], t.shape[2]]).reshape(t.shape.slice(1));

export async function inspect(model: AveyForMaskedLM, ids: number[], split: number): Promise<Inspection> {
  const input = T.tensor(Int32Array.from(ids), { dtype: 'int32', shape: [1, ids.length] });
  const { trace } = noGrad(() => model.trace(input));
  const scores3 = trace.get('ranker.scores')!; // (1, n, n)
  const selected = trace.get('ranker.selected')!; // (1, n, k)
  const n = scores3.shape[1];
  const s = Math.min(Math.max(0, split), n - 1);
  const layers: Inspection['layers'] = [];
  for (const [i, layer] of [...model.layers].entries()) {
    const traced = trace.get(`layers.${i}.mixing`); // (M, L, L), dynamic layers
    const L = trace.get(`layers.${i}.v`)!.shape[1];
    const m = traced ? pick(traced, s) : (layer.spatial_proj as NonNullable<typeof layer.spatial_proj>).value.slice([0, 0], [L, L]);
    layers.push({ kind: layer.kind, matrix: await matrixOf(m) });
  }
  const k = selected.shape[2];
  const iv = await selected.data();
  const picks: number[][] = [];
  for (let i = 0; i < n; i++) picks.push(Array.from(iv.slice(i * k, (i + 1) * k)));
  const scores = n > 1 ? await matrixOf(scores3.reshape([n, n])) : null;
  for (const t of trace.values()) t.dispose();
  input.dispose();
  return { scores, picks, layers, splits: n };
}
