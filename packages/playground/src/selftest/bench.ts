// Timings in the page on the current backend: a few ops and an Avey-B forward (the playground's
// shipped model), each min / median of `reps` runs after one warm-up run, every run read back to
// the host (await data()) so GPU work is included. For docs/benchmarks.md (browser backends).
import * as T from '@avey/tensor';
import { noGrad } from '@avey/autograd';
import { loadShippedModel } from '../model-io.js';

export interface BenchRow { what: string; minMs: number; medianMs: number; reps: number }

async function time(what: string, reps: number, run: () => T.Tensor): Promise<BenchRow> {
  const once = async (): Promise<number> => {
    const t0 = performance.now();
    const out = run();
    await out.data();
    const ms = performance.now() - t0;
    out.dispose();
    return ms;
  };
  await once(); // warm-up: kernel compilation, uploads
  const ts: number[] = [];
  for (let i = 0; i < reps; i++) ts.push(await once());
  ts.sort((a, b) => a - b);
  return { what, minMs: ts[0], medianMs: ts[ts.length >> 1], reps };
}

export async function runBench(modelBase: string, reps = 5): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const a = T.rand([256, 256], { seed: 1 }), b = T.rand([256, 256], { seed: 2 });
  rows.push(await time('matmul 256×256·256×256', reps, () => T.matmul(a, b)));
  const x = T.rand([1 << 20], { seed: 3 }), y = T.rand([1 << 20], { seed: 4 });
  rows.push(await time('add, 2^20 elements', reps, () => T.add(x, y)));
  const s = T.rand([256, 1024], { seed: 5 });
  rows.push(await time('softmax 256×1024 rows', reps, () => T.softmax(s, -1)));
  const pm = await loadShippedModel(modelBase);
  const ids = T.tensor(Int32Array.from({ length: 256 }, (_, i) => (i * 37) % pm.config.vocab_size), { dtype: 'int32', shape: [1, 256] });
  rows.push(await time(`Avey-B forward (playground model, d=${pm.config.d_embed}, ${pm.config.n_layers} layers), 1×256 tokens`, reps,
    () => noGrad(() => pm.model.forward(ids).logits.value)));
  return rows;
}
