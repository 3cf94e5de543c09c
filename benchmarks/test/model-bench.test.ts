// Smoke test of the model benchmarks: tiny configs, the JSON shapes `avey bench train|infer --json`
// print, the power-law fit, and the sweep's markdown / SVG writers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { fitPowerLaw, runInferBench, runTrainBench, sweepMarkdown, sweepSvg, type SweepResult } from '../src/model/index.js';

const positive = (x: unknown, what: string) => assert.ok(typeof x === 'number' && Number.isFinite(x) && x > 0, `${what}: ${String(x)}`);

test('runTrainBench: tokens_per_s, median_step_ms, peak_rss_mb for both models', async () => {
  for (const model of ['avey-b', 'transformer'] as const) {
    const r = JSON.parse(JSON.stringify(await runTrainBench({ model, preset: 'tiny', batch: 1, seqLen: 64, steps: 2, warmup: 1 }))) as Record<string, unknown>;
    for (const k of ['tokens_per_s', 'median_step_ms', 'peak_rss_mb', 'best_tokens_per_s', 'tokens_per_cpu_s']) positive(r[k], `${model} ${k}`);
    assert.equal(r.seq_len, 64);
    assert.equal((r.step_ms as number[]).length, 2);
    assert.ok(Number.isFinite(r.final_loss as number));
    // tokens/s is batch·seq_len over the median step
    assert.ok(Math.abs((r.tokens_per_s as number) - 64_000 / (r.median_step_ms as number)) < 0.01 * (r.tokens_per_s as number) + 0.2);
  }
});

test('runInferBench: one {seq_len, latency_s, tokens_per_s} row per length, and a fitted exponent', async () => {
  const r = await runInferBench({ model: 'avey-b', preset: 'tiny', batch: 1, seqLens: [32, 128], repeats: 1 });
  assert.deepEqual(r.results.map((x) => x.seq_len), [32, 128]);
  for (const row of r.results) {
    positive(row.latency_s, 'latency_s');
    positive(row.tokens_per_s, 'tokens_per_s');
    assert.ok(Math.abs(row.tokens_per_s - row.seq_len / row.latency_s) <= 0.01 * row.tokens_per_s + 1);
  }
  assert.equal(typeof r.scaling_exponent, 'number');
});

test('fitPowerLaw recovers exponents of exact power laws and ignores non-positive points', () => {
  for (const p of [1, 1.5, 2]) {
    const fit = fitPowerLaw([512, 1024, 4096, 16384].map((x) => [x, 3e-6 * x ** p]));
    assert.ok(fit && Math.abs(fit.exponent - p) < 1e-9 && Math.abs(fit.coefficient - 3e-6) < 1e-12 && fit.r2 > 0.999999);
  }
  assert.equal(fitPowerLaw([[512, 1], [512, 2]]), null);
  assert.equal(fitPowerLaw([[512, 0], [1024, 1]]), null);
});

test('sweep report: markdown table and SVG with one path per measured curve', () => {
  const rows = (p: number) => [512, 2048, 8192].map((L) => ({ seq_len: L, latency_s: 1e-6 * L ** p, min_latency_s: 1e-6 * L ** p, tokens_per_s: Math.round(L / (1e-6 * L ** p)), peak_rss_mb: 100 }));
  const r: SweepResult = {
    created: 'now', preset: 'small',
    env: { backend: 'cpu', gemm: 'js', node: 'v20', cpus: 2, cpu_model: 'x', load_avg: 0 },
    curves: [
      { model: 'avey-b', impl: 'avey-ts', rows: rows(1), skipped: [{ seq_len: 32768, reason: 'time' }], fit: fitPowerLaw(rows(1).map((x) => [x.seq_len, x.latency_s])) },
      { model: 'transformer', impl: 'avey-ts', rows: rows(2), skipped: [], fit: fitPowerLaw(rows(2).map((x) => [x.seq_len, x.latency_s])) },
    ],
    train: [],
    torch: { skip: 'test' },
  };
  const md = sweepMarkdown(r);
  assert.match(md, /\| avey-b \| avey-ts \| .* \| 1\.00 \|/);
  assert.match(md, /\| transformer \| avey-ts \| .* \| 2\.00 \|/);
  assert.match(md, /— \(time\)/);
  const svg = sweepSvg(r);
  assert.equal(svg.match(/<path /g)?.length, 2);
  assert.match(svg, /T\^2\.00/);
});

test('main.ts train --json prints the result as one JSON line', () => {
  const main = fileURLToPath(new URL('../src/model/main.ts', import.meta.url));
  const p = spawnSync(process.execPath, ['--import', 'tsx', main, 'train', '--model', 'avey-b', '--preset', 'tiny', '--batch', '1', '--seq-len', '32', '--steps', '1', '--json'], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(p.status, 0, p.stderr);
  const r = JSON.parse(p.stdout.trim()) as Record<string, unknown>;
  for (const k of ['tokens_per_s', 'median_step_ms', 'peak_rss_mb']) positive(r[k], k);
});
