// The gpu.js backend's primitives against plain-JS references, over strided / broadcast /
// transposed views. Mode: env GPUJS_MODE, else gpu.js' best here (webasm without a GPU).
// A second, smaller pass runs gpu.js' `cpu` mode when the main mode is something else.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { BinaryOp, DType, ReduceOp, StridedRef, TypedArray, UnaryOp, View } from '../src/backend.js';
import { BackendError, DTypeError, IndexError } from '../src/errors.js';
import { availableModes, createGpuJsBackendTyped, gpuJsBackendFactory, type GpuJsBackend } from '../src/gpujs/index.js';
import { mulberry32 } from '../src/index.js';

// ---- deterministic data -------------------------------------------------------------------------

const prod = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);

/** A buffer layout + view of `shape` that is permuted, stepped, padded, offset, partly reversed
 *  (negative strides) and (where `bcast[d]`) broadcast, so kernels see every kind of stride. */
function layout(rand: () => number, shape: readonly number[], bcast: readonly boolean[] = []): { length: number; view: View } {
  const n = shape.length;
  const perm = Array.from({ length: n }, (_, d) => d).sort(() => rand() - 0.5);
  const step = shape.map(() => (rand() < 0.4 ? 2 : 1));
  const U = shape.map((s, d) => (bcast[d] ? 1 : s * step[d] + (rand() < 0.3 ? 1 : 0)));
  const ustr = new Array<number>(n);
  let acc = 1;
  for (let i = n - 1; i >= 0; i--) {
    ustr[perm[i]] = acc;
    acc *= U[perm[i]];
  }
  const pad = Math.floor(rand() * 3);
  const strides = shape.map((_, d) => (bcast[d] ? 0 : step[d] * ustr[d]));
  // reverse some axes (negative stride, offset at the axis' last element)
  let offset = pad;
  strides.forEach((st, d) => {
    if (st > 0 && shape[d] > 1 && rand() < 0.25) {
      offset += (shape[d] - 1) * st;
      strides[d] = -st;
    }
  });
  return { length: pad + acc, view: { shape: [...shape], strides, offset } };
}

/** Values of `view` over `data` in row-major order. */
function readView(data: ArrayLike<number>, view: View): number[] {
  const out: number[] = [];
  const n = view.shape.length;
  const c = new Array<number>(n).fill(0);
  const total = prod(view.shape);
  for (let k = 0; k < total; k++) {
    let off = view.offset;
    for (let d = 0; d < n; d++) off += c[d] * view.strides[d];
    out.push(data[off]);
    for (let d = n - 1; d >= 0; d--) {
      if (++c[d] < view.shape[d]) break;
      c[d] = 0;
    }
  }
  return out;
}

type Gen = (rand: () => number) => number;
const floats: Gen = (r) => Math.fround((r() - 0.5) * 8);
const ints: Gen = (r) => Math.floor((r() - 0.5) * 20);
const bools: Gen = (r) => (r() < 0.5 ? 1 : 0);

function arrayOf(dtype: DType, n: number, gen: (i: number) => number): TypedArray {
  const a = dtype === 'float32' ? new Float32Array(n) : dtype === 'int32' ? new Int32Array(n) : new Uint8Array(n);
  for (let i = 0; i < n; i++) a[i] = gen(i);
  return a;
}

interface Made {
  ref: StridedRef;
  data: TypedArray;
}

function make(be: GpuJsBackend, rand: () => number, dtype: DType, shape: readonly number[], gen: Gen, bcast: readonly boolean[] = []): Made {
  const { length, view } = layout(rand, shape, bcast);
  const data = arrayOf(dtype, length, () => gen(rand));
  return { ref: { buffer: be.upload(dtype, data as Float32Array), view }, data };
}

function contiguousRef(be: GpuJsBackend, dtype: DType, shape: readonly number[], values: readonly number[]): StridedRef {
  const strides: number[] = [];
  let acc = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    strides[d] = acc;
    acc *= shape[d];
  }
  return { buffer: be.upload(dtype, arrayOf(dtype, values.length, (i) => values[i]) as Float32Array), view: { shape: [...shape], strides, offset: 0 } };
}

