// The cache of packed constant GEMM operands (cpu/wasm/packed-cache.ts): the CPU 'linear' and
// 'linearGelu' kernels pack a weight's op(B) once (from its second use) and reuse it. Results must
// be bit for bit those of packing per call, on one and two threads, for weights stored (out, in),
// as transposed views, and as several views of one storage (different offsets and sizes: the
// layout is part of the key); the blocks go back when the weight's storage is freed.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import * as T from '../src/index.js';
import { packCacheStats, setPackCacheLimit, setWasmGemmThreads, wasmKernelsAvailable, wasmTensorHeap } from '../src/cpu/wasm/index.js';
import { lcg } from './reference.js';

const skip = wasmKernelsAvailable() && wasmTensorHeap() !== null ? false : 'WebAssembly SIMD128 or the shared tensor heap unavailable';

/** y of the kernel with the cache off (every call packs op(B) itself). */
function uncached(run: () => T.Tensor): Float32Array {
  setPackCacheLimit(0);
  try {
    return run().dataSync() as Float32Array;
  } finally {
    setPackCacheLimit(null);
  }
}

test('linear / linearGelu with a cached packed weight = packing per call, bit for bit', { skip }, () => {
  const linear = T.getKernel('linear', 'cpu')!;
  const linearGelu = T.getKernel('linearGelu', 'cpu')!;
  try {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 200 }), fc.integer({ min: 8, max: 300 }), fc.integer({ min: 4, max: 600 }),
        fc.boolean(), fc.boolean(), fc.constantFrom(1, 2), fc.integer({ min: 1, max: 1e9 }),
        (R, outF, inF, wT, gelu, threads, seed) => {
          setWasmGemmThreads(threads);
          T.scope(() => {
            const w = wT ? T.transpose(T.tensor(lcg(inF * outF, seed, 1), { shape: [inF, outF] }), 0, 1) : T.tensor(lcg(outF * inF, seed, 1), { shape: [outF, inF] });
            const b = T.tensor(lcg(outF, seed + 1, 1), { shape: [outF] });
            // calls 1, 2, 3: no cache, the call that fills it, a call that reads it
            for (let call = 0; call < 3; call++) {
              const x = T.tensor(lcg(R * inF, seed + 2 + call, 2), { shape: [R, inF] });
              const run = (): T.Tensor => (gelu ? linearGelu(x, w, b, false).y : linear(x, w, b));
              const want = uncached(run);
              assert.deepEqual(run().dataSync(), want, `call ${call + 1}: R=${R} out=${outF} in=${inF} wT=${wT} threads=${threads}`);
            }
          });
        },
      ),
      { numRuns: 60 },
    );
  } finally {
    setWasmGemmThreads(null);
  }
});

test('views of one storage at different offsets and sizes get packed copies of their own', { skip }, () => {
  const linear = T.getKernel('linear', 'cpu')!;
  T.scope(() => {
    const W = T.tensor(lcg(300 * 128, 11, 1), { shape: [300, 128] });
    const views = [T.narrow(W, 0, 0, 100), T.narrow(W, 0, 100, 200), T.narrow(W, 0, 40, 100)];
    const b100 = T.tensor(lcg(100, 12, 1), { shape: [100] }), b200 = T.tensor(lcg(200, 13, 1), { shape: [200] });
    const x = T.tensor(lcg(96 * 128, 14, 2), { shape: [96, 128] });
    for (let round = 0; round < 3; round++) {
      for (const w of views) {
        const b = w.shape[0] === 100 ? b100 : b200;
        assert.deepEqual(linear(x, w, b).dataSync(), uncached(() => linear(x, w, b)), `round ${round}, rows from ${w.offset / 128}`);
      }
    }
  });
});

test('the packed blocks go back when the weight is freed; limit 0 caches nothing', { skip }, () => {
  const linear = T.getKernel('linear', 'cpu')!;
  const before = packCacheStats();
  const w = T.keep(T.tensor(lcg(256 * 192, 21, 1), { shape: [256, 192] }));
  const b = T.keep(T.tensor(lcg(256, 22, 1), { shape: [256] }));
  T.scope(() => {
    const x = T.tensor(lcg(64 * 192, 23, 2), { shape: [64, 192] });
    linear(x, w, b);
    assert.deepEqual(packCacheStats(), before, 'the first use caches nothing');
    linear(x, w, b);
    linear(x, w, b);
    const during = packCacheStats();
    assert.equal(during.blocks, before.blocks + 1);
    assert.ok(during.bytes >= before.bytes + 4 * 256 * 192, `${during.bytes} bytes cached`);
  });
  w.dispose();
  assert.deepEqual(packCacheStats(), before, 'freeing the weight gives its block back');
  setPackCacheLimit(0);
  try {
    const w2 = T.tensor(lcg(256 * 192, 24, 1), { shape: [256, 192] });
    T.scope(() => {
      const x = T.tensor(lcg(64 * 192, 25, 2), { shape: [64, 192] });
      for (let i = 0; i < 3; i++) linear(x, w2, b);
    });
    assert.deepEqual(packCacheStats(), before, 'nothing is cached with limit 0');
    w2.dispose();
  } finally {
    setPackCacheLimit(null);
    b.dispose();
  }
});
