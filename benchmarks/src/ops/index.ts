// Op micro-benchmarks: avey-ts (public API) against tfjs-wasm, tfjs-cpu and onnxruntime in the same
// process, plus the raw kernels and a memcpy bandwidth reference. All backends of one (op, shape)
// are set up together and measured in interleaved rounds (measure.ts), so they share the load.

import { cpus } from 'node:os';
import { aveyProvider } from './avey.js';
import { FULL, Inputs, QUICK } from './cases.js';
import { jsKernelProvider, memcpyProvider, wasmKernelProvider } from './kernels.js';
import { measureInterleaved } from './measure.js';
import { onnxProvider } from './onnx.js';
import { ALL_OPS, specsFor, type Provider } from './specs.js';
import { tfjsCpuProvider, tfjsWasmProvider } from './tfjs.js';
import type { BenchCase, OpBenchOptions, OpBenchResult, OpResult } from './types.js';

export type { OpBenchOptions, OpBenchResult, OpResult } from './types.js';
export { toMarkdown } from './report.js';
export { matmulModel } from './onnx.js';

export async function runOpBench(opts: OpBenchOptions = {}): Promise<OpBenchResult> {
  const quick = opts.quick ?? false;
  const sizes = quick ? QUICK : FULL;
  const log = opts.log ?? (() => {});
  const providers: Provider[] = [
    ...(opts.backends?.length ? opts.backends : [opts.backend ?? 'cpu']).map(aveyProvider),
    wasmKernelProvider,
    jsKernelProvider,
    memcpyProvider,
    ...(opts.peers === false ? [] : [tfjsWasmProvider, tfjsCpuProvider, onnxProvider]),
  ];
  const skipped: string[] = [];
  const live: Provider[] = [];
  for (const p of providers) {
    const why = await p.init();
    if (why === null) live.push(p);
    else skipped.push(`${p.backend}: ${why}`);
  }

  const inputs = new Inputs();
  const results: OpResult[] = [];
  for (const spec of specsFor(sizes, opts.ops ?? ALL_OPS)) {
    const cases: BenchCase[] = [];
    for (const p of live) {
      const c = p.make(spec, inputs);
      if (c === null) continue;
      try {
        await c.setup?.();
        cases.push(c);
      } catch (e) {
        skipped.push(`${c.backend} ${c.op} [${c.shape.join('x')}]: setup: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    const timings = await measureInterleaved(cases, sizes.budgetMs, sizes.rounds);
    for (let i = 0; i < cases.length; i++) {
      const c = cases[i], t = timings[i];
      await c.teardown?.();
      if (t instanceof Error) {
        skipped.push(`${c.backend} ${c.op} [${c.shape.join('x')}]: ${t.message}`);
        continue;
      }
      const metric = 'flops' in c.work ? { gflops: c.work.flops / (t.medianMs * 1e6) } : { gbps: c.work.bytes / (t.medianMs * 1e6) };
      const r: OpResult = { op: c.op, shape: c.shape, backend: c.backend, ...metric, ms: t.medianMs, minMs: t.minMs, samples: t.samples };
      results.push(r);
      log(`${c.op} [${c.shape.join('x')}] ${c.backend}: ${r.gflops !== undefined ? `${r.gflops.toFixed(1)} GFLOP/s` : `${(r.gbps ?? 0).toFixed(1)} GB/s`} (median ${t.medianMs.toFixed(3)} ms, min ${t.minMs.toFixed(3)} ms, n=${t.samples})`);
    }
  }
  for (const p of live) p.dispose?.();
  const cpu = cpus();
  const backends: Record<string, string> = {};
  for (const p of live) if (p.describe) backends[p.backend] = p.describe();
  const threads = Object.fromEntries(live.map((p) => [p.backend, p.threads()]));
  return { results, skipped, env: { node: process.version, cpu: cpu[0]?.model ?? 'unknown', cores: cpu.length, quick, backends, threads } };
}