async function readAll(be: GpuJsBackend, buf: ReturnType<GpuJsBackend['fill']>, shape: readonly number[]): Promise<TypedArray> {
  const strides: number[] = [];
  let acc = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    strides[d] = acc;
    acc *= shape[d];
  }
  return be.read({ buffer: buf, view: { shape: [...shape], strides, offset: 0 } });
}

/** float32 comparison: |got − want| ≤ atol + rtol·|want|, NaN = NaN, ±∞ exact. */
function assertClose(got: ArrayLike<number>, want: ArrayLike<number>, what: string, rtol = 2e-6, atol = 2e-6): void {
  assert.equal(got.length, want.length, `${what}: length`);
  for (let i = 0; i < want.length; i++) {
    const g = got[i], w = want[i];
    if (Number.isNaN(w)) { assert.ok(Number.isNaN(g), `${what}[${i}]: got ${g}, want NaN`); continue; }
    if (!Number.isFinite(w)) { assert.equal(g, w, `${what}[${i}]`); continue; }
    assert.ok(Math.abs(g - w) <= atol + rtol * Math.abs(w), `${what}[${i}]: got ${g}, want ${w}`);
  }
}

// ---- references --------------------------------------------------------------------------------

/** erf via its Maclaurin series / continued fraction, double precision. */
function erfRef(x: number): number {
  const ax = Math.abs(x), s = x < 0 ? -1 : 1;
  if (ax < 3) {
    let term = ax, sum = ax;
    for (let n = 1; n < 200; n++) { term *= (2 * ax * ax) / (2 * n + 1); sum += term; }
    return s * (2 / Math.sqrt(Math.PI)) * Math.exp(-ax * ax) * sum;
  }
  let f = ax;
  for (let k = 60; k >= 1; k--) f = ax + k / 2 / f;
  return s * (1 - Math.exp(-ax * ax) / (Math.sqrt(Math.PI) * f));
}
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}
const UNARY: Record<UnaryOp, (a: number) => number> = {
  neg: (a) => -a, abs: Math.abs, sign: (a) => (a > 0 ? 1 : a < 0 ? -1 : a), exp: Math.exp, log: Math.log,
  sqrt: Math.sqrt, rsqrt: (a) => 1 / Math.sqrt(a), reciprocal: (a) => 1 / a, square: (a) => a * a,
  sin: Math.sin, cos: Math.cos, tanh: Math.tanh, sigmoid: (a) => 1 / (1 + Math.exp(-a)), relu: (a) => (a <= 0 ? 0 : a),
  erf: erfRef, gelu: (a) => 0.5 * a * (1 + erfRef(a / Math.SQRT2)), floor: Math.floor, ceil: Math.ceil,
  round: roundHalfEven, not: (a) => (a === 0 ? 1 : 0), copy: (a) => a,
};
const BINARY: Record<BinaryOp, (a: number, b: number) => number> = {
  add: (a, b) => a + b, sub: (a, b) => a - b, mul: (a, b) => a * b, div: (a, b) => a / b, pow: Math.pow,
  maximum: (a, b) => (a > b || a !== a ? a : b), minimum: (a, b) => (a < b || a !== a ? a : b),
  mod: (a, b) => a - Math.floor(a / b) * b,
  eq: (a, b) => +(a === b), ne: (a, b) => +(a !== b), lt: (a, b) => +(a < b), le: (a, b) => +(a <= b),
  gt: (a, b) => +(a > b), ge: (a, b) => +(a >= b), and: (a, b) => +(a !== 0 && b !== 0), or: (a, b) => +(a !== 0 || b !== 0),
};
const BOOL_OUT = new Set<string>(['eq', 'ne', 'lt', 'le', 'gt', 'ge', 'and', 'or', 'not']);

function reduceRef(op: ReduceOp, row: number[]): number {
  switch (op) {
    case 'sum': return row.reduce((a, b) => a + b, 0);
    case 'prod': return row.reduce((a, b) => a * b, 1);
    case 'max': return row.reduce((a, b) => (b > a || b !== b ? b : a));
    case 'min': return row.reduce((a, b) => (b < a || b !== b ? b : a));
    case 'argmax': case 'argmin': {
      let best = 0;
      for (let j = 1; j < row.length; j++) {
        const v = row[j], acc = row[best];
        const better = op === 'argmax' ? v > acc : v < acc;
        if (better || (v !== v && acc === acc)) best = j;
      }
      return best;
    }
  }
}

