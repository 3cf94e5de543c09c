// Tensor storage in the wasm kernels' memory (src/cpu/wasm/heap.ts):
//   - the allocator, model-based: live blocks never overlap and keep their contents through any
//     sequence of allocations and releases; only allocation views can be released;
//   - every wasm wrapper gives the same bits on heap views (worked on in place) as on ordinary arrays
//     (streamed through scratch), at any length (n % 4 tails), offset and row stride, and writes
//     nothing outside its output range (a heap neighbour's memory is untouched);
//   - the CPU backend keeps large float32 tensors there, hands out ordinary arrays from reads, and
//     gives the memory back on dispose, and a dropped tensor's memory once the GC collects it.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fc from 'fast-check';
import * as T from '../src/index.js';
import {
  wasmAdamWF32, wasmBinaryF32, wasmCopyRowsF32, wasmBinaryRowsF32, wasmColSumF32, wasmGeluWithGradF32, wasmMaxRowsF32, wasmRmsGradF32, wasmRmsGradSumsF32,
  wasmRmsScaleF32, wasmRmsSumSqF32, wasmRowScalarF32, wasmSgemm, wasmSgemmBatched, wasmSgemmBiasAct, wasmSoftmaxRowsF32, wasmSumRowsF32,
  wasmTensorHeap, wasmUnaryF32,
} from '../src/cpu/wasm/index.js';

const heap = wasmTensorHeap();
const env = process.env;
const skip = heap === null
  ? 'no shared WebAssembly memory with SIMD128 here: tensors are not stored in wasm memory'
  : env.AVEY_CPU_HEAP === '0' || (env.AVEY_CPU_HEAP_MB !== undefined && env.AVEY_CPU_HEAP_MB !== '' && Number(env.AVEY_CPU_HEAP_MB) < 64)
    ? 'AVEY_CPU_HEAP=0 or AVEY_CPU_HEAP_MB < 64: tensors are kept out of wasm memory'
    : false;

const rand = (seed: number) => {
  const r = T.mulberry32(seed);
  return (n: number, scale = 2): Float32Array => Float32Array.from({ length: n }, () => (r() - 0.5) * scale);
};

/** A heap view holding a copy of `src`, with sentinel-filled heap neighbours before and after it. */
function onHeap(src: Float32Array): { v: Float32Array; check: () => void; done: () => void } {
  const h = heap as NonNullable<typeof heap>;
  const before = h.allocF32(64) as Float32Array;
  const v = h.allocF32(Math.max(1, src.length)) as Float32Array;
  const after = h.allocF32(64) as Float32Array;
  before.fill(-12345);
  after.fill(-12345);
  v.set(src);
  return {
    v,
    check: () => {
      assert.ok(before.every((x) => x === -12345) && after.every((x) => x === -12345), 'a heap neighbour was overwritten');
    },
    done: () => {
      h.release(before);
      h.release(v);
      h.release(after);
    },
  };
}

const bitsEqual = (a: ArrayLike<number>, b: ArrayLike<number>, what: string) => {
  assert.equal(a.length, b.length, what);
  for (let i = 0; i < a.length; i++) assert.ok(Object.is(a[i], b[i]), `${what}[${i}]: ${a[i]} vs ${b[i]}`);
};

type Side = Float32Array | Float64Array;

/** Runs `f` on ordinary copies and on heap copies of `arrays` and asserts every array ends equal;
 *  `side()` makes fresh ordinary outputs (row maxima, float64 accumulators) for each run, compared too. */
function samePlainAndHeap(arrays: Float32Array[], f: (xs: Float32Array[], side: Side[]) => void, what: string, side: () => Side[] = () => []): void {
  const plain = arrays.map((a) => a.slice());
  const sideP = side(), sideH = side();
  f(plain, sideP);
  const hs = arrays.map(onHeap);
  f(hs.map((h) => h.v), sideH);
  hs.forEach((h, i) => {
    h.check();
    bitsEqual(h.v.subarray(0, arrays[i].length), plain[i], `${what} array ${i}`);
    h.done();
  });
  sideP.forEach((a, i) => bitsEqual(sideH[i], a, `${what} side output ${i}`));
}

