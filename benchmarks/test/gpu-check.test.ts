// scripts/gpu-check.mjs --short on whatever WebGPU adapter this machine has (in CI: Mesa's software
// adapter), so the one-command GPU check cannot rot before a GPU machine runs it in full.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('../../scripts/gpu-check.mjs', import.meta.url));

interface Report {
  mode: string; vulkan: { verdict: string; icds: unknown[] }; webgpu: { adapter: { description?: string; limits: Record<string, number> } | null; error?: string };
  tests: { pass: number; fail: number }; bench: Record<string, { error?: string; tokens_per_s?: number; results?: { latency_s: number }[] }>;
  could_not: string[]; software_adapter?: boolean;
}

test('gpu-check --short: probes the adapter, runs the parity fixture and tiny benches on webgpu and cpu, writes one report', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gpu-check-'));
  try {
    const out = join(dir, 'report.json');
    const r = spawnSync(process.execPath, [SCRIPT, '--short', '--out', out], { encoding: 'utf8', timeout: 900_000 });
    const rep = JSON.parse(readFileSync(out, 'utf8')) as Report;
    assert.equal(rep.mode, 'short');
    assert.equal(typeof rep.vulkan.verdict, 'string');
    if (!rep.webgpu.adapter) {
      // no adapter: the report and the exit code say so (CI installs Mesa's, so there it must exist)
      assert.notEqual(r.status, 0);
      assert.ok(rep.could_not.some((s) => s.startsWith('no WebGPU adapter')), rep.could_not.join('; '));
      assert.ok(!process.env.CI, `CI has Mesa's software adapter, but gpu-check found none: ${rep.could_not.join('; ')}`);
      return;
    }
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
    assert.ok(Object.keys(rep.webgpu.adapter.limits).length > 10);
    assert.ok(rep.tests.pass > 0 && rep.tests.fail === 0, JSON.stringify(rep.tests));
    for (const k of ['ops', 'train_webgpu', 'train_cpu', 'infer_webgpu', 'infer_cpu']) assert.equal(rep.bench[k]?.error, undefined, `${k}: ${rep.bench[k]?.error}`);
    assert.ok((rep.bench.train_webgpu.tokens_per_s ?? 0) > 0 && (rep.bench.infer_cpu.results?.[0].latency_s ?? 0) > 0);
    assert.match(r.stdout, /tests on webgpu: \d+ passed, 0 failed/);
    if (rep.software_adapter) assert.ok(rep.could_not.some((s) => s.includes('software rasteriser')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
