// Options and results of the model benchmarks (`avey bench train|infer`, the scaling sweep).

import type { ModelKind, AveyPresetName as PresetName } from '@avey/avey-b';

export type { ModelKind, PresetName };

/** MLM head of the training step: 'full' = logits for every position (the official
 *  AveyForMaskedLM.forward + cross-entropy with ignore_index −100); 'masked' = the vocabulary
 *  projection only for the masked positions (same loss and gradients, less work). */
export type TrainHead = 'full' | 'masked';
/** float32 GEMM kernel: 'default' = whatever the backend uses now; 'js' = the plain-JS sgemm;
 *  'wasm' = the WebAssembly SIMD kernels (falls back to the default, with a note, where missing). */
export type GemmKernel = 'default' | 'js' | 'wasm';

export interface ModelBenchOptions {
  model: ModelKind;
  preset: PresetName;
  batch: number;
  /** Tensor backend to select first (default: keep the current one, e.g. set by the CLI). */
  backend?: string;
  gemm?: GemmKernel;
  /** Config fields over the preset. */
  configFields?: Record<string, unknown>;
  seed?: number;
  /** Progress lines (default: none). */
  log?: (line: string) => void;
}

export interface TrainBenchOptions extends ModelBenchOptions {
  seqLen: number;
  /** Timed steps (after `warmup` untimed ones, default 1). */
  steps: number;
  warmup?: number;
  head?: TrainHead;
  /** Fraction of positions that carry an MLM label (default 0.2). */
  maskRate?: number;
}

export interface BenchEnv {
  backend: string;
  gemm: string;
  node: string;
  cpus: number;
  cpu_model: string;
  /** Whether the wasm GEMM runs its relaxed-SIMD FMA micro-kernel (see docs/cpu-kernels.md: AVEY_CPU_FMA=1 / Node ≥ 22 / the avey CLI). */
  gemm_fma?: boolean;
  /** 1-minute load average when the run started (the machine may be shared). */
  load_avg: number;
}

export interface TrainBenchResult {
  kind: 'train';
  model: ModelKind;
  preset: PresetName;
  parameters: number;
  batch: number;
  seq_len: number;
  steps: number;
  head: TrainHead;
  /** batch·seq_len / median step time. */
  tokens_per_s: number;
  /** batch·seq_len / fastest step time (less sensitive to a shared machine). */
  best_tokens_per_s: number;
  median_step_ms: number;
  min_step_ms: number;
  step_ms: number[];
  /** CPU time (user + system, all threads) of the median step: less sensitive than wall time to
   *  other processes on a shared machine. */
  median_step_cpu_ms: number;
  /** batch·seq_len / median step CPU time */
  tokens_per_cpu_s: number;
  peak_rss_mb: number;
  final_loss: number;
  env: BenchEnv;
}

export interface InferBenchOptions extends ModelBenchOptions {
  seqLens: number[];
  /** Timed runs per length (default 3) after `warmup` (default 1) untimed ones, and after at least
   *  `warmupSeconds` (default 0) of them: V8 keeps optimising the model's JavaScript for ~200–300
   *  forwards (6–8 s at 128 tokens) before its steady state (the CLI's default is 8 s). */
  repeats?: number;
  warmup?: number;
  warmupSeconds?: number;
}

export interface InferBenchRow {
  seq_len: number;
  /** median forward latency (encoder, no grad), seconds */
  latency_s: number;
  min_latency_s: number;
  /** batch·seq_len / latency_s */
  tokens_per_s: number;
  /** process peak RSS after this length (monotone over the run) */
  peak_rss_mb: number;
}

export interface InferBenchResult {
  kind: 'infer';
  model: ModelKind;
  preset: PresetName;
  parameters: number;
  batch: number;
  repeats: number;
  /** untimed forwards per length: at least `warmup_runs`, for at least `warmup_seconds` */
  warmup_runs: number;
  warmup_seconds: number;
  results: InferBenchRow[];
  /** Fitted latency ∝ seq_len^exponent over the measured lengths (null with < 2 lengths). */
  scaling_exponent: number | null;
  peak_rss_mb: number;
  env: BenchEnv;
}