// ---- gpu.js' JS → GLSL translator, driven directly (no GL context needed) -------------------------

interface FunctionNodeCtor { new (source: string, settings: Record<string, unknown>): { toString(): string } }
const gpujs = (await import('gpu.js')).default as unknown as { WebGLFunctionNode: FunctionNodeCtor; WebGL2FunctionNode: FunctionNodeCtor };

function translateToGlsl(Node: FunctionNodeCtor, source: string, argumentTypes: string[], output: number[]): string {
  const none = (): null => null;
  const node = new Node(source, {
    isRootKernel: true, name: 'kernel', argumentTypes, argumentBitRatios: argumentTypes.map(() => 4), output,
    precision: 'single', constants: {}, constantTypes: {}, constantBitRatios: {}, loopMaxIterations: 1 << 24,
    lookupReturnType: none, lookupFunctionArgumentTypes: () => [], lookupFunctionArgumentName: none,
    lookupFunctionArgumentBitRatio: () => 4, needsArgumentType: () => false, assignArgumentType: none,
    triggerImplyArgumentType: none, triggerImplyArgumentBitRatio: none, onFunctionCall: none, onNestedFunction: none,
    fixIntegerDivisionAccuracy: false,
  });
  return node.toString();
}

// ---- the suite, per mode -------------------------------------------------------------------------

const MAIN_MODE = process.env.GPUJS_MODE ?? 'auto';

