// Model benchmarks from the command line (the `avey bench train|infer` flags, plus the sweep):
//   node --import tsx benchmarks/src/model/main.ts train --model avey-b --preset small --batch 4 --seq-len 512 --steps 3 [--head full|masked] [--gemm default|js|wasm] [--json]
//   node --import tsx benchmarks/src/model/main.ts infer --model transformer --preset small --seq-lens 512,2048,8192 --batch 1 [--repeats 3] [--json]
//   node --import tsx benchmarks/src/model/main.ts sweep [--out runs/bench-model] [--seq-lens 512,…,32768] [--models avey-b,transformer]
//        [--budget-s 240] [--repeats 2] [--train-presets tiny,small] [--train-steps 3] [--no-torch] [--torch-threads 2]
// sweep writes model-bench.json, model-bench.md and scaling.svg to --out; progress goes to stderr.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Args } from './args.js';
import { runInferBench } from './infer.js';
import { sweepMarkdown, sweepSvg } from './report.js';
import { runSweep } from './sweep.js';
import { runTrainBench } from './train.js';
import type { GemmKernel, ModelKind, PresetName, TrainHead } from './types.js';

const MODELS = ['avey-b', 'transformer'] as const;
const PRESETS = ['tiny', 'small', 'base'] as const;
const GEMMS = ['default', 'js', 'wasm'] as const;

const [cmd, ...rest] = process.argv.slice(2);
const a = new Args(rest);
const log = (l: string) => process.stderr.write(`${l}\n`);
const out = (x: unknown, text: string) => process.stdout.write(a.flag('json') ? `${JSON.stringify(x)}\n` : `${text}\n`);
const common = () => ({
  model: a.oneOf<ModelKind>('model', MODELS, 'avey-b'),
  preset: a.oneOf<PresetName>('preset', PRESETS, 'small'),
  backend: a.str('backend') ?? 'cpu',
  gemm: a.oneOf<GemmKernel>('gemm', GEMMS, 'default'),
  seed: a.num('seed', 0),
  ...(a.flag('verbose') || !a.flag('json') ? { log } : {}),
});

if (cmd === 'train') {
  const r = await runTrainBench({
    ...common(),
    batch: a.num('batch', 4),
    seqLen: a.num('seq-len', 512),
    steps: a.num('steps', 3),
    warmup: a.num('warmup', 1),
    head: a.oneOf<TrainHead>('head', ['full', 'masked'], 'full'),
  });
  out(r, `${r.model} ${r.preset} ${r.batch}×${r.seq_len} (${r.head} head, gemm ${r.env.gemm}): ${r.tokens_per_s} tokens/s (best step ${r.best_tokens_per_s}, per CPU-second ${r.tokens_per_cpu_s}), median step ${r.median_step_ms} ms, peak RSS ${r.peak_rss_mb} MB`);
} else if (cmd === 'infer') {
  const r = await runInferBench({
    ...common(),
    batch: a.num('batch', 1),
    seqLens: a.list('seq-lens', [512, 2048, 8192]),
    repeats: a.num('repeats', 3),
    warmup: a.num('warmup', 1),
  });
  out(r, [`${r.model} ${r.preset} batch ${r.batch} (gemm ${r.env.gemm}); latency ∝ T^${r.scaling_exponent ?? '?'}`,
    ...r.results.map((x) => `  T=${x.seq_len}: ${x.latency_s} s, ${x.tokens_per_s} tokens/s, peak RSS ${x.peak_rss_mb} MB`)].join('\n'));
} else if (cmd === 'sweep') {
  const dir = a.str('out') ?? 'runs/bench-model';
  const r = await runSweep({
    preset: a.oneOf<PresetName>('preset', PRESETS, 'small'),
    models: (a.str('models') ?? 'avey-b,transformer').split(',').map((m) => {
      if (!(MODELS as readonly string[]).includes(m)) throw new Error(`--models: unknown model '${m}'`);
      return m as ModelKind;
    }),
    seqLens: a.list('seq-lens', [512, 1024, 2048, 4096, 8192, 16384, 32768]),
    repeats: a.num('repeats', 2),
    budgetS: a.num('budget-s', 240),
    memFraction: a.num('mem-fraction', 0.6),
    trainPresets: (a.str('train-presets') ?? 'tiny,small').split(',').filter(Boolean).map((p) => {
      if (!(PRESETS as readonly string[]).includes(p)) throw new Error(`--train-presets: unknown preset '${p}'`);
      return p as PresetName;
    }),
    trainBatch: a.num('batch', 4),
    trainSeqLen: a.num('seq-len', 512),
    trainSteps: a.num('train-steps', 3),
    gemm: a.oneOf<GemmKernel>('gemm', GEMMS, 'default'),
    torch: !a.flag('no-torch'),
    torchThreads: a.num('torch-threads', 2),
    log,
  });
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'model-bench.json'), `${JSON.stringify(r, null, 2)}\n`);
  writeFileSync(join(dir, 'model-bench.md'), `${sweepMarkdown(r)}\n`);
  writeFileSync(join(dir, 'scaling.svg'), `${sweepSvg(r)}\n`);
  out(r, `${sweepMarkdown(r)}\n\nwrote ${join(dir, 'model-bench.json')}, model-bench.md, scaling.svg`);
} else {
  process.stderr.write('usage: main.ts train|infer|sweep [flags] (see the header of benchmarks/src/model/main.ts)\n');
  process.exit(2);
}
