// `avey bench ops|train|infer`: the benchmarks workspace's runners (benchmarks/src/ops and
// benchmarks/src/model) behind the CLI's flags, tables and --json.
import { UsageError } from '../errors.js';
import { commandOf, type RawArgs } from '../spec.js';
import { setupBackend } from '../lib/backend.js';
import { readConfigFile, type ModelKind, type PresetName } from '../lib/models.js';
import { formatCount, formatTable } from '../util/format.js';

interface ModelArgs {
  model: ModelKind;
  preset: PresetName;
  config?: string;
  batch: number;
  warmupRuns: number;
  gemm: 'default' | 'js' | 'wasm';
}

const progress = (verbose: boolean) => (line: string) => {
  if (verbose) process.stderr.write(`${line}\n`);
};

/** The options `bench train` and `bench infer` share, from the CLI flags. */
function modelBenchOptions(a: RawArgs & ModelArgs, backend: string) {
  return {
    model: a.model,
    preset: a.preset,
    configFields: a.config ? readConfigFile(a.config) : {},
    backend,
    gemm: a.gemm,
    batch: a.batch,
    warmup: a.warmupRuns,
    seed: a.seed,
    log: progress(a.verbose),
  };
}

export async function runBenchOps(args: RawArgs): Promise<void> {
  const a = args as unknown as RawArgs & { ops?: string[]; backends?: string[]; quick: boolean; peers: boolean };
  const known = ['cpu', 'webgpu', 'gpujs'];
  let backends: string[] | undefined;
  if (a.backends?.length) {
    backends = a.backends.includes('all') ? known : [...new Set(a.backends)];
    const bad = backends.filter((b) => !known.includes(b));
    if (bad.length) throw new UsageError(`--backends: unknown backend ${bad.map((b) => `'${b}'`).join(', ')}; use ${known.join(', ')} or all.`, 'bench ops');
  }
  // One backend: select it like every command (an unavailable one is a usage error). Several: each
  // is initialised by the benchmark, and one that is not available here is listed under `skipped`.
  const backend = backends ? undefined : await setupBackend(a.backend, commandOf(a));
  const ops = await import('@avey/benchmarks');
  const res = await ops.runOpBench({
    ...(backends ? { backends } : { backend }),
    quick: a.quick,
    peers: a.peers,
    ...(a.ops?.length ? { ops: a.ops } : {}),
    log: (l) => process.stderr.write(`${l}\n`),
  });
  process.stdout.write(a.json ? `${JSON.stringify(res, null, 2)}\n` : `${ops.toMarkdown(res)}\n`);
}

export async function runBenchTrain(args: RawArgs): Promise<void> {
  const a = args as unknown as RawArgs & ModelArgs & { maxLen: number; steps: number; head: 'full' | 'masked'; compareTorch: boolean };
  if (a.compareTorch) noCustomConfig(a, 'bench train');
  const backend = await setupBackend(a.backend, commandOf(a));
  const { runTrainBench } = await import('@avey/benchmarks');
  process.stderr.write(`bench train: ${a.model} ${a.preset}, batch ${a.batch} × ${a.maxLen} tokens, ${a.warmupRuns} warmup + ${a.steps} timed steps on ${backend}\n`);
  const r = await runTrainBench({ ...modelBenchOptions(a, backend), seqLen: a.maxLen, steps: a.steps, head: a.head });
  const torch = a.compareTorch
    ? (await import('@avey/benchmarks')).compareTrain({ model: a.model, preset: a.preset, batch: a.batch, seqLen: a.maxLen, steps: a.steps, warmup: a.warmupRuns }, r.tokens_per_s)
    : undefined;
  if (a.json) {
    process.stdout.write(`${JSON.stringify(torch ? { ...r, torch } : r, null, 2)}\n`);
    return;
  }
  process.stdout.write(
    `${formatTable(
      ['model', 'preset', 'params', 'backend', 'batch×len', 'tokens/s', 'median step ms', 'min step ms', 'peak RSS MB'],
      [[r.model, r.preset, formatCount(r.parameters), `${r.env.backend} (${r.env.gemm})`, `${r.batch}×${r.seq_len}`, r.tokens_per_s, r.median_step_ms, r.min_step_ms, r.peak_rss_mb]],
    )}\n(load average ${r.env.load_avg} on ${r.env.cpus} CPUs when the run started)\n`,
  );
  if (torch && 'skip' in torch) process.stdout.write(`PyTorch twin: skipped, ${torch.skip}\n`);
  else if (torch) {
    process.stdout.write(`PyTorch twin (torch ${torch.torch}, ${torch.blas}; ${twinThreads(torch.twin_threads)}), same run: ${torch.torch_1t_tokens_per_s} tokens/s at 1 thread, ${torch.torch_2t_tokens_per_s} at 2, ${torch.torch_1t_blas2_tokens_per_s} at torch 1 + BLAS 2; avey-ts / best = ${torch.ratio}\n`);
  }
}

