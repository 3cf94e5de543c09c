// `avey bench infer|train --compare-torch`: the PyTorch twin beside avey-ts in the same run, at 1
// and 2 threads and at torch 1 + BLAS 2, with the ratio; a clear skip line where no python3 has torch.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findTorch } from '@avey/benchmarks';
import { avey } from './helpers.js';

const torch = findTorch();
const skip = 'skip' in torch ? (process.env.CI ? false : `no PyTorch here: ${torch.skip}`) : false;

test('bench infer --compare-torch: the twin in 3 pinned thread configurations per length, ratio = avey-ts / fastest twin', { skip }, () => {
  const r = avey(['bench', 'infer', '--preset', 'tiny', '--max-lens', '64,128', '--repeats', '1', '--warmup-runs', '0', '--warmup-seconds', '0', '--compare-torch', '--json'], { timeoutMs: 300_000 });
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout) as { results: { seq_len: number; latency_s: number }[]; torch: { rows: { seq_len: number; avey_ts_s: number; torch_1t_s: number; torch_2t_s: number; torch_1t_blas2_s: number; ratio: number }[]; blas: string; twin_threads: { torch: number; blas: number | null }[] } };
  assert.deepEqual(j.torch.rows.map((x) => x.seq_len), [64, 128]);
  for (const row of j.torch.rows) {
    assert.ok(row.torch_1t_s > 0 && row.torch_2t_s > 0 && row.torch_1t_blas2_s > 0, JSON.stringify(row));
    const expected = row.avey_ts_s / Math.min(row.torch_1t_s, row.torch_2t_s, row.torch_1t_blas2_s);
    assert.ok(Math.abs(row.ratio - expected) <= 2e-3 * Math.max(1, expected) + 1e-3, `${row.ratio} vs ${expected}`);
  }
  assert.equal(typeof j.torch.blas, 'string');
  // "1 thread" means one in every pool: OpenBLAS's own pool ignores torch.set_num_threads
  assert.deepEqual(j.torch.twin_threads.map((x) => x.torch), [1, 2, 1]);
  if (j.torch.blas === 'openblas') assert.deepEqual(j.torch.twin_threads.map((x) => x.blas), [1, 2, 2]);
});

test('bench infer --compare-torch refuses --config (the twin knows the presets only)', () => {
  const r = avey(['bench', 'infer', '--preset', 'tiny', '--max-lens', '64', '--config', 'package.json', '--compare-torch']);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /--compare-torch compares presets only/);
});

test('bench infer --compare-torch --rounds 2: each round beside the twin, and the median ratio per length', { skip }, () => {
  const r = avey(['bench', 'infer', '--preset', 'tiny', '--max-lens', '64', '--repeats', '1', '--warmup-runs', '0', '--warmup-seconds', '0', '--compare-torch', '--rounds', '2', '--json'], { timeoutMs: 300_000 });
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout) as { rounds: { results: unknown[]; torch: { rows: { seq_len: number; ratio: number }[] } }[]; median_ratio: { seq_len: number; ratios: number[]; median: number }[] };
  assert.equal(j.rounds.length, 2);
  const ratios = j.rounds.map((x) => x.torch.rows[0].ratio);
  assert.deepEqual(j.median_ratio.map((x) => x.seq_len), [64]);
  assert.deepEqual(j.median_ratio[0].ratios, ratios);
  assert.ok(Math.abs(j.median_ratio[0].median - (ratios[0] + ratios[1]) / 2) <= 1e-3, JSON.stringify(j.median_ratio));
});

test('bench infer --rounds without --compare-torch is a usage error that says what to add', () => {
  const r = avey(['bench', 'infer', '--preset', 'tiny', '--max-lens', '64', '--rounds', '2']);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /--rounds repeats the comparison with the PyTorch twin; add --compare-torch/);
});