function suite(modeRequest: string, full: boolean): void {
  describe(`gpujs primitives (mode request: ${modeRequest})`, () => {
    let be: GpuJsBackend;
    before(async () => {
      be = await createGpuJsBackendTyped({ mode: modeRequest, reduceChunk: 16, scatterKernelMaxWork: 5000 });
      console.log(`gpujs backend: ${be.info} (available modes here: ${(await availableModes()).join(', ')})`);
    });
    after(() => {
      assert.deepEqual(be.fallbacks, [], `gpu.js silently fell back to another mode: ${JSON.stringify(be.fallbacks)}`);
      console.log(`gpujs kernels: ${JSON.stringify(be.kernelStats)}`);
      be.dispose();
    });

    test('reports its mode and dtypes', (t) => {
      t.diagnostic(be.info);
      assert.ok(['headlessgl', 'webgl2', 'webgl', 'webasm', 'cpu'].includes(be.mode));
      assert.ok(be.info.includes(`mode ${be.mode}`));
      assert.equal(be.name, 'gpujs');
      assert.equal(be.supportsDType('float32'), true);
      assert.equal(be.supportsDType('int32'), true);
      assert.equal(be.supportsDType('bool'), true);
      assert.equal(be.supportsDType('float64'), false);
      assert.throws(() => be.upload('float64', new Float64Array(2)), DTypeError);
    });

    test('upload / fill / read round-trip every dtype, and free', async () => {
      const before0 = be.bytesInUse();
      const f = contiguousRef(be, 'float32', [2, 3], [1.5, -2, 3e-8, 1e30, -0.25, 7]);
      assert.deepEqual(Array.from(await be.read(f)), Array.from(new Float32Array([1.5, -2, 3e-8, 1e30, -0.25, 7])));
      const big = 2 ** 24;
      const i = contiguousRef(be, 'int32', [5], [-big, -7, 0, 123456, big]);
      const gotI = await be.read(i);
      assert.ok(gotI instanceof Int32Array);
      assert.deepEqual(Array.from(gotI), [-big, -7, 0, 123456, big]);
      const b = contiguousRef(be, 'bool', [4], [1, 0, 0, 1]);
      const gotB = be.readSync(b);
      assert.ok(gotB instanceof Uint8Array);
      assert.deepEqual(Array.from(gotB), [1, 0, 0, 1]);
      const filled = be.fill('int32', 3, -4.7);
      assert.deepEqual(Array.from(await readAll(be, filled, [3])), [-4, -4, -4]);
      assert.equal(be.bytesInUse() - before0, (6 + 5 + 4 + 3) * 4);
      // a strided read goes through the copy kernel
      const t2 = { buffer: f.buffer, view: { shape: [3, 2], strides: [1, 3], offset: 0 } };
      assert.deepEqual(Array.from(await be.read(t2)), Array.from(new Float32Array([1.5, 1e30, -2, -0.25, 3e-8, 7])));
      for (const r of [f, i, b]) be.free(r.buffer);
      be.free(filled);
      be.free(filled); // idempotent
      assert.equal(be.bytesInUse(), before0);
      assert.throws(() => be.readSync(f), BackendError);
    });

    test('unary ops match JS on strided views (float32)', async () => {
      const rand = mulberry32(1);
      const ops = Object.keys(UNARY) as UnaryOp[];
      for (const op of ops) {
        const shape = [3, 1, 4];
        const gen: Gen = op === 'log' || op === 'sqrt' || op === 'rsqrt' ? (r) => Math.fround(r() * 5 + 0.01)
          : op === 'round' ? (r) => Math.floor((r() - 0.5) * 10) / 2 // many exact .5 ties
            : floats;
        const x = make(be, rand, 'float32', shape, gen);
        const outD: DType = BOOL_OUT.has(op) ? 'bool' : 'float32';
        const y = await readAll(be, be.unary(op, x.ref, outD), shape);
        const want = readView(x.data, x.ref.view).map((v) => Math.fround(UNARY[op](v)));
        assertClose(y, want, `unary ${op}`, 3e-6, op === 'erf' || op === 'gelu' ? 3e-7 : 1e-6);
      }
    });

    test('unary edge values: NaN, ±0, ±∞, int dtypes', async () => {
      const x = contiguousRef(be, 'float32', [6], [NaN, -0, 0, Infinity, -Infinity, 2.5]);
      const sign = await readAll(be, be.unary('sign', x, 'float32'), [6]);
      assert.ok(Number.isNaN(sign[0]));
      assert.deepEqual(Array.from(sign.slice(3)), [1, -1, 1]);
      const relu = await readAll(be, be.unary('relu', x, 'float32'), [6]);
      assert.deepEqual(Array.from(relu.slice(1)), [0, 0, Infinity, 0, 2.5]);
      const xi = contiguousRef(be, 'int32', [4], [-3, 0, 5, -(2 ** 23)]);
      assert.deepEqual(Array.from(await readAll(be, be.unary('neg', xi, 'int32'), [4])), [3, 0, -5, 2 ** 23]);
      assert.deepEqual(Array.from(await readAll(be, be.unary('abs', xi, 'int32'), [4])), [3, 0, 5, 2 ** 23]);
      assert.deepEqual(Array.from(await readAll(be, be.unary('not', xi, 'bool'), [4])), [0, 1, 0, 0]);
    });

    test('binary ops with broadcasting match JS (float32, int32)', async () => {
      const rand = mulberry32(2);
      for (const dtype of ['float32', 'int32'] as const) {
        for (const op of Object.keys(BINARY) as BinaryOp[]) {
          if (dtype === 'int32' && (op === 'div' || op === 'pow')) continue;
          const shape = [2, 3, 4];
          const gen = dtype === 'float32' ? floats : ints;
          const a = make(be, rand, dtype, shape, gen, [false, true, false]);
          const bGen: Gen = op === 'mod' || op === 'div' ? (r) => { const v = gen(r); return v === 0 ? 3 : v; } : op === 'pow' ? (r) => Math.floor(r() * 5) - 2 : gen;
          const b = make(be, rand, dtype, shape, bGen, [true, false, false]);
          const outD: DType = BOOL_OUT.has(op) ? 'bool' : dtype;
          const y = await readAll(be, be.binary(op, a.ref, b.ref, shape, outD), shape);
          const av = readView(a.data, a.ref.view), bv = readView(b.data, b.ref.view);
          const want = av.map((v, k) => Math.fround(BINARY[op](v, bv[k])));
          assertClose(y, want, `binary ${op} ${dtype}`, 4e-6, 1e-5);
        }
      }
    });

    test('binary edge cases: int mod signs and zero, float division by zero, pow of negatives', async () => {
      const a = contiguousRef(be, 'int32', [6], [7, -7, 7, -7, 5, 16777215]);
      const b = contiguousRef(be, 'int32', [6], [3, 3, -3, -3, 0, 3]);
      assert.deepEqual(Array.from(await readAll(be, be.binary('mod', a, b, [6], 'int32'), [6])), [1, 2, -2, -1, 0, 0]);
      const fa = contiguousRef(be, 'float32', [4], [1, -1, 0, -2]);
      const fb = contiguousRef(be, 'float32', [4], [0, 0, 0, 3]);
      const q = await readAll(be, be.binary('div', fa, fb, [4], 'float32'), [4]);
      assert.equal(q[0], Infinity);
      assert.equal(q[1], -Infinity);
      assert.ok(Number.isNaN(q[2]));
      const p = await readAll(be, be.binary('pow', fa, fb, [4], 'float32'), [4]);
      assert.deepEqual(Array.from(p), [1, 1, 1, -8]);
    });

    test('where and cast', async () => {
      const rand = mulberry32(3);
      const shape = [4, 5];
      const c = make(be, rand, 'bool', shape, bools, [false, true]);
      const a = make(be, rand, 'float32', shape, floats);
      const b = make(be, rand, 'float32', shape, floats, [true, false]);
      const y = await readAll(be, be.where(c.ref, a.ref, b.ref, shape), shape);
      const cv = readView(c.data, c.ref.view), av = readView(a.data, a.ref.view), bv = readView(b.data, b.ref.view);
      assertClose(y, cv.map((v, k) => (v ? av[k] : bv[k])), 'where');

      const x = contiguousRef(be, 'float32', [7], [-2.7, -0.5, 0, 0.5, 2.7, NaN, 1e10]);
      assert.deepEqual(Array.from(await readAll(be, be.cast(x, 'int32'), [7])), [-2, 0, 0, 0, 2, 0, 0]);
      assert.deepEqual(Array.from(await readAll(be, be.cast(x, 'bool'), [7])), [1, 1, 0, 1, 1, 1, 1]);
      const xi = contiguousRef(be, 'int32', [3], [-5, 0, 9]);
      const xf = await readAll(be, be.cast(xi, 'float32'), [3]);
      assert.ok(xf instanceof Float32Array);
      assert.deepEqual(Array.from(xf), [-5, 0, 9]);
      assert.throws(() => be.cast(xi, 'float64'), DTypeError);
    });

    test('reductions over strided rows, one and two levels (chunk 16)', async () => {
      const rand = mulberry32(4);
      for (const inner of [1, 5, 16, 17, 300]) {
        for (const op of ['sum', 'prod', 'max', 'min', 'argmax', 'argmin'] as ReduceOp[]) {
          const shape = [3, inner];
          // small ints make ties for arg*; prod uses values near 1 to stay finite
          const gen: Gen = op === 'prod' ? (r) => Math.fround(0.9 + r() * 0.2) : op.startsWith('arg') ? (r) => Math.floor(r() * 4) : floats;
          const x = make(be, rand, 'float32', shape, gen);
          const y = await readAll(be, be.reduce(op, x.ref), [3]);
          const v = readView(x.data, x.ref.view);
          const want = [0, 1, 2].map((o) => Math.fround(reduceRef(op, v.slice(o * inner, (o + 1) * inner))));
          if (op.startsWith('arg')) assert.deepEqual(Array.from(y), want, `${op} inner=${inner}`);
          else assertClose(y, want, `${op} inner=${inner}`, 1e-5, 1e-5);
        }
      }
      // NaN: max/min propagate, argmax takes the first NaN; empty axis: sum 0, prod 1
      const nanRow = contiguousRef(be, 'float32', [1, 40], Array.from({ length: 40 }, (_, j) => (j === 23 || j === 30 ? NaN : j)));
      assert.ok(Number.isNaN((await readAll(be, be.reduce('max', nanRow), [1]))[0]));
      assert.deepEqual(Array.from(await readAll(be, be.reduce('argmax', nanRow), [1])), [23]);
      const empty = { buffer: be.fill('float32', 0, 0), view: { shape: [2, 0], strides: [0, 1], offset: 0 } };
      assert.deepEqual(Array.from(await readAll(be, be.reduce('prod', empty), [2])), [1, 1]);
      const xi = contiguousRef(be, 'int32', [2, 3], [1, -2, 3, 4, 5, 6]);
      const si = await readAll(be, be.reduce('sum', xi), [2]);
      assert.ok(si instanceof Int32Array);
      assert.deepEqual(Array.from(si), [2, 15]);
    });

    test('matmul: batched, transposed and broadcast-batch operands (fast-check shapes)', async () => {
      const rand = mulberry32(5);
      await fc.assert(
        fc.asyncProperty(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 9 }), fc.integer({ min: 0, max: 9 }), fc.integer({ min: 1, max: 9 }), fc.boolean(),
          async (B, M, K, N, bcastB) => {
            const a = make(be, rand, 'float32', [B, M, K], floats);
            const b = make(be, rand, 'float32', [B, K, N], floats, [bcastB, false, false]);
            const y = await readAll(be, be.matmul(a.ref, b.ref), [B, M, N]);
            const av = readView(a.data, a.ref.view), bv = readView(b.data, b.ref.view);
            const want: number[] = [];
            for (let t = 0; t < B; t++) for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) {
              let s = 0;
              for (let k = 0; k < K; k++) s += av[(t * M + i) * K + k] * bv[(t * K + k) * N + j];
              want.push(s);
            }
            assertClose(y, want, `matmul B${B} M${M} K${K} N${N}`, 1e-5, 1e-5);
          }),
        { numRuns: full ? 12 : 4, seed: 42 },
      );
      const xi = contiguousRef(be, 'int32', [1, 1, 1], [1]);
      assert.throws(() => be.matmul(xi, xi), DTypeError);
    });

    test('gather and scatterAdd (kernel and host paths) match JS; bad indices throw IndexError', async () => {
      const rand = mulberry32(6);
      for (const [O, A, N, I] of [[2, 5, 3, 4], [1, 7, 9, 1], [3, 40, 60, 2]]) {
        const x = make(be, rand, 'float32', [O, A, I], floats);
        const idx = make(be, rand, 'int32', [O, N, I], (r) => Math.floor(r() * A));
        const src = make(be, rand, 'float32', [O, N, I], floats);
        const xv = readView(x.data, x.ref.view), iv = readView(idx.data, idx.ref.view), sv = readView(src.data, src.ref.view);
        const g = await readAll(be, be.gather(x.ref, idx.ref), [O, N, I]);
        const gWant: number[] = [];
        for (let o = 0; o < O; o++) for (let n = 0; n < N; n++) for (let i = 0; i < I; i++) gWant.push(xv[(o * A + iv[(o * N + n) * I + i]) * I + i]);
        assert.deepEqual(Array.from(g), gWant, `gather ${[O, A, N, I]}`);
        // O·A·I·N = 28 800 > scatterKernelMaxWork (5000) takes the host loop
        const s = await readAll(be, be.scatterAdd(x.ref, idx.ref, src.ref), [O, A, I]);
        const sWant = Float32Array.from(xv);
        for (let o = 0; o < O; o++) for (let n = 0; n < N; n++) for (let i = 0; i < I; i++) sWant[(o * A + iv[(o * N + n) * I + i]) * I + i] += sv[(o * N + n) * I + i];
        assert.deepEqual(Array.from(s), Array.from(sWant), `scatterAdd ${[O, A, N, I]}`);
      }
      const x = contiguousRef(be, 'float32', [1, 3, 1], [1, 2, 3]);
      const bad = contiguousRef(be, 'int32', [1, 2, 1], [0, 3]);
      assert.throws(() => be.gather(x, bad), IndexError);
      assert.throws(() => be.scatterAdd(x, bad, contiguousRef(be, 'float32', [1, 2, 1], [1, 1])), IndexError);
      const neg = contiguousRef(be, 'int32', [1, 1, 1], [-1]);
      assert.throws(() => be.gather(x, neg), IndexError);
    });

    test('topk: descending, ties to the lower index, NaN largest, strided rows', async () => {
      const rand = mulberry32(7);
      for (const [O, A, k] of [[3, 10, 4], [2, 6, 6], [1, 33, 1]]) {
        const x = make(be, rand, 'float32', [O, A], (r) => Math.floor(r() * 5));
        const { values, indices } = be.topk(x.ref, k);
        const v = await readAll(be, values, [O, k]);
        const ix = await readAll(be, indices, [O, k]);
        assert.ok(ix instanceof Int32Array);
        const xv = readView(x.data, x.ref.view);
        for (let o = 0; o < O; o++) {
          const order = Array.from({ length: A }, (_, j) => j).sort((p, q) => xv[o * A + q] - xv[o * A + p] || p - q).slice(0, k);
          assert.deepEqual(Array.from(ix.slice(o * k, (o + 1) * k)), order, `topk indices row ${o}`);
          assert.deepEqual(Array.from(v.slice(o * k, (o + 1) * k)), order.map((j) => xv[o * A + j]));
        }
      }
      const withNaN = contiguousRef(be, 'float32', [1, 5], [1, NaN, 3, 3, NaN]);
      const r = be.topk(withNaN, 4);
      assert.deepEqual(Array.from(await readAll(be, r.indices, [1, 4])), [1, 4, 2, 3]);
    });

    test('assign writes a view in place (kernel for nested views, host loop for overlapping ones)', async () => {
      const rand = mulberry32(8);
      // cat-like: write a transposed [3, 4] source into columns 2..5 of a fresh [3, 8] buffer
      const dst = be.fill('float32', 24, -1);
      const src = make(be, rand, 'float32', [3, 4], floats);
      be.assign(dst, { shape: [3, 4], strides: [8, 1], offset: 2 }, src.ref);
      const got = await readAll(be, dst, [3, 8]);
      const sv = readView(src.data, src.ref.view);
      const want = new Array<number>(24).fill(-1);
      for (let i = 0; i < 3; i++) for (let j = 0; j < 4; j++) want[i * 8 + 2 + j] = sv[i * 4 + j];
      assert.deepEqual(Array.from(got), want);
      // stepped + size-1 axes: every other element of a [2, 1, 6] buffer
      const dst2 = be.fill('int32', 12, 0);
      const s2 = contiguousRef(be, 'int32', [2, 1, 3], [1, 2, 3, 4, 5, 6]);
      be.assign(dst2, { shape: [2, 1, 3], strides: [6, 99, 2], offset: 1 }, s2);
      assert.deepEqual(Array.from(await readAll(be, dst2, [12])), [0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6]);
      // overlapping destination view (strides [1, 1]): sequential writes, last one wins
      const dst3 = be.fill('float32', 3, 0);
      be.assign(dst3, { shape: [2, 2], strides: [1, 1], offset: 0 }, contiguousRef(be, 'float32', [2, 2], [1, 2, 3, 4]));
      assert.deepEqual(Array.from(await readAll(be, dst3, [3])), [1, 3, 4]);
      // reversed destination (negative stride): host path
      const dst4 = be.fill('float32', 5, 0);
      be.assign(dst4, { shape: [4], strides: [-1], offset: 4 }, contiguousRef(be, 'float32', [4], [1, 2, 3, 4]));
      assert.deepEqual(Array.from(await readAll(be, dst4, [5])), [0, 4, 3, 2, 1]);
    });

    test('kernels are cached per shape signature, not per offset or data', async () => {
      const x = be.upload('float32', new Float32Array(64).map((_, i) => i));
      const run = (offset: number) => be.unary('exp', { buffer: x, view: { shape: [4, 4], strides: [8, 1], offset } }, 'float32');
      run(0);
      const s0 = be.kernelStats;
      const y = run(5);
      const s1 = be.kernelStats;
      assert.equal(s1.compiled, s0.compiled, 'a new offset must not recompile');
      assert.equal(s1.hits, s0.hits + 1);
      assertClose(await readAll(be, y, [16]), [5, 6, 7, 8, 13, 14, 15, 16, 21, 22, 23, 24, 29, 30, 31, 32].map((v) => Math.fround(Math.exp(v))), 'cached exp', 1e-6, 0);
      be.unary('exp', { buffer: x, view: { shape: [4, 4], strides: [1, 8], offset: 0 } }, 'float32');
      assert.equal(be.kernelStats.compiled, s1.compiled + 1, 'new strides compile a new kernel');
    });

    if (full) {
      test('every kernel generated so far translates to GLSL (WebGL1 and WebGL2 function nodes)', async () => {
        // GL modes cannot run here without the native `gl` package and X; gpu.js' own JS → GLSL
        // translator still checks that the generated sources are in the subset it accepts.
        const entries = be.kernelEntries();
        assert.ok(entries.length > 50, `expected the earlier tests to have compiled many kernels, got ${entries.length}`);
        for (const e of entries) {
          for (const Node of [gpujs.WebGLFunctionNode, gpujs.WebGL2FunctionNode]) {
            const glsl = translateToGlsl(Node, e.source, e.argKinds.map((k) => (k === 'Array' ? 'Array' : 'Integer')), e.output);
            assert.match(glsl, /kernelResult = /, `${e.op}: no result assignment in\n${glsl}`);
          }
        }
      });

      test('buffers beyond 2^24 elements are refused in float32-indexing modes', (t) => {
        if (be.mode === 'cpu') { t.skip('cpu mode indexes in float64; no limit to test'); return; }
        const big = be.fill('float32', 2 ** 24 + 1, 1);
        assert.throws(() => be.unary('neg', { buffer: big, view: { shape: [2 ** 24 + 1], strides: [1], offset: 0 } }, 'float32'), BackendError);
        be.free(big);
      });
    }
  });
}

