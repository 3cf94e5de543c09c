#!/usr/bin/env node
// Runs every test file of every workspace with Node's test runner (each file in its own process).
// Usage: node scripts/run-tests.mjs [substring filters…]
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const roots = ['.', 'docs', 'packages/playground', 'packages/tensor', 'packages/autograd', 'packages/data', 'packages/avey-b', 'packages/cli', 'benchmarks'];
const files = [];
function walk(dir) {
  let entries;
  try { entries = readdirSync(dir); } catch { return; }
  for (const e of entries.sort()) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) walk(p);
    else if (p.endsWith('.test.ts')) files.push(p);
  }
}
for (const r of roots) walk(join(r, 'test'));
const filters = process.argv.slice(2);
const selected = filters.length ? files.filter((f) => filters.some((s) => f.includes(s))) : files;
if (selected.length === 0) {
  console.error('run-tests: no test files matched');
  process.exit(1);
}
const concurrency = process.env.TEST_CONCURRENCY ?? '2';
const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, ...selected], {
  stdio: 'inherit',
  // two files run at once on a 2-core machine: GEMM workers that poll between jobs (AVEY_CPU_SPIN_US,
  // cpu/wasm/threads.ts) would take the core the other file's main thread needs, so they sleep at once
  env: { ...process.env, TSX_TSCONFIG_PATH: undefined, AVEY_CPU_SPIN_US: process.env.AVEY_CPU_SPIN_US ?? '0' },
});
process.exit(r.status ?? 1);
