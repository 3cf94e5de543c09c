// wasm SIMD sgemm against a float64 triple loop: random sizes (0, 1, odd, across cache blocks),
// transposes, row strides (incl. 0 = broadcast row), offsets, and the sgemm dispatch hook.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  WASM_GEMM_NR, getWasmGemmBlocking, installWasmKernels, setWasmGemmBlocking, setWasmGemmThreads, setWasmWorkerSpin, wasmGemmThreads, wasmKernelsAvailable, wasmSgemm,
  wasmUnavailableReason,
} from '../src/cpu/wasm/index.js';
import { getSgemmImpl, setSgemmImpl, sgemm } from '../src/cpu/sgemm.js';
import { tileShape } from '../src/cpu/wasm/gemm.js';

// Node 20 always has SIMD128; under CI=true a missing one fails the tests instead of skipping them.
const skip = wasmKernelsAvailable() || process.env.CI === 'true' ? false : `WebAssembly SIMD128 unavailable: ${wasmUnavailableReason()}`;

interface Case {
  M: number; N: number; K: number; transA: boolean; transB: boolean;
  lda: number; ldb: number; aOff: number; bOff: number; cOff: number;
  a: Float32Array; b: Float32Array;
}

function randomArray(n: number, seed: number): Float32Array {
  let s = seed >>> 0 || 1;
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 31 - 1;
  });
}

/** Builds a case; `padA`/`padB` extra row stride, or -1 for a broadcast (stride 0) row. */
function makeCase(M: number, N: number, K: number, transA: boolean, transB: boolean, padA: number, padB: number, aOff: number, bOff: number, cOff: number, seed: number): Case {
  const aCols = transA ? M : K, aRows = transA ? K : M;
  const bCols = transB ? K : N, bRows = transB ? N : K;
  const lda = padA < 0 ? 0 : aCols + padA;
  const ldb = padB < 0 ? 0 : bCols + padB;
  const a = randomArray(aOff + Math.max(0, (aRows - 1) * lda + aCols) + 2, seed);
  const b = randomArray(bOff + Math.max(0, (bRows - 1) * ldb + bCols) + 2, seed + 1);
  return { M, N, K, transA, transB, lda, ldb, aOff, bOff, cOff, a, b };
}

function naive(c: Case): Float64Array {
  const { M, N, K, a, b, lda, ldb, aOff, bOff, transA, transB } = c;
  const out = new Float64Array(M * N);
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let s = 0;
      for (let k = 0; k < K; k++) {
        const av = transA ? a[aOff + k * lda + i] : a[aOff + i * lda + k];
        const bv = transB ? b[bOff + j * ldb + k] : b[bOff + k * ldb + j];
        s += av * bv;
      }
      out[i * N + j] = s;
    }
  }
  return out;
}

function check(c: Case, fn = wasmSgemm): void {
  const sentinel = 12345;
  const out = new Float32Array(c.cOff + c.M * c.N + 3).fill(sentinel);
  fn(c.M, c.N, c.K, c.a, c.aOff, c.lda, c.transA, c.b, c.bOff, c.ldb, c.transB, out, c.cOff);
  const ref = naive(c);
  const tol = 1e-6 * Math.max(1, c.K) + 1e-6; // |a|,|b| ≤ 1: float32 rounding grows ~ K·eps
  for (let i = 0; i < c.M * c.N; i++) {
    const got = out[c.cOff + i];
    if (!(Math.abs(got - ref[i]) <= tol)) {
      assert.fail(`sgemm M=${c.M} N=${c.N} K=${c.K} tA=${c.transA} tB=${c.transB} lda=${c.lda} ldb=${c.ldb}: C[${i}] = ${got}, expected ${ref[i]}`);
    }
  }
  for (let i = 0; i < c.cOff; i++) assert.equal(out[i], sentinel, 'wrote before cOff');
  for (let i = c.cOff + c.M * c.N; i < out.length; i++) assert.equal(out[i], sentinel, 'wrote past C');
}

const caseArb = fc.record({
  M: fc.integer({ min: 0, max: 37 }),
  N: fc.integer({ min: 0, max: 37 }),
  K: fc.integer({ min: 0, max: 37 }),
  transA: fc.boolean(),
  transB: fc.boolean(),
  padA: fc.integer({ min: -1, max: 3 }),
  padB: fc.integer({ min: -1, max: 3 }),
  aOff: fc.integer({ min: 0, max: 5 }),
  bOff: fc.integer({ min: 0, max: 5 }),
  cOff: fc.integer({ min: 0, max: 3 }),
  seed: fc.integer({ min: 1, max: 1e9 }),
});

