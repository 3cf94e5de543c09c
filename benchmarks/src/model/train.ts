// Training throughput: full MLM optimiser steps (forward, loss, backward, AdamW, zero grads) on
// seeded random batches. tokens/s = batch·seq_len / median step time.
import * as T from '@avey/tensor';
import { losses, optim, type Variable } from '@avey/autograd';
import { mlmLogits, type AnyHeadModel } from '@avey/avey-b';
import { benchConfig, benchEnv, countParameters, createBenchModel, median, peakRssMb } from './setup.js';
import type { TrainBenchOptions, TrainBenchResult, TrainHead } from './types.js';

/** Labels (B·T): a seeded `maskRate` share of the positions carry their token id, the rest −100. */
function mlmLabels(rng: T.Rng, ids: Int32Array, maskRate: number): Int32Array {
  const labels = new Int32Array(ids.length).fill(-100);
  const perm = rng.permutationArray(ids.length);
  const n = Math.max(1, Math.round(maskRate * ids.length));
  for (let i = 0; i < n; i++) labels[perm[i]] = ids[perm[i]];
  return labels;
}

/** The step's loss. 'full': the official head (logits for all B·T positions). 'masked': only the
 *  labelled rows are projected to the vocabulary (identical loss and gradients). */
function mlmStepLoss(model: AnyHeadModel, ids: T.Tensor, labels: Int32Array, head: TrainHead): Variable {
  const [B, L] = ids.shape;
  const lab = T.tensor(labels, { dtype: 'int32', shape: [B, L] });
  if (head === 'full') {
    const { loss } = model.forward(ids, { labels: lab });
    if (!loss) throw new Error('bench train: the MLM head returned no loss');
    return loss;
  }
  const h = model.encode(ids); // (B, T, d)
  const rows: number[] = [];
  for (let i = 0; i < labels.length; i++) if (labels[i] !== -100) rows.push(i);
  const idx = T.tensor(Int32Array.from(rows), { dtype: 'int32', shape: [rows.length] });
  const hm = h.reshape([B * L, h.shape[2]]).indexSelect(0, idx); // (M, d)
  const logits = mlmLogits(hm, model.tiedEmbedding()); // (M, V)
  return losses.crossEntropy(logits, T.gather(lab.reshape([B * L]), 0, idx));
}

export async function runTrainBench(o: TrainBenchOptions): Promise<TrainBenchResult> {
  const env = await benchEnv(o);
  const head = o.head ?? 'full';
  const warmup = o.warmup ?? 1;
  const seed = o.seed ?? 0;
  const cfg = benchConfig(o, o.seqLen);
  const model = createBenchModel(cfg, seed);
  model.train();
  const params = model.parameters();
  const opt = new optim.AdamW(optim.decayGroups(params, 0.01), { lr: 1e-4, betas: [0.9, 0.98], eps: 1e-6 });
  const rng = new T.Rng(seed);
  const n = o.batch * o.seqLen;
  const times: number[] = [];
  const cpuTimes: number[] = [];
  let loss = NaN;
  for (let s = 0; s < warmup + o.steps; s++) {
    const ids = new Int32Array(n);
    for (let i = 0; i < n; i++) ids[i] = rng.nextInt(cfg.vocab_size);
    const labels = mlmLabels(rng, ids, o.maskRate ?? 0.2);
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    loss = await T.scope(async () => {
      const x = T.tensor(ids, { dtype: 'int32', shape: [o.batch, o.seqLen] });
      const l = mlmStepLoss(model, x, labels, head);
      l.backward();
      opt.step();
      opt.zeroGrad();
      return l.itemAsync(); // waits for the device
    });
    const ms = performance.now() - t0;
    const c = process.cpuUsage(c0);
    const cpuMs = (c.user + c.system) / 1000;
    if (s >= warmup) {
      times.push(ms);
      cpuTimes.push(cpuMs);
    }
    o.log?.(`${s < warmup ? 'warmup' : 'step'} ${s + 1}/${warmup + o.steps}: ${ms.toFixed(0)} ms (cpu ${cpuMs.toFixed(0)} ms), loss ${loss.toFixed(4)}`);
  }
  const med = median(times);
  const best = Math.min(...times);
  const r1 = (x: number) => Math.round(x * 10) / 10;
  return {
    kind: 'train',
    model: o.model,
    preset: o.preset,
    parameters: countParameters(cfg),
    batch: o.batch,
    seq_len: o.seqLen,
    steps: o.steps,
    head,
    tokens_per_s: r1((n * 1000) / med),
    best_tokens_per_s: r1((n * 1000) / best),
    median_step_ms: r1(med),
    min_step_ms: r1(best),
    step_ms: times.map(r1),
    median_step_cpu_ms: r1(median(cpuTimes)),
    tokens_per_cpu_s: r1((n * 1000) / median(cpuTimes)),
    peak_rss_mb: peakRssMb(),
    final_loss: loss,
    env,
  };
}
