// benchmarks/src/ops/roofline.ts --quick: the measured roofline of the CPU GEMM (ceilings of
// register-only multiply-add loops in wasm and, where gcc exists, native code; the GEMMs beside
// onnxruntime) runs and reports every number, so docs/cpu-kernels.md's table can be regenerated.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('../src/ops/roofline.ts', import.meta.url));

test('roofline --quick --json: positive ceilings, avey and onnxruntime GFLOP/s per shape, skips stated', () => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', SCRIPT, '--quick', '--json'], { encoding: 'utf8', timeout: 300_000, env: { ...process.env, AVEY_CPU_FMA: '1' } });
  assert.equal(r.status, 0, r.stderr);
  const rep = JSON.parse(r.stdout) as {
    gemm_kernel: string;
    ceilings_gflops_1thread: { wasm_simd128_mul_add: number; wasm_relaxed_fma: number; native_fma_128: { gflops: number | null; reason?: string }; native_fma_256: { gflops: number | null; reason?: string } };
    gemm_gflops: Array<Record<string, number | string>>;
    onnxruntime: string;
  };
  const c = rep.ceilings_gflops_1thread;
  assert.ok(c.wasm_simd128_mul_add > 0 && c.wasm_relaxed_fma > 0);
  for (const n of [c.native_fma_128, c.native_fma_256]) assert.ok(n.gflops === null ? (n.reason ?? '').length > 0 : n.gflops > 0, JSON.stringify(n));
  assert.deepEqual(rep.gemm_gflops.map((g) => g.shape), ['256³', '512³', '1024³']);
  for (const g of rep.gemm_gflops) {
    assert.ok((g.avey_1t as number) > 0 && (g.avey_2t as number) > 0, JSON.stringify(g));
    if (!rep.onnxruntime.startsWith('onnxruntime-node:')) assert.ok((g.onnxruntime_1t as number) > 0, JSON.stringify(g));
  }
  assert.match(rep.gemm_kernel, /FMA|mul \+ add/);
});
