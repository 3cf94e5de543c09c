// The scaling sweep: inference latency against sequence length for Avey-B and the Transformer
// baseline (each length in a child process, so peak memory is per length and an out-of-memory
// kill only loses that point), training tokens/s per preset, the same in PyTorch when available.
import { spawnSync } from 'node:child_process';
import { totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { fitPowerLaw } from './scaling.js';
import { findTorch, torchInfer, torchTrain } from './torch.js';
import type { SweepCurve, SweepResult } from './report.js';
import { benchEnv } from './setup.js';
import type { GemmKernel, InferBenchResult, ModelKind, PresetName, TrainBenchResult } from './types.js';

export interface SweepOptions {
  preset: PresetName;
  models: ModelKind[];
  seqLens: number[];
  repeats: number;
  /** seconds one length may take (predicted from the previous lengths); longer ones are skipped */
  budgetS: number;
  /** share of the machine's memory a length may be predicted to use */
  memFraction: number;
  trainPresets: PresetName[];
  trainBatch: number;
  trainSeqLen: number;
  trainSteps: number;
  gemm: GemmKernel;
  torch: boolean;
  torchThreads: number;
  log: (line: string) => void;
}

const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));

function child<T>(args: string[], timeoutS: number): T {
  const r = spawnSync(process.execPath, [...process.execArgv, MAIN, ...args, '--json'], { encoding: 'utf8', timeout: timeoutS * 1000, maxBuffer: 1 << 24 });
  if (r.status !== 0) {
    const lines = (r.stderr ?? '').split('\n').map((l) => l.trim()).filter(Boolean);
    const err = lines.find((l) => /^\w*Error\b|Error:/.test(l)) ?? lines.filter((l) => !l.startsWith('Node.js')).pop();
    const why = r.signal === 'SIGKILL' ? 'killed (out of memory?)' : r.error ? r.error.message : err;
    throw new Error(why || `exit ${r.status}`);
  }
  return JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as T;
}

/** Prediction for length L from the measured (length, value) points: power law through the last
 *  two points (exponent clamped to [1, 2.2]), else linear. */
function predict(points: [number, number][], L: number): number {
  const n = points.length;
  if (n === 0) return 0;
  const [xl, yl] = points[n - 1];
  let p = 1;
  if (n >= 2) {
    const [xp, yp] = points[n - 2];
    p = Math.min(2.2, Math.max(1, Math.log(yl / yp) / Math.log(xl / xp)));
  }
  return yl * (L / xl) ** p;
}

type Measure = (L: number) => { latency_s: number; min_latency_s: number; tokens_per_s: number; peak_rss_mb: number };

function curve(model: ModelKind, impl: SweepCurve['impl'], o: SweepOptions, measure: Measure): SweepCurve {
  const c: SweepCurve = { model, impl, rows: [], skipped: [], fit: null };
  const memMb = (o.memFraction * totalmem()) / 2 ** 20;
  for (const L of [...o.seqLens].sort((a, b) => a - b)) {
    if (c.skipped.length > 0) {
      c.skipped.push({ seq_len: L, reason: c.skipped[0].reason });
      continue;
    }
    const lat = predict(c.rows.map((r) => [r.seq_len, r.latency_s]), L) * (o.repeats + 1);
    const mem = predict(c.rows.map((r) => [r.seq_len, r.peak_rss_mb]), L);
    if (mem > memMb) {
      c.skipped.push({ seq_len: L, reason: `memory: ~${Math.round(mem)} MB predicted` });
      continue;
    }
    if (lat > o.budgetS) {
      c.skipped.push({ seq_len: L, reason: `time: ~${Math.round(lat)} s predicted` });
      continue;
    }
    try {
      const row = measure(L);
      c.rows.push({ seq_len: L, ...row });
      o.log(`${impl} ${model} T=${L}: ${row.latency_s} s, ${row.tokens_per_s} tokens/s, peak RSS ${row.peak_rss_mb} MB`);
    } catch (e) {
      c.skipped.push({ seq_len: L, reason: (e as Error).message.slice(0, 80) });
      o.log(`${impl} ${model} T=${L}: failed: ${(e as Error).message}`);
    }
  }
  c.fit = fitPowerLaw(c.rows.map((r) => [r.seq_len, r.latency_s]));
  return c;
}

export async function runSweep(o: SweepOptions): Promise<SweepResult> {
  const env = await benchEnv({ model: 'avey-b', preset: o.preset, batch: 1, gemm: o.gemm });
  const torch = o.torch ? findTorch() : { skip: 'disabled (--no-torch)' };
  const common = ['--preset', o.preset, '--batch', '1', '--gemm', o.gemm];
  const curves: SweepCurve[] = [];
  for (const model of o.models) {
    curves.push(curve(model, 'avey-ts', o, (L) => {
      const r = child<InferBenchResult>(['infer', '--model', model, ...common, '--seq-lens', String(L), '--repeats', String(o.repeats)], o.budgetS * 3);
      return r.results[0];
    }));
    if ('python' in torch) {
      curves.push(curve(model, 'pytorch', o, (L) => torchInfer(torch.python, { model, preset: o.preset, batch: 1, seqLens: [L], repeats: o.repeats, threads: o.torchThreads }, o.budgetS * 3).results[0]));
    }
  }
  const train: SweepResult['train'] = [];
  const trainRatio: Record<string, number> = {};
  for (const preset of o.trainPresets) {
    for (const model of o.models) {
      const key = `${model}/${preset}`;
      try {
        const t = child<TrainBenchResult>(['train', '--model', model, '--preset', preset, '--batch', String(o.trainBatch), '--seq-len', String(o.trainSeqLen), '--steps', String(o.trainSteps), '--gemm', o.gemm], 3600);
        train.push(t);
        o.log(`avey-ts train ${key}: ${t.tokens_per_s} tokens/s (best step ${t.best_tokens_per_s})`);
        if ('python' in torch) {
          const p = torchTrain(torch.python, { model, preset, batch: o.trainBatch, seqLen: o.trainSeqLen, steps: o.trainSteps, threads: o.torchThreads }, 3600);
          train.push({ kind: 'train', model, preset, impl: 'pytorch', batch: o.trainBatch, seq_len: o.trainSeqLen, tokens_per_s: p.tokens_per_s, best_tokens_per_s: p.best_tokens_per_s, median_step_ms: p.median_step_ms, peak_rss_mb: p.peak_rss_mb });
          trainRatio[key] = Math.round((t.median_step_ms / p.median_step_ms) * 100) / 100;
          o.log(`pytorch train ${key}: ${p.tokens_per_s} tokens/s (best step ${p.best_tokens_per_s})`);
        }
      } catch (e) {
        o.log(`train ${key} failed: ${(e as Error).message}`);
      }
    }
  }
  const inferRatio: Record<string, Record<string, number>> = {};
  for (const model of o.models) {
    const ours = curves.find((c) => c.model === model && c.impl === 'avey-ts');
    const theirs = curves.find((c) => c.model === model && c.impl === 'pytorch');
    if (!ours || !theirs) continue;
    inferRatio[model] = {};
    for (const r of ours.rows) {
      const t = theirs.rows.find((x) => x.seq_len === r.seq_len);
      if (t) inferRatio[model][String(r.seq_len)] = Math.round((r.latency_s / t.latency_s) * 100) / 100;
    }
  }
  return {
    created: new Date().toISOString(),
    preset: o.preset,
    env,
    curves,
    train,
    torch: 'python' in torch ? { version: torch.version, blas: torch.blas, train_time_ratio: trainRatio, infer_time_ratio: inferRatio } : { skip: torch.skip },
  };
}