test('wasm heap: live blocks never overlap and keep their contents (model-based)', { skip }, () => {
  const h = heap as NonNullable<typeof heap>;
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 1, max: 40000 }), fc.nat()), { minLength: 1, maxLength: 60 }), (ops) => {
      const live: { v: Float32Array; tag: number }[] = [];
      let tag = 1;
      for (const [alloc, n, pick] of ops) {
        if (alloc || live.length === 0) {
          const v = h.allocF32(n);
          assert.ok(v !== null && v.length === n);
          v.fill(tag);
          live.push({ v, tag: tag++ });
        } else {
          const [gone] = live.splice(pick % live.length, 1);
          assert.equal(h.release(gone.v.subarray(0, 1)), false, 'a subarray must not release its block');
          assert.equal(h.release(gone.v), true);
          assert.equal(h.release(gone.v), false, 'a block is released once');
        }
        for (const { v, tag: t } of live) assert.ok(v[0] === t && v[v.length - 1] === t, 'a live block was overwritten');
      }
      const spans = live.map(({ v }) => [v.byteOffset, v.byteOffset + v.byteLength]).sort((a, b) => a[0] - b[0]);
      for (let i = 1; i < spans.length; i++) assert.ok(spans[i][0] >= spans[i - 1][1], 'blocks overlap');
      for (const { v } of live) h.release(v);
    }),
    { numRuns: 40 },
  );
  assert.equal(h.ptr(new Float32Array(8)), -1, 'an ordinary array is not a heap view');
});

test('wasm heap: elementwise wrappers give the same bits in place as through scratch', { skip }, () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 20000 }), fc.integer({ min: 0, max: 5 }), fc.constantFrom('add', 'sub', 'mul', 'div') as fc.Arbitrary<'add' | 'sub' | 'mul' | 'div'>, fc.constantFrom('exp', 'erf', 'gelu', 'sigmoid') as fc.Arbitrary<'exp' | 'erf' | 'gelu' | 'sigmoid'>, fc.nat(), (n, off, bop, uop, seed) => {
      const r = rand(seed);
      const a = r(n + off), b = r(n + off), out = r(n + off + 3);
      samePlainAndHeap([a, b, out], ([x, y, o]) => wasmBinaryF32(bop, x, y, o, n, off, 0, off), `binary ${bop}`);
      samePlainAndHeap([a, out], ([x, o]) => wasmUnaryF32(uop, x, o, n, off, 1), `unary ${uop}`);
      samePlainAndHeap([a, out, r(n + 3)], ([x, y, d]) => wasmGeluWithGradF32(x, y, d, n, off, 0, 3), 'geluWithGrad');
      samePlainAndHeap([a, a], ([x, o]) => wasmBinaryF32(bop, x, x, x, n, 0, 0, 0), 'in place'); // out aliases both inputs
    }),
    { numRuns: 60 },
  );
});

test('wasm heap: row wrappers (binary rows, row scalars, sums, maxima, column sums, softmax) in place = through scratch', { skip }, () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 70 }), fc.integer({ min: 0, max: 3 }), fc.boolean(), fc.nat(), (rows, cols, pad, bcast, seed) => {
      const r = rand(seed);
      const rs = cols + pad;
      const a = r(rows * rs + 4), b = r(rows * rs + 4), out = r(rows * rs + 4), s = r(rows + 2);
      samePlainAndHeap([a, b, out], ([x, y, o]) => wasmBinaryRowsF32('mul', rows, cols, x, 1, rs, y, 0, bcast ? 0 : rs, o, 2, rs), 'binary rows');
      samePlainAndHeap([a, s, out], ([x, sv, o]) => wasmRowScalarF32('sub', bcast, rows, cols, x, 1, rs, sv, 1, o, 0), 'row scalar');
      samePlainAndHeap([a, out], ([x, o]) => wasmSumRowsF32(x, o, rows, cols, 3, 1), 'sum rows');
      samePlainAndHeap([a, out], ([x, o]) => wasmMaxRowsF32(x, o, rows, cols, 2, 0), 'max rows');
      samePlainAndHeap([a, out], ([x, o]) => wasmColSumF32(x, 0, pad === 0 ? cols : rs, rows, cols, o, 1), 'column sums');
      const c4 = 4 * Math.ceil(cols / 4);
      const z = r(rows * c4 + 3);
      samePlainAndHeap([z, r(rows * c4 + 1)], ([x, o], [mx, sm]) => wasmSoftmaxRowsF32(x, o, rows, c4, mx, sm as Float64Array, 3, 1), 'softmax', () => [new Float32Array(rows), new Float64Array(rows)]);
    }),
    { numRuns: 60 },
  );
});