test('wasm sgemm = naive loop (random shapes, transposes, strides, offsets)', { skip }, () => {
  const saved = getWasmGemmBlocking();
  try {
    for (const small of [0, saved.small]) { // 0: every size through wasm; default: tiny ones in JS
      setWasmGemmBlocking({ small });
      fc.assert(
        fc.property(caseArb, (p) => {
          check(makeCase(p.M, p.N, p.K, p.transA, p.transB, p.padA, p.padB, p.aOff, p.bOff, p.cOff, p.seed));
        }),
        { numRuns: 200 },
      );
    }
  } finally {
    setWasmGemmBlocking(saved);
  }
});

test('wasm sgemm with tiny cache blocks (multi-block packing and K accumulation)', { skip }, () => {
  const saved = getWasmGemmBlocking();
  try {
    fc.assert(
      fc.property(
        caseArb,
        fc.record({ mc: fc.constantFrom(4, 8, 12), kc: fc.integer({ min: 1, max: 9 }), nc: fc.constantFrom(8, 16, 24), small: fc.constant(0) }),
        (p, blk) => {
          setWasmGemmBlocking(blk);
          check(makeCase(p.M, p.N, p.K, p.transA, p.transB, p.padA, p.padB, p.aOff, p.bOff, p.cOff, p.seed));
        },
      ),
      { numRuns: 200 },
    );
  } finally {
    setWasmGemmBlocking(saved);
  }
});

test('wasm sgemm: sizes across the default blocks, then a small call (memory reuse after growth)', { skip }, () => {
  check(makeCase(261, 131, 300, false, false, 0, 0, 1, 2, 3, 7));
  check(makeCase(133, 70, 259, true, true, 5, 0, 0, 0, 0, 8));
  check(makeCase(3, 5, 2, false, true, 0, 1, 0, 0, 0, 9));
});

test('wasm sgemm: K = 0 zero-fills C; M = 0 or N = 0 writes nothing', { skip }, () => {
  setWasmGemmBlocking({ small: 0 });
  const c = new Float32Array(7).fill(5);
  wasmSgemm(2, 3, 0, new Float32Array(0), 0, 0, false, new Float32Array(0), 0, 3, false, c, 1);
  assert.deepEqual([...c], [5, 0, 0, 0, 0, 0, 0]);
  const d = new Float32Array(3).fill(5);
  wasmSgemm(0, 3, 4, new Float32Array(4), 0, 4, false, new Float32Array(12), 0, 3, false, d, 0);
  wasmSgemm(3, 0, 4, new Float32Array(12), 0, 4, false, new Float32Array(0), 0, 0, false, d, 0);
  assert.deepEqual([...d], [5, 5, 5]);
  setWasmGemmBlocking(null);
});

test('wasm sgemm: a narrow column slice of a wide matrix (sparse rows are compacted)', { skip }, () => {
  // A is columns 3..6 of a [20, 100] matrix: lda = 100 ≫ K = 4
  const c = makeCase(20, 9, 4, false, false, 96, 0, 3, 0, 0, 11);
  check(c);
});

test('installWasmKernels routes sgemm through wasmSgemm', { skip }, () => {
  const before = getSgemmImpl();
  try {
    assert.equal(installWasmKernels(), true);
    assert.equal(getSgemmImpl(), wasmSgemm);
    check(makeCase(17, 23, 29, true, false, 1, 2, 0, 0, 0, 3), sgemm);
  } finally {
    setSgemmImpl(before);
  }
});

test('setWasmGemmBlocking rejects blocks that break the register tile', { skip }, () => {
  assert.throws(() => setWasmGemmBlocking({ mc: 0 }), /bad wasm blocking/);
  assert.throws(() => setWasmGemmBlocking({ mc: 2.5 }), /bad wasm blocking/);
  assert.throws(() => setWasmGemmBlocking({ nc: 4 }), /bad wasm blocking/);
  assert.throws(() => setWasmGemmBlocking({ kc: 0 }), /bad wasm blocking/);
  assert.throws(() => setWasmGemmBlocking({ small: -1 }), /bad wasm blocking/);
  setWasmGemmBlocking(null);
});