describe('gpujs backend creation', () => {
  test('mode requests: unknown names and unsupported modes throw BackendError; requireGpu', async () => {
    await assert.rejects(createGpuJsBackendTyped({ mode: 'quantum' }), BackendError);
    const modes = await availableModes();
    if (!modes.includes('webgl2')) await assert.rejects(createGpuJsBackendTyped({ mode: 'webgl2' }), BackendError);
    const hasGpu = modes.some((m) => m === 'headlessgl' || m === 'webgl2' || m === 'webgl');
    if (hasGpu) {
      const be = await createGpuJsBackendTyped({ requireGpu: true });
      assert.equal(be.isGpu, true);
      be.dispose();
    } else {
      await assert.rejects(createGpuJsBackendTyped({ requireGpu: true }), BackendError);
    }
  });

  test('registry factory: the best mode; CPU modes are marked emulated so auto skips them', async () => {
    const saved = process.env.GPUJS_MODE;
    try {
      delete process.env.GPUJS_MODE;
      const hasGpu = (await availableModes()).some((m) => m === 'headlessgl' || m === 'webgl2' || m === 'webgl');
      const best = (await gpuJsBackendFactory()) as GpuJsBackend;
      assert.equal(best.isGpu, hasGpu);
      if (hasGpu) assert.equal(best.emulated, undefined);
      else assert.match(best.emulated ?? '', new RegExp(`gpu.js ${best.mode} mode`));
      best.dispose();
      process.env.GPUJS_MODE = 'cpu';
      const be = (await gpuJsBackendFactory()) as GpuJsBackend;
      assert.equal(be.mode, 'cpu');
      assert.ok(be.emulated);
      be.dispose();
    } finally {
      if (saved === undefined) delete process.env.GPUJS_MODE;
      else process.env.GPUJS_MODE = saved;
    }
  });
});