test('wasm heap: AdamW and RMSNorm wrappers in place = through scratch', { skip }, () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 3000 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 24 }), fc.nat(), (n, rows, c4, seed) => {
      const r = rand(seed);
      const h = { decay: 0.999, a1: 0.1, a2: 0.001, beta2: 0.999, c2: 0.03, eps: 1e-8, stepSize: 0.01 };
      const m0 = r(n).map(Math.abs), v0 = r(n).map((x) => x * x);
      samePlainAndHeap([r(n), r(n), m0, v0, r(n), r(n), r(n)], ([p, g, m, v, po, mo, vo]) => wasmAdamWF32(n, h, p, 0, g, 0, m, 0, v, 0, po, mo, vo), 'adamw');
      samePlainAndHeap([r(n), r(n), m0, v0], ([p, g, m, v]) => wasmAdamWF32(n, h, p, 0, g, 0, m, 0, v, 0, p, m, v), 'adamw in place');
      const cols = 4 * c4;
      const inv = Float64Array.from({ length: rows }, (_, i) => 0.5 + i), c = Float64Array.from({ length: rows }, (_, i) => 0.1 * i);
      samePlainAndHeap([r(rows * cols + 2), r(cols), r(rows * cols)], ([x, w, o]) => wasmRmsScaleF32(x, 2, inv, w, 0, o, rows, cols), 'rms scale');
      samePlainAndHeap([r(rows * cols + 1), r(rows * cols + 1), r(cols), r(rows * cols)], ([x, g, w, dx], [acc]) => wasmRmsGradF32(x, 1, g, 1, inv, c, w, 0, dx, acc as Float64Array, rows, cols), 'rms grad', () => [new Float64Array(cols)]);
      samePlainAndHeap([r(rows * cols), r(rows * cols), r(cols)], ([x, g, w], [ss, gwx]) => {
        wasmRmsSumSqF32(x, 0, rows, cols, ss as Float64Array);
        wasmRmsGradSumsF32(x, 0, g, 0, w, 0, rows, cols, ss as Float64Array, gwx as Float64Array);
      }, 'rms sums', () => [new Float64Array(rows), new Float64Array(rows)]);
    }),
    { numRuns: 40 },
  );
});

test('wasm heap: sgemm (plain, batched, bias+GELU with derivative) reads and writes heap operands in place, same bits', { skip }, () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 70 }), fc.integer({ min: 1, max: 70 }), fc.integer({ min: 1, max: 300 }), fc.boolean(), fc.boolean(), fc.integer({ min: 0, max: 3 }), fc.nat(), (M, N, K, tA, tB, pad, seed) => {
      const r = rand(seed);
      // sizes near the micro-tile: M % 4 == 0 and N % 8 == 0 write C in place, others through scratch
      const lda = (tA ? M : K) + pad, ldb = (tB ? K : N) + pad;
      const a = r((tA ? K : M) * lda + 1), b = r((tB ? N : K) * ldb + 2);
      samePlainAndHeap([a, b, r(M * N + 3)], ([x, y, c]) => wasmSgemm(M, N, K, x, 1, lda, tA, y, 2, ldb, tB, c, 3), 'sgemm');
      const M4 = 4 * Math.ceil(M / 4), N8 = 8 * Math.ceil(N / 8);
      const a4 = r(M4 * K), b8 = r(K * N8), bias = r(N8);
      samePlainAndHeap([a4, b8, r(M4 * N8), r(M4 * N8)], ([x, y, c, d]) => wasmSgemmBiasAct(M4, N8, K, x, 0, K, false, y, 0, N8, false, c, 0, bias, 0, 'geluGrad', d, 0), 'sgemm bias+geluGrad');
      const batch = 1 + (seed % 3);
      samePlainAndHeap([r(batch * M4 * K), b8, r(batch * M4 * N8)], ([x, y, c]) => wasmSgemmBatched(batch, M4, N8, K, x, 0, M4 * K, K, false, y, 0, 0, N8, false, c, 0), 'sgemm batched, shared B');
    }),
    { numRuns: 40 },
  );
});

