// The shared op suite on the gpu.js backend, in the mode GPUJS_MODE asks for (default: gpu.js'
// best mode here: webasm on a machine without WebGL). The backend is registered here with an
// explicit mode, so the suite runs even where `auto` selection would (rightly) refuse gpu.js'
// CPU modes. The mode that ran is printed first.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend, registerBackend } from '../src/index.js';
import { createGpuJsBackend, type GpuJsBackend } from '../src/gpujs/index.js';
import { runOpSuite } from './op-suite.js';

const mode = process.env.GPUJS_MODE ?? 'auto';
registerBackend('gpujs', () => createGpuJsBackend({ mode }), -1);

async function backend(): Promise<GpuJsBackend> {
  return (await initBackend('gpujs')) as GpuJsBackend;
}

test('[gpujs] backend and mode', async (t) => {
  const be = await backend();
  console.log(`gpujs op suite runs on: ${be.info}`);
  t.diagnostic(be.info);
  assert.equal(be.name, 'gpujs');
});

runOpSuite('gpujs', {
  skipDTypes: ['float64'],
  required: true,
});

test('[gpujs] no kernel left its mode; kernel cache stats', async (t) => {
  const be = await backend();
  t.diagnostic(`kernels: ${JSON.stringify(be.kernelStats)}`);
  console.log(`gpujs op suite kernels (${be.mode}): ${JSON.stringify(be.kernelStats)}`);
  assert.deepEqual(be.fallbacks, [], `gpu.js moved kernels off ${be.mode}: ${JSON.stringify(be.fallbacks)}`);
});