describe('gpujs kernel cache bound', () => {
  test('the LRU cache keeps at most kernelCacheSize kernels and evicted kernels recompile correctly', async () => {
    const be = await createGpuJsBackendTyped({ mode: MAIN_MODE, kernelCacheSize: 2 });
    try {
      const x = be.upload('float32', Float32Array.from({ length: 12 }, (_, i) => i - 6));
      const neg = async (shape: number[]) => {
        const strides = shape.length === 2 ? [shape[1], 1] : [1];
        return Array.from(await readAll(be, be.unary('neg', { buffer: x, view: { shape, strides, offset: 0 } }, 'float32'), shape));
      };
      const want = (n: number) => Array.from({ length: n }, (_, i) => -(i - 6)); // -0 at i = 6, like neg
      assert.deepEqual(await neg([12]), want(12));
      assert.deepEqual(await neg([3, 2]), want(6));
      assert.deepEqual(await neg([5]), want(5));
      assert.equal(be.kernelStats.cached, 2);
      assert.deepEqual(await neg([12]), want(12)); // evicted above: compiled again
      assert.equal(be.kernelStats.compiled, 4);
    } finally {
      be.dispose();
    }
  });

  test('the cache also evicts by the bytes gpu.js retains per kernel (4 × (argument + output elements))', async () => {
    const be = await createGpuJsBackendTyped({ mode: MAIN_MODE, kernelCacheBytes: 200 });
    try {
      const x = be.upload('float32', new Float32Array(12));
      for (const shape of [[12], [6], [5]]) be.unary('neg', { buffer: x, view: { shape, strides: [1], offset: 0 } }, 'float32');
      // 96 + 72 + 68 bytes > 200: the least recently used kernel ([12]) goes
      assert.deepEqual([be.kernelStats.cached, be.kernelStats.cachedBytes], [2, 72 + 68]);
    } finally {
      be.dispose();
    }
  });
});

suite(MAIN_MODE, true);
if (MAIN_MODE !== 'cpu') suite('cpu', false);