export async function runBenchInfer(args: RawArgs): Promise<void> {
  const a = args as unknown as RawArgs & ModelArgs & { maxLens: string; repeats: number; warmupRuns: number; warmupSeconds: number; compareTorch: boolean; rounds: number };
  if (a.compareTorch) noCustomConfig(a, 'bench infer');
  const seqLens = a.maxLens.split(',').map((x) => Number(x.trim()));
  if (seqLens.length === 0 || seqLens.some((x) => !Number.isInteger(x) || x < 1)) {
    throw new UsageError(`--max-lens expects comma-separated positive whole numbers, e.g. 512,2048,8192; got '${a.maxLens}'.`, 'bench infer');
  }
  const rounds = a.rounds ?? 1;
  if (rounds > 1 && !a.compareTorch) throw new UsageError('--rounds repeats the comparison with the PyTorch twin; add --compare-torch (or drop --rounds and use --repeats).', 'bench infer');
  const backend = await setupBackend(a.backend, commandOf(a));
  const bench = await import('@avey/benchmarks');
  process.stderr.write(`bench infer: ${a.model} ${a.preset}, batch ${a.batch}, lengths ${seqLens.join(', ')} on ${backend}${rounds > 1 ? `, ${rounds} rounds` : ''}\n`);
  const done: { r: Awaited<ReturnType<typeof bench.runInferBench>>; torch?: ReturnType<typeof bench.compareInfer> }[] = [];
  for (let i = 0; i < rounds; i++) {
    if (rounds > 1) process.stderr.write(`round ${i + 1}/${rounds}\n`);
    const r = await bench.runInferBench({ ...modelBenchOptions(a, backend), seqLens, repeats: a.repeats, warmupSeconds: a.warmupSeconds });
    const torch = a.compareTorch
      ? bench.compareInfer({ model: a.model, preset: a.preset, batch: a.batch, repeats: a.repeats, warmup: a.warmupRuns, warmupSeconds: a.warmupSeconds }, r.results)
      : undefined;
    done.push({ r, torch });
    if ('skip' in (torch ?? {})) break; // no twin: one round says all there is
  }
  const compared = done.flatMap((d) => (d.torch && !('skip' in d.torch) ? [d.torch] : []));
  const summary = compared.length > 1 ? bench.medianRatios(compared) : null;
  if (a.json) {
    const one = (d: (typeof done)[number]) => (d.torch ? { ...d.r, torch: d.torch } : d.r);
    process.stdout.write(`${JSON.stringify(done.length === 1 ? one(done[0]) : { rounds: done.map(one), median_ratio: summary }, null, 2)}\n`);
    return;
  }
  for (const [i, { r, torch }] of done.entries()) {
    if (done.length > 1) process.stdout.write(`${i > 0 ? '\n' : ''}round ${i + 1}/${done.length}\n`);
    process.stdout.write(`${r.model} ${r.preset} (${formatCount(r.parameters)} parameters) on ${r.env.backend} (${r.env.gemm}), batch ${r.batch}, peak RSS ${r.peak_rss_mb} MB\n`);
    process.stdout.write(
      `${formatTable(
        ['seq_len', 'latency ms (median)', 'min ms', 'tokens/s'],
        r.results.map((x) => [x.seq_len, Math.round(x.latency_s * 1e4) / 10, Math.round(x.min_latency_s * 1e4) / 10, x.tokens_per_s]),
      )}\n${r.scaling_exponent !== null ? `latency ∝ seq_len^${r.scaling_exponent}\n` : ''}`,
    );
    if (torch && 'skip' in torch) process.stdout.write(`PyTorch twin: skipped, ${torch.skip}\n`);
    else if (torch) {
      process.stdout.write(`PyTorch twin (torch ${torch.torch}, ${torch.blas}; ${twinThreads(torch.twin_threads)}), same run, median latency ms; ratio = avey-ts / fastest twin (< 1: avey-ts faster)\n`);
      process.stdout.write(`${formatTable(
        ['seq_len', 'avey-ts', ...bench.TWIN_CONFIGS.map((c) => c.label), 'ratio'],
        torch.rows.map((x) => [x.seq_len, ...[x.avey_ts_s, x.torch_1t_s, x.torch_2t_s, x.torch_1t_blas2_s].map((v) => Math.round(v * 1e4) / 10), x.ratio]),
      )}\n`);
    }
  }
  if (summary) {
    process.stdout.write(`\nmedian over ${compared.length} rounds, ratio = avey-ts / fastest twin per round (< 1: avey-ts faster)\n`);
    process.stdout.write(`${formatTable(['seq_len', 'ratio per round', 'median ratio'], summary.map((x) => [x.seq_len, x.ratios.join(' / '), x.median]))}\n`);
  }
}

/** "threads measured in its runs: torch 1 + BLAS 1, torch 2 + BLAS 2, torch 1 + BLAS 2" */
function twinThreads(t: readonly { torch: number; blas: number | null }[]): string {
  return `threads measured in its runs: ${t.map((x) => `torch ${x.torch} + BLAS ${x.blas ?? '?'}`).join(', ')}`;
}

/** The twin knows the presets only: a --config file would compare different models. */
function noCustomConfig(a: { config?: string }, command: string): void {
  if (a.config) throw new UsageError('--compare-torch compares presets only; drop --config (the PyTorch twin cannot read a config file).', command);
}
