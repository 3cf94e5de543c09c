// The same benchmarks in PyTorch (torch_ref.py), when a python3 with torch is installed (Debian:
// `apt-get install -y python3-torch`; with `libopenblas0-pthread` torch uses OpenBLAS instead of
// the reference BLAS). Never required: every entry point returns a skip reason instead.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ModelKind, PresetName } from './types.js';

const SCRIPT = fileURLToPath(new URL('./torch_ref.py', import.meta.url));
const CANDIDATES = ['python3', '/usr/bin/python3'];

export interface TorchInfo {
  python: string;
  version: string;
  blas: string;
}

/** The first python3 that imports torch, or a reason why none does. */
export function findTorch(): TorchInfo | { skip: string } {
  const tried: string[] = [];
  for (const py of CANDIDATES) {
    // Debian's torch links libblas.so.3, which the alternatives system points at OpenBLAS or at the
    // (much slower) reference BLAS: report which one.
    const probe = 'import torch,json,os,re;c=torch.__config__.show();m=re.search(r"BLAS_INFO=(\\w+)",c);b=m.group(1) if m else "?";'
      + 'l=os.path.realpath("/usr/lib/x86_64-linux-gnu/libblas.so.3");'
      + 'b=("openblas" if "openblas" in l else "reference BLAS" if "/blas/" in l else b) if b=="generic" and os.path.exists(l) else b;'
      + 'print(json.dumps([torch.__version__, b]))';
    const r = spawnSync(py, ['-c', probe], { encoding: 'utf8', timeout: 60_000 });
    if (r.status === 0) {
      const [version, blas] = JSON.parse(r.stdout.trim().split('\n').pop() ?? '[]') as [string, string];
      return { python: py, version, blas };
    }
    tried.push(`${py}: ${(r.error?.message ?? r.stderr ?? '').trim().split('\n').pop() ?? 'failed'}`);
  }
  return { skip: `no python3 with torch (${tried.join('; ')}); apt-get install -y python3-torch to compare` };
}

export interface TorchTrainResult {
  tokens_per_s: number;
  best_tokens_per_s: number;
  median_step_ms: number;
  step_ms: number[];
  peak_rss_mb: number;
  env: { torch: string; threads: number; blas_threads: number | null };
}

export interface TorchInferResult {
  results: { seq_len: number; latency_s: number; min_latency_s: number; tokens_per_s: number; peak_rss_mb: number }[];
  env: { torch: string; threads: number; blas_threads: number | null };
}

/** Runs torch_ref.py. `threads` > 0 pins every pool: torch's intra-op pool (--threads, OpenMP) and
 *  the BLAS library's own, `blasThreads` (default: the same). OpenBLAS-pthread sizes its pool from
 *  OPENBLAS_NUM_THREADS when it loads and torch.set_num_threads does not touch it: unpinned, a
 *  "1-thread" twin ran its GEMMs on 2 threads. */
function run<T>(py: string, args: string[], timeoutS: number, threads = 0, blasThreads = threads): T {
  const pin = threads > 0
    ? { OPENBLAS_NUM_THREADS: String(blasThreads), OMP_NUM_THREADS: String(threads), MKL_NUM_THREADS: String(blasThreads) }
    : {};
  const r = spawnSync(py, [SCRIPT, ...args], { encoding: 'utf8', timeout: timeoutS * 1000, maxBuffer: 1 << 24, env: { ...process.env, ...pin } });
  if (r.status !== 0) throw new Error(`torch_ref.py ${args.join(' ')} failed: ${(r.error?.message ?? r.stderr ?? '').trim().split('\n').slice(-3).join(' | ')}`);
  return JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as T;
}

export function torchTrain(py: string, o: { model: ModelKind; preset: PresetName; batch: number; seqLen: number; steps: number; warmup?: number; threads?: number; blasThreads?: number }, timeoutS = 1800): TorchTrainResult {
  return run(py, ['train', '--model', o.model, '--preset', o.preset, '--batch', String(o.batch), '--seq-len', String(o.seqLen),
    '--steps', String(o.steps), '--warmup', String(o.warmup ?? 1), '--threads', String(o.threads ?? 0)], timeoutS, o.threads ?? 0, o.blasThreads);
}

export function torchInfer(py: string, o: { model: ModelKind; preset: PresetName; batch: number; seqLens: number[]; repeats?: number; warmup?: number; warmupSeconds?: number; threads?: number; blasThreads?: number }, timeoutS = 1800): TorchInferResult {
  return run(py, ['infer', '--model', o.model, '--preset', o.preset, '--batch', String(o.batch), '--seq-lens', o.seqLens.join(','),
    '--repeats', String(o.repeats ?? 3), '--warmup', String(o.warmup ?? 1), '--warmup-seconds', String(o.warmupSeconds ?? 0),
    '--threads', String(o.threads ?? 0)], timeoutS, o.threads ?? 0, o.blasThreads);
}
