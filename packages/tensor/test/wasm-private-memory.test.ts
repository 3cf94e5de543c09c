// The wasm kernels without shared memory (a browser page that is not cross-origin isolated): the
// private-memory module, one thread, tensors in ordinary arrays, every operand streamed through the
// scratch area (whose growth detaches the memory's old buffer). Runs the wasm kernel suites again in
// a child process that has SharedArrayBuffer hidden (fixtures/no-shared-memory.mjs); the heap tests
// there skip, with their reason, since no tensor can live in a private memory.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const here = (p: string): string => fileURLToPath(new URL(p, import.meta.url));
const suites = ['wasm-gemm', 'wasm-gemm-batched', 'wasm-gemm-epilogue', 'wasm-elementwise', 'wasm-softmax-adamw', 'wasm-rmsnorm', 'wasm-max-rows', 'cpu-wasm-paths', 'wasm-heap'];

test('wasm kernels on a private (non-shared) memory pass the same suites', () => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--import', here('./fixtures/no-shared-memory.mjs'), '--test', ...suites.map((s) => here(`./${s}.test.ts`))], {
    encoding: 'utf8',
    env: { ...process.env, TSX_TSCONFIG_PATH: undefined, NODE_TEST_CONTEXT: undefined }, // a test run of its own, not a child of this one
    timeout: 300_000,
  });
  const out = `${r.stdout}\n${r.stderr}`;
  const count = (k: string): number => Number(/^# (\w+) (\d+)$/m.exec(out.split('\n').filter((l) => l.startsWith(`# ${k} `)).join('\n'))?.[2] ?? NaN);
  assert.equal(r.status, 0, `child test run failed:\n${out.split('\n').filter((l) => /^not ok|^\s+(error|expected|actual):/.test(l)).slice(0, 40).join('\n')}`);
  assert.ok(count('pass') > 20, `too few tests ran in the child:\n${out.slice(-2000)}`);
  assert.equal(count('fail'), 0);
  // the heap suite must have skipped (no tensors in a private memory), and said why
  assert.match(out, /# SKIP no shared WebAssembly memory/);
});
