// The GEMM suites again with the relaxed-SIMD FMA micro-kernel, whose register tile differs (6 × 8
// instead of 4 × 8, see docs/cpu-kernels.md): partial row slivers, packing of 6-row slivers, tiles,
// threads, batches and the epilogues must hold for both. AVEY_CPU_FMA=1 is read when the kernels are
// first compiled, so it is set before the suites are imported (node --test runs each file in its own
// process).

import { test } from 'node:test';
import assert from 'node:assert/strict';

process.env.AVEY_CPU_FMA = '1';
const { wasmGemmTile, wasmGemmFma, wasmKernelsAvailable } = await import('../src/cpu/wasm/index.js');

test('the FMA run uses the FMA micro-kernel and its 6 × 8 tile', { skip: wasmKernelsAvailable() ? false : 'WebAssembly SIMD128 unavailable' }, () => {
  assert.equal(wasmGemmFma(), true);
  assert.deepEqual(wasmGemmTile(), { mr: 6, nr: 8 });
});

await import('./wasm-gemm.test.js');
await import('./wasm-gemm-batched.test.js');
await import('./wasm-gemm-epilogue.test.js');
await import('./wasm-gemm-groupmax.test.js');
await import('./linear-gelu-kernel.test.js');
await import('./wasm-heap.test.js');
