// Inference latency per sequence length: the encoder's forward pass (last_hidden_state, no grad,
// eval mode) on seeded random ids; latency = median over `repeats` runs after `warmup` untimed
// runs lasting at least `warmupSeconds`.
import * as T from '@avey/tensor';
import { noGrad } from '@avey/autograd';
import { fitPowerLaw } from './scaling.js';
import { benchConfig, benchEnv, countParameters, createBenchModel, median, peakRssMb } from './setup.js';
import type { InferBenchOptions, InferBenchResult, InferBenchRow } from './types.js';

export async function runInferBench(o: InferBenchOptions): Promise<InferBenchResult> {
  const env = await benchEnv(o);
  const seed = o.seed ?? 0;
  const warmup = o.warmup ?? 1;
  const repeats = o.repeats ?? 3;
  const cfg = benchConfig(o, Math.max(...o.seqLens));
  const model = createBenchModel(cfg, seed);
  model.eval();
  const rng = new T.Rng(seed);
  const results: InferBenchRow[] = [];
  for (const len of o.seqLens) {
    const ids = new Int32Array(o.batch * len);
    for (let i = 0; i < ids.length; i++) ids[i] = rng.nextInt(cfg.vocab_size);
    const forward = async (): Promise<number> => {
      const t0 = performance.now();
      await T.scope(async () => {
        const x = T.tensor(ids, { dtype: 'int32', shape: [o.batch, len] });
        const h = noGrad(() => model.encode(x));
        await h.value.data(); // waits for the device
      });
      return performance.now() - t0;
    };
    // untimed: at least `warmup` forwards and at least `warmupSeconds`
    const w0 = performance.now();
    for (let r = 0; r < warmup || (performance.now() - w0) / 1000 < (o.warmupSeconds ?? 0); r++) {
      const ms = await forward();
      o.log?.(`${o.model} seq_len ${len} warmup ${r + 1}: ${ms.toFixed(0)} ms`);
    }
    const times: number[] = [];
    for (let r = 0; r < repeats; r++) {
      const ms = await forward();
      times.push(ms);
      o.log?.(`${o.model} seq_len ${len} run ${r + 1}/${repeats}: ${ms.toFixed(0)} ms`);
    }
    const med = median(times) / 1000;
    results.push({
      seq_len: len,
      latency_s: Math.round(med * 1e6) / 1e6,
      min_latency_s: Math.round((Math.min(...times) / 1000) * 1e6) / 1e6,
      tokens_per_s: Math.round((o.batch * len) / med),
      peak_rss_mb: peakRssMb(),
    });
  }
  const fit = fitPowerLaw(results.map((r) => [r.seq_len, r.latency_s]));
  return {
    kind: 'infer',
    model: o.model,
    preset: o.preset,
    parameters: countParameters(cfg),
    batch: o.batch,
    repeats,
    warmup_runs: warmup,
    warmup_seconds: o.warmupSeconds ?? 0,
    results,
    scaling_exponent: fit ? Math.round(fit.exponent * 1000) / 1000 : null,
    peak_rss_mb: peakRssMb(),
    env,
  };
}
