// The shared op suite (every @avey/tensor op against the JS references) on the WebGPU backend.
// The backend is registered here under 'webgpu' (the same factory the core registers); the adapter
// that ran is printed first. Under CI=true an unavailable adapter fails the suite (op-suite default).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { disposeBackends, initBackend, registerBackend } from '../src/index.js';
import { createWebGPUBackend, type WebGPUBackend } from '../src/webgpu/index.js';
import { runOpSuite } from './op-suite.js';

registerBackend('webgpu', () => createWebGPUBackend(), 30);
after(() => disposeBackends()); // destroys the device so the process exits

test('[webgpu] adapter', async (t) => {
  let be: WebGPUBackend;
  try {
    be = (await initBackend('webgpu')) as WebGPUBackend;
  } catch (e) {
    if (process.env.CI === 'true') throw e;
    t.skip(`no WebGPU adapter: ${(e as Error).message}`);
    return;
  }
  const line = `webgpu op suite runs on: ${be.info.adapterName} (${be.info.kind}, ${be.info.featureLevel})`;
  console.log(line);
  t.diagnostic(line);
  assert.equal(be.name, 'webgpu');
});

runOpSuite('webgpu', {
  // f32 on the GPU vs float64-computed references: transcendental builtins are a few ulp off
  tolerance: (op) => (['exp', 'pow', 'logsumexp', 'softmax', 'logSoftmax', 'matmul', 'norm', 'variance'].includes(op) ? 1e-4 : 2e-5),
  skipDTypes: ['float64'],
});

test('[webgpu] fused softmax/logSoftmax kernels agree with the composed reference (strided rows, NaN)', async (t) => {
  const T = await import('../src/index.js');
  const { softmaxComposed, logSoftmaxComposed } = await import('../src/fused/index.js');
  try {
    await T.setBackend('webgpu');
  } catch (e) {
    if (process.env.CI === 'true') throw e;
    t.skip(`no WebGPU adapter: ${(e as Error).message}`);
    return;
  }
  assert.ok(T.getKernel('softmax', 'webgpu'), 'softmax kernel registered for webgpu');
  const data = Array.from({ length: 3 * 4 * 300 }, (_, i) => Math.sin(i * 0.37) * 6);
  data[5] = NaN; // row 0 of the contiguous layout becomes NaN
  const base = T.tensor(data, { shape: [3, 4, 300] });
  // contiguous (fused); leading axes swapped (rows do not flatten → composed fallback); a strided
  // slice whose leading axes still flatten (fused, column stride 3)
  const xs = [base, base.permute([1, 0, 2]), T.slice(base, [0, 0, 0], [3, 4, 300], [1, 2, 3])];
  for (const x of xs) {
    for (const [fused, ref] of [[T.softmax, softmaxComposed], [T.logSoftmax, logSoftmaxComposed]] as const) {
      const got = await fused(x, -1).data();
      const want = await ref(x, x.rank - 1).data();
      for (let i = 0; i < want.length; i++) {
        const ok = Number.isNaN(want[i]) ? Number.isNaN(got[i]) : Math.abs(got[i] - want[i]) <= 1e-5 * (1 + Math.abs(want[i]));
        assert.ok(ok, `${fused.name} ${JSON.stringify(x.shape)}/${JSON.stringify(x.strides)} at ${i}: got ${got[i]}, want ${want[i]}`);
      }
    }
  }
  await T.setBackend('cpu');
});
