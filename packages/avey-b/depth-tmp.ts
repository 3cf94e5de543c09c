import { Rng } from '@avey/tensor';
import { AveyForMaskedLM, aveyConfig } from '@avey/avey-b';
for (const c of ['cosine-l1', 'cosine'] as const) for (const C of [8, 16, 32]) {
  const cfg = aveyConfig({ vocab_size: 30, d_embed: 8, n_layers: 30, chunk_size: C, k: 1, contextualiser: c, layer_pattern: 'D' });
  const m = new AveyForMaskedLM(cfg, { seed: 1 });
  const ids = new Rng(2).int([1, C], 0, 30);
  const t0 = performance.now();
  const { trace } = m.trace(ids);
  let logProd = 0; let maxGain = 0;
  for (let i = 0; i < 30; i++) {
    const v = trace.get(`layers.${i}.v`)!.dataSync() as Float32Array, S = trace.get(`layers.${i}.mixing`)!.dataSync() as Float32Array;
    const d = 8; let vmax = 0, omax = 0;
    for (let r = 0; r < C; r++) { let s = 0; for (let j = 0; j < d; j++) s += v[r*d+j]**2; vmax = Math.max(vmax, Math.sqrt(s)); }
    for (let r = 0; r < C; r++) { let s = 0; for (let j = 0; j < d; j++) { let o = 0; for (let u = 0; u < C; u++) o += S[r*C+u]*v[u*d+j]; s += o*o; } omax = Math.max(omax, Math.sqrt(s)); }
    logProd += Math.log10(omax / vmax); maxGain = Math.max(maxGain, omax / vmax);
  }
  const out = m.forward(ids, { labels: ids });
  out.loss!.backward();
  const g = m.embed.weight.grad!.value.dataSync() as Float32Array;
  let gn = 0; for (const x of g) gn += x*x;
  console.log(c, C, 'log10 gain product', logProd.toFixed(1), 'max gain', maxGain.toFixed(2), 'grad', Math.sqrt(gn).toExponential(2), 'ms', (performance.now()-t0).toFixed(0));
}
