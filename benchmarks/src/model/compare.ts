// avey-ts beside the PyTorch twin (torch_ref.py) in the same run: the twin at 1 and at 2 threads
// (torch.set_num_threads), same model, preset, batch and lengths; the ratio is avey-ts over the
// faster of the two (< 1: avey-ts is faster). Used by `avey bench infer|train --compare-torch`.
import { findTorch, torchInfer, torchTrain } from './torch.js';
import type { ModelKind, PresetName } from './types.js';

export type TorchSkip = { skip: string };

export interface InferComparison {
  torch: string;
  blas: string;
  /** per length: avey-ts and the twin's median latency (s) at 1 and 2 threads, and the ratio */
  rows: { seq_len: number; avey_ts_s: number; torch_1t_s: number; torch_2t_s: number; ratio: number }[];
}

export interface TrainComparison {
  torch: string;
  blas: string;
  avey_ts_tokens_per_s: number;
  torch_1t_tokens_per_s: number;
  torch_2t_tokens_per_s: number;
  /** avey-ts tokens/s over the faster twin's (> 1: avey-ts is faster) */
  ratio: number;
}

const round = (x: number, d = 4): number => Math.round(x * 10 ** d) / 10 ** d;

export function compareInfer(
  o: { model: ModelKind; preset: PresetName; batch: number; repeats: number },
  ours: readonly { seq_len: number; latency_s: number }[],
): InferComparison | TorchSkip {
  const t = findTorch();
  if ('skip' in t) return t;
  const seqLens = ours.map((r) => r.seq_len);
  const one = torchInfer(t.python, { ...o, seqLens, threads: 1 });
  const two = torchInfer(t.python, { ...o, seqLens, threads: 2 });
  const rows = ours.map((r, i) => {
    const a = one.results[i].latency_s, b = two.results[i].latency_s;
    return { seq_len: r.seq_len, avey_ts_s: round(r.latency_s, 6), torch_1t_s: round(a, 6), torch_2t_s: round(b, 6), ratio: round(r.latency_s / Math.min(a, b), 3) };
  });
  return { torch: t.version, blas: t.blas, rows };
}

export function compareTrain(
  o: { model: ModelKind; preset: PresetName; batch: number; seqLen: number; steps: number; warmup: number },
  oursTokensPerS: number,
): TrainComparison | TorchSkip {
  const t = findTorch();
  if ('skip' in t) return t;
  const one = torchTrain(t.python, { ...o, threads: 1 });
  const two = torchTrain(t.python, { ...o, threads: 2 });
  return {
    torch: t.version, blas: t.blas, avey_ts_tokens_per_s: oursTokensPerS,
    torch_1t_tokens_per_s: one.tokens_per_s, torch_2t_tokens_per_s: two.tokens_per_s,
    ratio: round(oursTokensPerS / Math.max(one.tokens_per_s, two.tokens_per_s), 3),
  };
}
