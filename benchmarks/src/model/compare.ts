// avey-ts beside the PyTorch twin (torch_ref.py) in the same run, same model, preset, batch and
// lengths. The twin runs in three thread configurations, every pool pinned (torch.ts): 1 thread
// (torch 1 + BLAS 1), 2 threads (torch 2 + BLAS 2) and torch 1 + BLAS 2 (GEMMs on both cores, no
// OpenMP pool spinning beside them: often PyTorch's fastest on 2 cores). Each run reports the
// threads it really had; the ratio is avey-ts over the fastest. Used by `avey bench infer|train
// --compare-torch`.
import { findTorch, torchInfer, torchTrain } from './torch.js';
import type { ModelKind, PresetName } from './types.js';

export type TorchSkip = { skip: string };

/** Threads of one twin configuration: torch's intra-op pool and the BLAS pool (measured blas: null
 *  where torch does not use OpenBLAS). */
export interface TwinThreads { torch: number; blas: number | null }

/** The configurations, in report order (the JSON columns torch_1t_*, torch_2t_*, torch_1t_blas2_*). */
export const TWIN_CONFIGS = [
  { torch: 1, blas: 1, label: 'torch 1 thread' },
  { torch: 2, blas: 2, label: 'torch 2 threads' },
  { torch: 1, blas: 2, label: 'torch 1 + BLAS 2' },
] as const;

export interface InferComparison {
  torch: string;
  blas: string;
  /** per configuration (TWIN_CONFIGS order), the threads measured inside the run */
  twin_threads: TwinThreads[];
  /** per length: avey-ts and each twin configuration's median latency (s), and avey-ts / fastest */
  rows: { seq_len: number; avey_ts_s: number; torch_1t_s: number; torch_2t_s: number; torch_1t_blas2_s: number; ratio: number }[];
}

export interface TrainComparison {
  torch: string;
  blas: string;
  twin_threads: TwinThreads[];
  avey_ts_tokens_per_s: number;
  torch_1t_tokens_per_s: number;
  torch_2t_tokens_per_s: number;
  torch_1t_blas2_tokens_per_s: number;
  /** avey-ts tokens/s over the fastest twin's (> 1: avey-ts is faster) */
  ratio: number;
}

const threadsOf = (r: { env: { threads: number; blas_threads?: number | null } }): TwinThreads => ({ torch: r.env.threads, blas: r.env.blas_threads ?? null });
const round = (x: number, d = 4): number => Math.round(x * 10 ** d) / 10 ** d;

export function compareInfer(
  o: { model: ModelKind; preset: PresetName; batch: number; repeats: number; warmup?: number; warmupSeconds?: number },
  ours: readonly { seq_len: number; latency_s: number }[],
): InferComparison | TorchSkip {
  const t = findTorch();
  if ('skip' in t) return t;
  const seqLens = ours.map((r) => r.seq_len);
  const [one, two, mixed] = TWIN_CONFIGS.map((c) => torchInfer(t.python, { ...o, seqLens, threads: c.torch, blasThreads: c.blas }));
  const rows = ours.map((r, i) => {
    const [a, b, c] = [one, two, mixed].map((x) => x.results[i].latency_s);
    return {
      seq_len: r.seq_len, avey_ts_s: round(r.latency_s, 6), torch_1t_s: round(a, 6), torch_2t_s: round(b, 6), torch_1t_blas2_s: round(c, 6),
      ratio: round(r.latency_s / Math.min(a, b, c), 3),
    };
  });
  return { torch: t.version, blas: t.blas, twin_threads: [one, two, mixed].map(threadsOf), rows };
}

export function compareTrain(
  o: { model: ModelKind; preset: PresetName; batch: number; seqLen: number; steps: number; warmup: number },
  oursTokensPerS: number,
): TrainComparison | TorchSkip {
  const t = findTorch();
  if ('skip' in t) return t;
  const [one, two, mixed] = TWIN_CONFIGS.map((c) => torchTrain(t.python, { ...o, threads: c.torch, blasThreads: c.blas }));
  return {
    torch: t.version, blas: t.blas, twin_threads: [one, two, mixed].map(threadsOf), avey_ts_tokens_per_s: oursTokensPerS,
    torch_1t_tokens_per_s: one.tokens_per_s, torch_2t_tokens_per_s: two.tokens_per_s, torch_1t_blas2_tokens_per_s: mixed.tokens_per_s,
    ratio: round(oursTokensPerS / Math.max(one.tokens_per_s, two.tokens_per_s, mixed.tokens_per_s), 3),
  };
}

/** Per length, the ratio of each round of `compareInfer` and their median (the middle one; the mean
 *  of the middle two for an even count), rounded like the ratios. */
export function medianRatios(rounds: readonly InferComparison[]): { seq_len: number; ratios: number[]; median: number }[] {
  if (rounds.length === 0) return [];
  return rounds[0].rows.map((row, i) => {
    const ratios = rounds.map((r) => {
      const x = r.rows[i];
      if (x?.seq_len !== row.seq_len) throw new Error(`medianRatios: round lengths differ (${row.seq_len} vs ${x?.seq_len})`);
      return x.ratio;
    });
    const s = [...ratios].sort((p, q) => p - q), m = s.length >> 1;
    return { seq_len: row.seq_len, ratios, median: round(s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2, 3) };
  });
}