test('wasm sgemm: 1 and 2 threads give bitwise identical results (tiles sum K blocks in the same order)', { skip }, () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 300 }), fc.integer({ min: 1, max: 700 }), fc.integer({ min: 1, max: 600 }),
      fc.boolean(), fc.boolean(), fc.integer({ min: 0, max: 1000 }),
      (M, N, K, transA, transB, seed) => {
        const c = makeCase(M, N, K, transA, transB, 0, 3, 1, 2, 5, seed);
        const run = (threads: number): Float32Array => {
          setWasmGemmThreads(threads);
          const out = new Float32Array(c.cOff + M * N + 3).fill(7);
          wasmSgemm(M, N, K, c.a, c.aOff, c.lda, c.transA, c.b, c.bOff, c.ldb, c.transB, out, c.cOff);
          return out;
        };
        try {
          const one = run(1), two = run(2);
          assert.deepEqual(two, one);
          check(c); // and against the float64 loop
        } finally {
          setWasmGemmThreads(null);
        }
      },
    ),
    { numRuns: 25 },
  );
  setWasmGemmThreads(2);
  // (without SharedArrayBuffer, as in wasm-private-memory.test.ts, the GEMM has one thread)
  assert.equal(wasmGemmThreads(), typeof SharedArrayBuffer === 'undefined' ? 1 : 2, 'node:worker_threads and shared wasm memory are available on Node 20');
  setWasmGemmThreads(null);
});

test('wasm sgemm: the worker sleeping at once or polling between jobs gives the same results; a bad AVEY_CPU_SPIN_US is an error', { skip }, async () => {
  const c = makeCase(200, 300, 150, false, true, 0, 0, 0, 0, 0, 9);
  const run = (): Float32Array => {
    const out = new Float32Array(200 * 300);
    wasmSgemm(200, 300, 150, c.a, c.aOff, c.lda, c.transA, c.b, c.bOff, c.ldb, c.transB, out, 0);
    return out;
  };
  try {
    setWasmGemmThreads(2);
    setWasmWorkerSpin(0);
    const asleep = [run(), run()];
    setWasmWorkerSpin(5000);
    const polling = [run(), run()];
    await new Promise((r) => setTimeout(r, 20)); // past the polling window: the worker sleeps again
    assert.deepEqual(polling[0], asleep[0]);
    assert.deepEqual(polling[1], asleep[0]);
    assert.deepEqual(asleep[1], asleep[0]);
    assert.deepEqual(run(), asleep[0], 'a job after the worker went back to sleep');
  } finally {
    setWasmWorkerSpin(null);
    setWasmGemmThreads(null);
  }
  const { spawnSync } = await import('node:child_process');
  const r = spawnSync(process.execPath, ['--import', 'tsx', '-e',
    "import * as T from './src/index.ts'; const a = T.randn([512, 512]); T.matmul(a, a).dataSync();"],
  { cwd: new URL('..', import.meta.url).pathname, env: { ...process.env, AVEY_CPU_SPIN_US: 'soon' }, encoding: 'utf8' });
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /AVEY_CPU_SPIN_US: must be a number of µs ≥ 0, got 'soon'/);
});

test('wasm sgemm tiling: whole register tiles, panels within NC, enough tiles for the threads, A packed once for a tall narrow C', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 9000 }), fc.integer({ min: 1, max: 9000 }), fc.integer({ min: 1, max: 16 }), fc.constantFrom(4, 6), (batch, M, N, want, MR) => {
      const { mb, nb } = tileShape(batch, M, N, want, 512, MR);
      assert.ok(mb % MR === 0 && nb % WASM_GEMM_NR === 0 && nb <= 512 && mb >= 1 && nb >= 1, `mb ${mb} nb ${nb}`);
      const tiles = batch * Math.ceil(M / mb) * Math.ceil(N / nb);
      // enough tiles, unless the minimum tile sizes (8 register tiles each way) stop the splitting
      const most = batch * Math.ceil(M / Math.min(mb, 8 * MR)) * Math.ceil(N / Math.min(nb, 8 * WASM_GEMM_NR));
      assert.ok(tiles >= want || tiles >= most || mb <= 8 * MR, `${tiles} tiles for ${want} wanted (M ${M}, N ${N}, batch ${batch})`);
    }),
    { numRuns: 300 },
  );
  // the MLM head's gradients: row bands over all 256 columns (A packed once), not column strips
  assert.deepEqual(tileShape(1, 2048, 256, 8, 512, 4), { mb: 256, nb: 256 });
  assert.deepEqual(tileShape(1, 8192, 256, 8, 512, 4), { mb: 1024, nb: 256 });
  assert.deepEqual(tileShape(1, 2048, 256, 8, 512, 6), { mb: 258, nb: 256 });
});