test('cpu backend: large float32 tensors live in wasm memory, reads are ordinary arrays, dispose frees', { skip }, () => {
  const h = heap as NonNullable<typeof heap>;
  const cpu = T.getBackend() as T.CpuBackend;
  const before = h.tensorBytesInUse;
  const x = T.randn([64, 128], { backend: 'cpu', seed: 3 });
  const y = x.mul(2).add(1);
  assert.ok(h.ptr(cpu.dataOf(y.storage.buffer) as Float32Array) >= 0, 'a 8192-float result is a heap view');
  assert.ok(h.tensorBytesInUse >= before + 2 * 4 * 8192);
  const d = y.dataSync() as Float32Array;
  assert.equal(h.ptr(d), -1, 'dataSync returns an ordinary array');
  const xs = x.dataSync();
  for (let i = 0; i < d.length; i += 97) assert.equal(d[i], Math.fround(Math.fround(xs[i] * 2) + 1));
  const small = T.ones([16], { backend: 'cpu' });
  assert.equal(h.ptr(cpu.dataOf(small.storage.buffer) as Float32Array), -1, 'small tensors stay ordinary arrays');
  const inUse = h.tensorBytesInUse;
  y.dispose();
  assert.equal(h.tensorBytesInUse, inUse - 4 * 8192, 'dispose gives the block back');
  x.dispose();
  small.dispose();
});

test('wasm heap: large in-place maps, shared with the GEMM worker thread, give the same bits as through scratch', { skip }, () => {
  const PAR = 1 << 18; // elementwise.ts PAR_MIN
  fc.assert(
    fc.property(fc.integer({ min: PAR, max: PAR + 70000 }), fc.integer({ min: 1, max: 64 }), fc.nat(), (n, c4, seed) => {
      const r = rand(seed);
      const a = r(n), b = r(n), out = r(n);
      samePlainAndHeap([a, b, out], ([x, y, o]) => wasmBinaryF32('mul', x, y, o, n), 'binary');
      samePlainAndHeap([a, out], ([x, o]) => wasmUnaryF32('gelu', x, o, n), 'unary');
      samePlainAndHeap([a, b, out], ([x, y, d]) => wasmGeluWithGradF32(x, y, d, n), 'geluWithGrad');
      const cols = 4 * c4, rows = Math.ceil(PAR / cols) + (seed % 7);
      const z = r(rows * cols, 20), s = r(rows);
      samePlainAndHeap([z, s, r(rows * cols)], ([x, sv, o]) => wasmRowScalarF32('div', false, rows, cols, x, 0, cols, sv, 0, o, 0), 'row scalar');
      samePlainAndHeap([z, r(rows * cols)], ([x, o], [mx, sm]) => wasmSoftmaxRowsF32(x, o, rows, cols, mx, sm as Float64Array), 'softmax', () => [new Float32Array(rows), new Float64Array(rows)]);
      const n4 = n & ~3;
      const h = { decay: 0.999, a1: 0.1, a2: 0.001, beta2: 0.999, c2: 0.03, eps: 1e-8, stepSize: 0.01 };
      samePlainAndHeap([r(n4), r(n4), r(n4).map(Math.abs), r(n4).map((x) => x * x), r(n4), r(n4), r(n4)], ([p, g, m, v, po, mo, vo]) => wasmAdamWF32(n4, h, p, 0, g, 0, m, 0, v, 0, po, mo, vo), 'adamw');
    }),
    { numRuns: 6 },
  );
});

