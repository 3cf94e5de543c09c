// Regression test for the dawn.node crash of backends-probe.md §1.4: once top-level module code is
// optimised by V8 (a hot loop → OSR), the `GPU` object returned by `create()` is considered dead and
// collected, Dawn's instance is torn down under the live device, and the process dies (SIGSEGV,
// SIGABRT "std::system_error: Invalid argument", or a futex/mutex assertion). Keeping only the
// device alive does not help. The backend keeps every create() result in a module-level registry
// until dispose(); these tests run the §1.4 repro on a device obtained from the backend, with the
// backend itself dropped, in a child process (so a crash fails the test instead of killing the runner).
// Checked: with the registry (device.ts LIVE) and the runtime's reference to the handle removed,
// the first test fails (child killed by SIGABRT, 2 of 2 runs on lavapipe).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createWebGPUBackend } from '../src/webgpu/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '../../..');
const entry = resolve(here, '../src/webgpu/index.ts');

let why = '';
try {
  (await createWebGPUBackend()).dispose();
} catch (e) {
  why = e instanceof Error ? e.message : String(e);
}
if (why) {
  if (process.env.CI === 'true') test('a WebGPU adapter is available under CI=true', () => assert.fail(why));
  else console.log(`# skipping WebGPU GC regression tests: ${why}`);
}

// The §1.4 repro, except that `gpu` comes from (and only lives in) the backend's registry.
const REPRO_DEVICE = `
import { createWebGPUBackend } from ${JSON.stringify(entry)};
let backend: unknown = await createWebGPUBackend();
const device = (backend as { handle: { device: GPUDevice } }).handle.device;
backend = null; // nothing in this module references the GPU object any more
const n = 1 << 20, buf = device.createBuffer({ size: n * 4, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC });
const p = device.createComputePipeline({ layout: 'auto', compute: { entryPoint: 'main', module: device.createShaderModule({ code:
  \`@group(0) @binding(0) var<storage, read_write> C: array<f32>;
   @compute @workgroup_size(64) fn main(@builtin(global_invocation_id) g: vec3u) { C[g.x] += 1.0; }\` }) } });
const bg = device.createBindGroup({ layout: p.getBindGroupLayout(0), entries: [{ binding: 0, resource: { buffer: buf } }] });
async function run() { const e = device.createCommandEncoder(), ps = e.beginComputePass(); ps.setPipeline(p); ps.setBindGroup(0, bg);
  ps.dispatchWorkgroups(n / 64); ps.end(); device.queue.submit([e.finish()]); await device.queue.onSubmittedWorkDone(); }
await run();
const t = performance.now(); while (performance.now() - t < 50);   // hot top-level JS -> OSR
for (let i = 0; i < 50; i++) await run();
const st = device.createBuffer({ size: 4, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
const e = device.createCommandEncoder(); e.copyBufferToBuffer(buf, 0, st, 0, 4); device.queue.submit([e.finish()]);
await st.mapAsync(GPUMapMode.READ);
console.log('ok', new Float32Array(st.getMappedRange())[0]);
`;

// Same pattern through the backend API only.
const REPRO_BACKEND = `
import { createWebGPUBackend } from ${JSON.stringify(entry)};
const be = await createWebGPUBackend();
const n = 1 << 18;
const ref = (buffer: import('${join(here, '../src/backend.ts').replace(/\\/g, '/')}').BackendBuffer) => ({ buffer, view: { shape: [n], strides: [1], offset: 0 } });
let x = be.fill('float32', n, 0);
const one = be.fill('float32', n, 1);
await be.sync();
const t = performance.now(); while (performance.now() - t < 50);   // hot top-level JS -> OSR
for (let i = 0; i < 50; i++) { const y = be.binary('add', ref(x), ref(one), [n], 'float32'); be.free(x); x = be.unary('copy', ref(y), 'float32'); be.free(y); await be.sync(); }
const out = await be.read(ref(x));
console.log('ok', out[0], out[n - 1]);
be.dispose();
`;

function runChild(source: string): { status: number | null; signal: string | null; out: string } {
  const dir = mkdtempSync(join(tmpdir(), 'avey-webgpu-gc-'));
  const file = join(dir, 'repro.mts');
  writeFileSync(file, source);
  try {
    const r = spawnSync(process.execPath, ['--import', 'tsx', file], { cwd: repoRoot, encoding: 'utf8', timeout: 90_000 });
    return { status: r.status, signal: r.signal, out: `${r.stdout}\n${r.stderr}`.split('\n').filter((l) => !/artificially reduced/.test(l)).join('\n') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const skip = why ? `no WebGPU adapter: ${why}` : false;

test('Dawn GC crash (§1.4): a device from the backend survives hot top-level code (2 child runs)', { skip }, () => {
  for (let run = 0; run < 2; run++) {
    const r = runChild(REPRO_DEVICE);
    assert.equal(r.signal, null, `child killed by ${r.signal}:\n${r.out}`);
    assert.equal(r.status, 0, `child exited ${r.status}:\n${r.out}`);
    // every one of the 51 dispatches added 1 to every element
    assert.match(r.out, /^ok 51$/m, r.out);
  }
});

test('Dawn GC crash (§1.4): backend ops after hot top-level code, then dispose lets the process exit', { skip }, () => {
  const r = runChild(REPRO_BACKEND);
  assert.equal(r.signal, null, `child killed by ${r.signal} (a hang would show SIGTERM from the timeout):\n${r.out}`);
  assert.equal(r.status, 0, `child exited ${r.status}:\n${r.out}`);
  assert.match(r.out, /^ok 50 50$/m, r.out);
});