test('wasm heap: row copies (copy_rows) in place = the element loop; cat / contiguous of large views on the CPU backend', { skip }, () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 50 }), fc.integer({ min: 1, max: 300 }), fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 5 }), fc.nat(), (rows, cols, padS, padD, seed) => {
      const r = rand(seed);
      const srs = cols + padS, drs = cols + padD;
      const src = r(rows * srs + 3), dst = r(rows * drs + 2);
      const want = dst.slice();
      for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) want[1 + i * drs + j] = src[2 + i * srs + j];
      const hs = onHeap(src), hd = onHeap(dst);
      assert.equal(wasmCopyRowsF32(rows, cols, hs.v, 2, srs, hd.v, 1, drs), true);
      hs.check();
      hd.check();
      bitsEqual(hd.v.subarray(0, dst.length), want, 'copy_rows');
      hs.done();
      hd.done();
      assert.equal(wasmCopyRowsF32(rows, cols, src, 0, srs, dst, 0, drs), false, 'ordinary arrays are left to the caller');
    }),
    { numRuns: 60 },
  );
  const x = T.randn([6, 40, 70], { seed: 5 }), y = T.randn([6, 40, 30], { seed: 6 });
  const c = T.cat([x, y], 2), t = T.transpose(c, 0, 1).contiguous(), n = T.narrow(c, 2, 3, 60).contiguous();
  const xs = x.dataSync(), ys = y.dataSync(), cs = c.dataSync(), ts = t.dataSync(), ns = n.dataSync();
  for (let a = 0; a < 6; a++) for (let b = 0; b < 40; b++) for (let k = 0; k < 100; k++) {
    const v = k < 70 ? xs[(a * 40 + b) * 70 + k] : ys[(a * 40 + b) * 30 + k - 70];
    assert.equal(cs[(a * 40 + b) * 100 + k], v);
    assert.equal(ts[(b * 6 + a) * 100 + k], v);
    if (k >= 3 && k < 63) assert.equal(ns[(a * 40 + b) * 60 + k - 3], v);
  }
  for (const z of [x, y, c, t, n]) z.dispose();
});

test('wasm heap: a tensor dropped without dispose() gives its block back once the GC collects its view', { skip }, async () => {
  const h = heap as NonNullable<typeof heap>;
  // a collection on demand (node:v8 can expose gc at run time, to this test process only)
  const v8 = await import('node:v8'), vm = await import('node:vm');
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc') as () => void;
  const before = h.tensorBytesInUse;
  (() => {
    for (let i = 0; i < 8; i++) void T.ones([256, 256]).mul(3); // 2 × 256 KiB per iteration, never disposed
  })();
  assert.ok(h.tensorBytesInUse >= before + 16 * 4 * 65536, 'the dropped tensors are still counted before a collection');
  for (let i = 0; i < 10 && h.tensorBytesInUse > before; i++) {
    gc();
    await new Promise((r) => setTimeout(r, 10)); // finalizers run between tasks
  }
  assert.ok(h.tensorBytesInUse <= before, `blocks came back: ${h.tensorBytesInUse} bytes in use, ${before} before`);
});

test('AVEY_CPU_HEAP_MB: a value that is not a number of MiB is a BackendError naming the variable', { skip }, () => {
  const index = JSON.stringify(new URL('../src/index.ts', import.meta.url).href);
  const code = `import(${index}).then((T) => { try { T.ones([128, 128]).mul(2); console.log('no error'); } catch (e) { console.log(e.name + ': ' + e.message); } })`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', code], {
    encoding: 'utf8', cwd: new URL('..', import.meta.url), env: { ...process.env, AVEY_CPU_HEAP_MB: 'lots', NODE_TEST_CONTEXT: undefined },
  });
  assert.match(r.stdout, /BackendError: AVEY_CPU_HEAP_MB: must be a number of MiB ≥ 0 .*got 'lots'/);
});
