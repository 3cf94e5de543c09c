// Every primitive of the WebGPU backend, called directly (no tensor frontend), against plain JS
// references. Runs on whatever adapter `createWebGPUBackend()` picks (WEBGPU_BACKEND=vulkan|opengles
// overrides); a few checks also run on the other Dawn backend when it is available.
// Without an adapter: skipped with the reason, except under CI=true where the first test fails.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { BackendBuffer, BinaryOp, DType, ReduceOp, StridedRef, UnaryOp, View } from '../src/backend.js';
import { BackendError, DTypeError } from '../src/errors.js';
import { createWebGPUBackend, liveDeviceCount, type WebGPUBackend } from '../src/webgpu/index.js';
import { mulberry32 as rng } from '../src/index.js';

// ---- backend (or the reason there is none) --------------------------------------------------------
let be: WebGPUBackend | null = null;
let why = '';
try {
  be = await createWebGPUBackend();
  console.log(`# webgpu adapter: ${be.info.adapterName} (${be.info.kind}, ${be.info.featureLevel}${be.info.software ? ', software' : ''})`);
} catch (e) {
  why = e instanceof Error ? e.message : String(e);
}
if (!be) {
  if (process.env.CI === 'true') test('a WebGPU adapter is available under CI=true', () => assert.fail(why));
  else console.log(`# skipping WebGPU primitive tests: ${why}`);
}
after(() => be?.dispose());

function gt(name: string, fn: (b: WebGPUBackend) => Promise<void> | void): void {
  test(name, { skip: be ? false : `no WebGPU adapter: ${why}` }, () => fn(be as WebGPUBackend));
}

// ---- helpers ----------------------------------------------------------------------------------------
function rowMajor(shape: readonly number[]): number[] {
  const s: number[] = [];
  let acc = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    s[d] = acc;
    acc *= shape[d];
  }
  return s;
}
const size = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);
function R(buffer: BackendBuffer, shape: number[], strides?: number[], offset = 0): StridedRef {
  return { buffer, view: { shape, strides: strides ?? rowMajor(shape), offset } };
}
/** Elements of `data` seen through `view`, row-major. */
function viewOf(data: ArrayLike<number>, view: View): number[] {
  const out: number[] = [];
  const n = size(view.shape);
  for (let i = 0; i < n; i++) {
    let rem = i;
    let at = view.offset;
    for (let d = view.shape.length - 1; d >= 0; d--) {
      at += (rem % view.shape[d]) * view.strides[d];
      rem = Math.floor(rem / view.shape[d]);
    }
    out.push(data[at]);
  }
  return out;
}
function upload(b: WebGPUBackend, dtype: DType, data: number[]): BackendBuffer {
  if (dtype === 'float32') return b.upload('float32', Float32Array.from(data));
  if (dtype === 'int32') return b.upload('int32', Int32Array.from(data));
  return b.upload('bool', Uint8Array.from(data));
}
async function read(b: WebGPUBackend, buf: BackendBuffer, shape: number[]): Promise<number[]> {
  return Array.from(await b.read(R(buf, shape)));
}
function close(got: readonly number[], want: readonly number[], msg: string, atol = 1e-5, rtol = 1e-5): void {
  assert.equal(got.length, want.length, `${msg}: length`);
  for (let i = 0; i < want.length; i++) {
    const g = got[i], w = want[i];
    if (Number.isNaN(w)) { assert.ok(Number.isNaN(g), `${msg}[${i}]: got ${g}, want NaN`); continue; }
    if (!Number.isFinite(w)) { assert.equal(g, w, `${msg}[${i}]`); continue; }
    assert.ok(Math.abs(g - w) <= atol + rtol * Math.abs(w), `${msg}[${i}]: got ${g}, want ${w}`);
  }
}
const f32 = Math.fround;
function randn(n: number, seed: number, lo = -4, hi = 4): number[] {
  const r = rng(seed);
  return Array.from({ length: n }, () => f32(lo + (hi - lo) * r()));
}
function randInt(n: number, seed: number, lo: number, hi: number): number[] {
  const r = rng(seed);
  return Array.from({ length: n }, () => lo + Math.floor(r() * (hi - lo)));
}

// erf reference: Maclaurin series (exact to ~1e-12 for |x| < 4.5), ±1 beyond (erfc(4.5) ≈ 2e-10).
function erf(x: number): number {
  if (Math.abs(x) >= 4.5) return Math.sign(x);
  let sum = 0, term = x, n = 0;
  while (Math.abs(term) > 1e-17 * Math.max(1, Math.abs(sum)) || n < 3) {
    sum += term / (2 * n + 1);
    n++;
    term *= (-x * x) / n;
    if (n > 200) break;
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}
const roundEven = (x: number): number => {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
};
const UNARY_F: Record<Exclude<UnaryOp, 'not'>, (x: number) => number> = {
  neg: (x) => -x, abs: Math.abs, sign: (x) => (x > 0 ? 1 : x < 0 ? -1 : x), exp: Math.exp, log: Math.log,
  sqrt: Math.sqrt, rsqrt: (x) => 1 / Math.sqrt(x), reciprocal: (x) => 1 / x, square: (x) => x * x,
  sin: Math.sin, cos: Math.cos, tanh: Math.tanh, sigmoid: (x) => 1 / (1 + Math.exp(-x)),
  relu: (x) => (x <= 0 ? 0 : x), erf, gelu: (x) => 0.5 * x * (1 + erf(x / Math.SQRT2)),
  floor: Math.floor, ceil: Math.ceil, round: roundEven, copy: (x) => x,
};

// ---- memory -------------------------------------------------------------------------------------
gt('upload/read round-trips float32, int32 and bool (bool reads back as Uint8Array)', async (b) => {
  const f = [1.5, -2.25, 3e-8, 1e30, -0, 7];
  assert.deepEqual(await read(b, upload(b, 'float32', f), [6]), f.map(f32));
  const i = [0, -1, 2147483647, -2147483648, 5];
  assert.deepEqual(await read(b, upload(b, 'int32', i), [5]), i);
  const bools = await b.read(R(upload(b, 'bool', [1, 0, 0, 1]), [4]));
  assert.ok(bools instanceof Uint8Array);
  assert.deepEqual(Array.from(bools), [1, 0, 0, 1]);
  assert.deepEqual(await read(b, upload(b, 'float32', []), [0]), []);
  const sub = new Float32Array([9, 8, 7, 6, 5]).subarray(2, 4); // a view with a byte offset
  assert.deepEqual(await read(b, b.upload('float32', sub), [2]), [7, 6]);
  assert.deepEqual(await read(b, b.upload('bool', new Uint8Array([0, 1, 0]).subarray(1)), [2]), [1, 0]);
});

gt('fill writes the value in every dtype', async (b) => {
  assert.deepEqual(await read(b, b.fill('float32', 5, -1.5), [5]), [-1.5, -1.5, -1.5, -1.5, -1.5]);
  assert.deepEqual(await read(b, b.fill('int32', 3, 7), [3]), [7, 7, 7]);
  assert.deepEqual(await read(b, b.fill('bool', 3, 2), [3]), [1, 1, 1]);
  assert.deepEqual(await read(b, b.fill('float32', 0, 1), [0]), []);
});

gt('read honours strided views (transpose, slice with step, broadcast, offset)', async (b) => {
  const data = Array.from({ length: 24 }, (_, i) => i);
  const x = upload(b, 'float32', data);
  const views: View[] = [
    { shape: [4, 6], strides: [1, 4], offset: 0 },
    { shape: [2, 3], strides: [12, 2], offset: 1 },
    { shape: [3, 4], strides: [0, 1], offset: 5 },
    { shape: [], strides: [], offset: 23 },
  ];
  for (const v of views) assert.deepEqual(Array.from(await b.read({ buffer: x, view: v })), viewOf(data, v), JSON.stringify(v));
});

gt('bytesInUse counts live buffers; freed buffers are pooled and reused', async (b) => {
  const before = b.bytesInUse();
  const x = b.fill('float32', 1000, 1);
  assert.equal(b.bytesInUse(), before + 4000);
  b.free(x);
  b.free(x); // idempotent
  assert.equal(b.bytesInUse(), before);
  await b.sync();
  assert.ok(b.pooledBytes() >= 4000, `pool holds the freed buffer (${b.pooledBytes()} bytes)`);
  const pooled = b.pooledBytes();
  const y = b.fill('float32', 1000, 2); // same size class: served from the pool
  assert.ok(b.pooledBytes() < pooled);
  assert.deepEqual((await read(b, y, [1000])).slice(0, 3), [2, 2, 2]);
  assert.throws(() => b.unary('copy', R(x, [1000]), 'float32'), BackendError);
});

gt('a buffer freed before its pending reader is submitted is not overwritten by a later upload', async (b) => {
  const x = upload(b, 'float32', [1, 2, 3, 4]);
  const y = b.unary('neg', R(x, [4]), 'float32'); // recorded, not yet submitted
  b.free(x);
  const z = upload(b, 'float32', [9, 9, 9, 9]); // must not land in x's GPU buffer before y runs
  assert.deepEqual(await read(b, y, [4]), [-1, -2, -3, -4]);
  assert.deepEqual(await read(b, z, [4]), [9, 9, 9, 9]);
});

gt('tensors above maxStorageBufferBindingSize raise a BackendError naming the limit', (b) => {
  const max = b.info.maxStorageBufferBindingSize;
  assert.throws(() => b.fill('float32', max / 4 + 1, 0), (e: unknown) =>
    e instanceof BackendError && /maxStorageBufferBindingSize/.test(e.message) && e.message.includes(String(max)));
});

gt('float64 is unsupported', (b) => {
  assert.equal(b.supportsDType('float64'), false);
  assert.equal(b.syncRead, false);
  assert.throws(() => b.fill('float64', 2, 0), DTypeError);
});

// ---- elementwise --------------------------------------------------------------------------------
gt('unary float ops match JS on a strided (transposed) input', async (b) => {
  const shape = [7, 5];
  const data = [...randn(33, 1), 0, 0.5, -0.5, 2.5, 20, -20, 1e-4]; // 40 values; view picks 35
  const x = upload(b, 'float32', data);
  const view: View = { shape, strides: [1, 8], offset: 1 }; // transposed-like walk
  const xs = viewOf(data, view);
  for (const op of Object.keys(UNARY_F) as (keyof typeof UNARY_F)[]) {
    const positive = op === 'log' || op === 'sqrt' || op === 'rsqrt';
    const input = positive ? b.unary('abs', { buffer: x, view }, 'float32') : null;
    const ref = input ? R(input, shape) : { buffer: x, view };
    const src = positive ? xs.map(Math.abs) : xs;
    const got = await read(b, b.unary(op, ref, 'float32'), shape);
    const want = src.map((v) => f32(UNARY_F[op](v)));
    close(got, want, `unary ${op}`, op === 'erf' || op === 'gelu' ? 2e-6 : 1e-5, 2e-5);
  }
  close(await read(b, b.unary('log', R(upload(b, 'float32', [-1, 0]), [2]), 'float32'), [2]), [NaN, -Infinity], 'log domain');
});

gt('unary int and bool ops, and float → other dtypes', async (b) => {
  const xi = [-3, -1, 0, 2, 5];
  const x = upload(b, 'int32', xi);
  for (const op of ['neg', 'abs', 'sign', 'square', 'relu', 'copy', 'floor'] as const) {
    const want = xi.map((v) => UNARY_F[op](v) | 0); // int32: no -0
    assert.deepEqual(await read(b, b.unary(op, R(x, [5]), 'int32'), [5]), want, op);
  }
  assert.deepEqual(await read(b, b.unary('not', R(x, [5]), 'bool'), [5]), [0, 0, 1, 0, 0]);
  assert.deepEqual(await read(b, b.unary('not', R(upload(b, 'bool', [1, 0]), [2]), 'bool'), [2]), [0, 1]);
  // exp of an int tensor computes in float and stores in the requested output dtype
  close(await read(b, b.unary('exp', R(x, [5]), 'float32'), [5]), xi.map((v) => f32(Math.exp(v))), 'exp(int)');
});

const BIN_F: Record<Exclude<BinaryOp, 'and' | 'or'>, (a: number, c: number) => number> = {
  add: (a, c) => a + c, sub: (a, c) => a - c, mul: (a, c) => a * c, div: (a, c) => a / c, pow: Math.pow,
  maximum: (a, c) => (a > c || a !== a ? a : c), minimum: (a, c) => (a < c || a !== a ? a : c),
  mod: (a, c) => a - Math.floor(a / c) * c,
  eq: (a, c) => +(a === c), ne: (a, c) => +(a !== c), lt: (a, c) => +(a < c), le: (a, c) => +(a <= c),
  gt: (a, c) => +(a > c), ge: (a, c) => +(a >= c),
};
const CMP = new Set(['eq', 'ne', 'lt', 'le', 'gt', 'ge']);

gt('binary float ops with broadcasting (stride-0 axes) match JS', async (b) => {
  // a: [3, 1, 4] broadcast to [3, 5, 4]; b: [5, 4] broadcast to [3, 5, 4]
  const shape = [3, 5, 4];
  const ad = randn(12, 2).map((v, i) => (i % 5 === 0 ? 2 : v)); // some equal values for comparisons
  const bd = randn(20, 3).map((v, i) => (i % 4 === 0 ? 2 : v === 0 ? 1 : v));
  const av: View = { shape, strides: [4, 0, 1], offset: 0 };
  const bv: View = { shape, strides: [0, 4, 1], offset: 0 };
  const A = upload(b, 'float32', ad), B = upload(b, 'float32', bd);
  const as = viewOf(ad, av), bs = viewOf(bd, bv);
  for (const op of Object.keys(BIN_F) as (keyof typeof BIN_F)[]) {
    const out: DType = CMP.has(op) ? 'bool' : 'float32';
    const got = await read(b, b.binary(op, { buffer: A, view: av }, { buffer: B, view: bv }, shape, out), shape);
    const want = as.map((x, i) => { const r = BIN_F[op](x, bs[i]); return out === 'bool' ? r : f32(r); });
    close(got, want, `binary ${op}`, 1e-5, op === 'pow' ? 1e-4 : 1e-5);
  }
});

gt('binary special values: pow of negative bases, mod signs, NaN in maximum/minimum', async (b) => {
  const a = [-2, -2, -8, 0, 0, 2, 7, -7, 7, -7, NaN, 1];
  const c = [3, 2, 1 / 3, 2, -1, 0.5, 3, 3, -3, -3, 1, NaN];
  const A = upload(b, 'float32', a), C = upload(b, 'float32', c);
  for (const op of ['pow', 'mod', 'maximum', 'minimum'] as const) {
    const got = await read(b, b.binary(op, R(A, [12]), R(C, [12]), [12], 'float32'), [12]);
    close(got, a.map((x, i) => f32(BIN_F[op](f32(x), f32(c[i])))), op, 1e-5, 1e-5);
  }
  for (const op of ['eq', 'ne', 'lt', 'ge'] as const) { // NaN compares unequal to everything
    const got = await read(b, b.binary(op, R(A, [12]), R(C, [12]), [12], 'bool'), [12]);
    assert.deepEqual(got, a.map((x, i) => BIN_F[op](f32(x), f32(c[i]))), op);
  }
  const nanCond = b.where(R(upload(b, 'float32', [NaN, 0, 2]), [3]), R(upload(b, 'float32', [1, 1, 1]), [3]), R(upload(b, 'float32', [0, 0, 0]), [3]), [3]);
  assert.deepEqual(await read(b, nanCond, [3]), [1, 0, 1], 'where treats a NaN condition as true (x != 0)');
});

gt('binary int32 ops wrap, truncate and floor like the CPU backend; logical ops on bool', async (b) => {
  const a = [7, -7, 7, -7, 2147483647, 3, 2, 0];
  const c = [2, 2, -2, -2, 1, 0, 10, 5];
  const A = upload(b, 'int32', a), C = upload(b, 'int32', c);
  const want: Record<string, number[]> = {
    add: a.map((x, i) => (x + c[i]) | 0), sub: a.map((x, i) => (x - c[i]) | 0), mul: a.map((x, i) => Math.imul(x, c[i])),
    div: a.map((x, i) => (x / c[i]) | 0), mod: a.map((x, i) => (c[i] === 0 ? 0 : x - Math.floor(x / c[i]) * c[i])),
    pow: a.map((x, i) => (i === 4 ? x : Math.pow(x, c[i]) | 0)), maximum: a.map((x, i) => Math.max(x, c[i])),
    lt: a.map((x, i) => +(x < c[i])),
  };
  for (const [op, w] of Object.entries(want)) {
    const out: DType = op === 'lt' ? 'bool' : 'int32';
    assert.deepEqual(await read(b, b.binary(op as BinaryOp, R(A, [8]), R(C, [8]), [8], out), [8]), w, op);
  }
  const P = upload(b, 'bool', [1, 1, 0, 0]), Q = upload(b, 'bool', [1, 0, 1, 0]);
  assert.deepEqual(await read(b, b.binary('and', R(P, [4]), R(Q, [4]), [4], 'bool'), [4]), [1, 0, 0, 0]);
  assert.deepEqual(await read(b, b.binary('or', R(P, [4]), R(Q, [4]), [4], 'bool'), [4]), [1, 1, 1, 0]);
});

gt('property: broadcast add over random shapes and views equals the JS reference', async (b) => {
  await fc.assert(fc.asyncProperty(
    fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 0, maxLength: 4 }),
    fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
    fc.integer({ min: 0, max: 3 }),
    async (shape, bcast, offset) => {
      const n = size(shape);
      const ad = randn(n + offset, n + 7), bd = randn(n, n + 11);
      const bStrides = rowMajor(shape).map((s, d) => (bcast[d] ? 0 : s));
      const A = upload(b, 'float32', ad), B = upload(b, 'float32', bd);
      const av: View = { shape, strides: rowMajor(shape), offset };
      const bv: View = { shape, strides: bStrides, offset: 0 };
      const got = await read(b, b.binary('mul', { buffer: A, view: av }, { buffer: B, view: bv }, shape, 'float32'), shape);
      const as = viewOf(ad, av), bs = viewOf(bd, bv);
      close(got, as.map((x, i) => f32(x * bs[i])), `mul ${JSON.stringify(shape)}`);
      b.free(A); b.free(B);
    }), { numRuns: 25, seed: 42 });
});

gt('where selects with broadcast condition; cast truncates and maps to bool', async (b) => {
  const shape = [2, 3];
  const cond = upload(b, 'bool', [1, 0, 1]);
  const A = upload(b, 'float32', [1, 2, 3, 4, 5, 6]);
  const B = upload(b, 'float32', [-1]);
  const got = await read(b, b.where(R(cond, shape, [0, 1]), R(A, shape), R(B, shape, [0, 0]), shape), shape);
  assert.deepEqual(got, [1, -1, 3, 4, -1, 6]);
  const ci = upload(b, 'int32', [0, 3]);
  const I1 = upload(b, 'int32', [10, 20]), I2 = upload(b, 'int32', [-10, -20]);
  assert.deepEqual(await read(b, b.where(R(ci, [2]), R(I1, [2]), R(I2, [2]), [2]), [2]), [-10, 20]);

  const F = upload(b, 'float32', [-2.7, -0.5, 0, 0.5, 2.7, NaN, 1e10]);
  // toward zero; NaN → 0 (as an Int32Array store); out-of-range values saturate on the GPU
  const ci32 = await read(b, b.cast(R(F, [7]), 'int32'), [7]);
  assert.deepEqual(ci32.slice(0, 6), [-2, 0, 0, 0, 2, 0]);
  assert.ok(ci32[6] >= 2147483520, `1e10 saturates (WGSL: largest f32 below 2^31), got ${ci32[6]}`);
  assert.deepEqual(await read(b, b.cast(R(F, [7]), 'bool'), [7]), [1, 1, 0, 1, 1, 1, 1]);
  assert.deepEqual(await read(b, b.cast(R(upload(b, 'bool', [1, 0]), [2]), 'float32'), [2]), [1, 0]);
  assert.deepEqual(await read(b, b.cast(R(upload(b, 'int32', [-3, 4]), [2]), 'float32'), [2]), [-3, 4]);
});

gt('assign writes a strided source into a strided destination view in place', async (b) => {
  const dst = b.fill('float32', 12, 0); // [3, 4]
  const src = upload(b, 'float32', [1, 2, 3, 4, 5, 6]); // read as [3, 2] transposed from [2, 3]
  b.assign(dst, { shape: [3, 2], strides: [4, 2], offset: 1 }, R(src, [3, 2], [1, 3]));
  assert.deepEqual(await read(b, dst, [12]), [0, 1, 0, 4, 0, 2, 0, 5, 0, 3, 0, 6]);
  // int → bool conversion on assign, and a source that is a view of the destination itself
  const bd = b.fill('bool', 4, 0);
  b.assign(bd, { shape: [2], strides: [1], offset: 2 }, R(upload(b, 'int32', [0, 9]), [2]));
  assert.deepEqual(await read(b, bd, [4]), [0, 0, 0, 1]);
  const self = upload(b, 'float32', [1, 2, 3, 4]);
  b.assign(self, { shape: [2], strides: [1], offset: 2 }, R(self, [2], [1], 0));
  assert.deepEqual(await read(b, self, [4]), [1, 2, 1, 2]);
});

// ---- reductions -----------------------------------------------------------------------------------
function reduceRef(op: ReduceOp, row: number[], int: boolean): number {
  switch (op) {
    case 'sum': return row.reduce((a, v) => (int ? (a + v) | 0 : a + v), 0);
    case 'prod': return row.reduce((a, v) => (int ? Math.imul(a, v) : a * v), 1);
    case 'max': return row.some(Number.isNaN) ? NaN : Math.max(...row);
    case 'min': return row.some(Number.isNaN) ? NaN : Math.min(...row);
    case 'argmax': case 'argmin': {
      let best = 0;
      for (let j = 1; j < row.length; j++) {
        const v = row[j], w = row[best];
        if (Number.isNaN(w)) break;
        if (Number.isNaN(v) || (op === 'argmax' ? v > w : v < w)) best = j;
      }
      return best;
    }
  }
}
const REDUCE_OPS: ReduceOp[] = ['sum', 'prod', 'max', 'min', 'argmax', 'argmin'];

async function checkReduce(b: WebGPUBackend, data: number[], view: View, dtype: DType, label: string, rtol = 1e-5): Promise<void> {
  const [outer, inner] = view.shape;
  const X = upload(b, dtype, data);
  const rows = Array.from({ length: outer }, (_, o) => viewOf(data, { shape: [inner], strides: [view.strides[1]], offset: view.offset + o * view.strides[0] }));
  for (const op of REDUCE_OPS) {
    if (op === 'prod' && inner > 40) continue;
    const got = await read(b, b.reduce(op, { buffer: X, view }), [outer]);
    const want = rows.map((r) => reduceRef(op, r, dtype === 'int32'));
    close(got, op.startsWith('arg') || dtype !== 'float32' ? want : want.map(f32), `${label} ${op}`, 1e-4, rtol);
  }
  b.free(X);
}

gt('reduce: every op on short rows, strided (column) views, ties and NaN', async (b) => {
  const data = randInt(6 * 7, 5, -3, 4).map((v) => v * 0.5); // many ties
  await checkReduce(b, data, { shape: [6, 7], strides: [7, 1], offset: 0 }, 'float32', 'rows');
  await checkReduce(b, data, { shape: [7, 6], strides: [1, 7], offset: 0 }, 'float32', 'columns');
  await checkReduce(b, randInt(30, 6, -50, 50), { shape: [5, 6], strides: [6, 1], offset: 0 }, 'int32', 'int32');
  await checkReduce(b, [1, NaN, 3, NaN, 2, 0, 5, 5, 1], { shape: [3, 3], strides: [3, 1], offset: 0 }, 'float32', 'NaN');
  await checkReduce(b, [-Infinity, -Infinity, 4, 4], { shape: [2, 2], strides: [2, 1], offset: 0 }, 'float32', 'inf');
  // empty rows: sum 0, prod 1
  assert.deepEqual(await read(b, b.reduce('sum', R(upload(b, 'float32', []), [3, 0])), [3]), [0, 0, 0]);
  assert.deepEqual(await read(b, b.reduce('prod', R(upload(b, 'float32', []), [2, 0])), [2]), [1, 1]);
});

gt('reduce: long rows use the two-pass scheme; many rows fold the dispatch grid past 65535', async (b) => {
  const inner = 20011;
  const data = randn(2 * inner, 8);
  data[inner + 12345] = 50; // unique max in row 1 (found by a later chunk)
  await checkReduce(b, data, { shape: [2, inner], strides: [inner, 1], offset: 0 }, 'float32', 'long', 1e-4);
  const outer = 70000; // one workgroup per row → 70000 workgroups > maxComputeWorkgroupsPerDimension
  const col = randInt(outer * 2, 9, -100, 100);
  const X = upload(b, 'int32', col);
  const got = await read(b, b.reduce('sum', R(X, [outer, 2])), [outer]);
  assert.deepEqual(got, Array.from({ length: outer }, (_, o) => col[2 * o] + col[2 * o + 1]));
});

// ---- matmul ----------------------------------------------------------------------------------------
function matmulRef(a: number[], av: View, bd: number[], bv: View): number[] {
  const [B, M, K] = av.shape;
  const N = bv.shape[2];
  const out: number[] = [];
  for (let z = 0; z < B; z++) for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) {
    let s = 0;
    for (let k = 0; k < K; k++) {
      s += a[av.offset + z * av.strides[0] + i * av.strides[1] + k * av.strides[2]] *
        bd[bv.offset + z * bv.strides[0] + k * bv.strides[1] + j * bv.strides[2]];
    }
    out.push(s);
  }
  return out;
}

gt('matmul: tiled kernel on ragged sizes, transposed operands, batch stride 0, offsets', async (b) => {
  const cases: { B: number; M: number; K: number; N: number; aT: boolean; bT: boolean; bBatch0: boolean }[] = [
    { B: 1, M: 1, K: 1, N: 1, aT: false, bT: false, bBatch0: false },
    { B: 2, M: 70, K: 33, N: 65, aT: false, bT: false, bBatch0: false },
    { B: 3, M: 17, K: 130, N: 9, aT: true, bT: false, bBatch0: true },
    { B: 1, M: 64, K: 16, N: 128, aT: false, bT: true, bBatch0: false },
    { B: 2, M: 5, K: 40, N: 66, aT: true, bT: true, bBatch0: true },
    { B: 1, M: 3, K: 0, N: 4, aT: false, bT: false, bBatch0: false },
  ];
  let seed = 100;
  for (const c of cases) {
    const { B, M, K, N } = c;
    const aOff = 3, bOff = 1;
    const ad = randn(B * M * K + aOff, seed++, -1, 1);
    const bd = randn((c.bBatch0 ? 1 : B) * K * N + bOff, seed++, -1, 1);
    const av: View = { shape: [B, M, K], strides: c.aT ? [M * K, 1, M] : [M * K, K, 1], offset: aOff };
    const bv: View = { shape: [B, K, N], strides: [c.bBatch0 ? 0 : K * N, ...(c.bT ? [1, K] : [N, 1])], offset: bOff };
    const A = upload(b, 'float32', ad), Bb = upload(b, 'float32', bd);
    const got = await read(b, b.matmul({ buffer: A, view: av }, { buffer: Bb, view: bv }), [B, M, N]);
    close(got, matmulRef(ad, av, bd, bv), `matmul ${JSON.stringify(c)}`, 1e-5, 1e-4);
  }
  assert.throws(() => b.matmul(R(upload(b, 'int32', [1]), [1, 1, 1]), R(upload(b, 'int32', [1]), [1, 1, 1])), DTypeError);
});

gt('property: matmul of random shapes equals the JS reference', async (b) => {
  await fc.assert(fc.asyncProperty(
    fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 80 }), fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 80 }),
    async (B, M, K, N) => {
      const ad = randn(B * M * K, M * 7 + K), bd = randn(B * K * N, N * 13 + K);
      const av: View = { shape: [B, M, K], strides: rowMajor([B, M, K]), offset: 0 };
      const bv: View = { shape: [B, K, N], strides: rowMajor([B, K, N]), offset: 0 };
      const A = upload(b, 'float32', ad), Bb = upload(b, 'float32', bd);
      const out = b.matmul({ buffer: A, view: av }, { buffer: Bb, view: bv });
      close(await read(b, out, [B, M, N]), matmulRef(ad, av, bd, bv), `matmul ${B}x${M}x${K}x${N}`, 1e-4, 1e-4);
      b.free(A); b.free(Bb); b.free(out);
    }), { numRuns: 12, seed: 7 });
});

// ---- indexing ---------------------------------------------------------------------------------------
gt('gather: y[o, n, i] = x[o, index[o, n, i], i] with strided x and index', async (b) => {
  const O = 2, A = 5, I = 3, N = 4;
  const xd = randn(O * A * I, 20);
  const idx = randInt(O * N * I, 21, 0, A);
  const X = upload(b, 'float32', xd), Ix = upload(b, 'int32', idx);
  // x read through a permuted view: logical [O, A, I] stored as [O, I, A]
  const xv: View = { shape: [O, A, I], strides: [A * I, 1, A], offset: 0 };
  const got = await read(b, b.gather({ buffer: X, view: xv }, R(Ix, [O, N, I])), [O, N, I]);
  const want: number[] = [];
  for (let o = 0; o < O; o++) for (let n = 0; n < N; n++) for (let i = 0; i < I; i++) {
    want.push(xd[o * A * I + i * A + idx[(o * N + n) * I + i]]);
  }
  assert.deepEqual(got, want);
  // int32 x, broadcast index (stride 0 over O)
  const xi = upload(b, 'int32', [10, 20, 30, 40, 50, 60]); // [2, 3, 1]
  const bi = upload(b, 'int32', [2, 0]); // [1, 2, 1] broadcast to [2, 2, 1]
  assert.deepEqual(await read(b, b.gather(R(xi, [2, 3, 1]), R(bi, [2, 2, 1], [0, 1, 1])), [2, 2, 1]), [30, 10, 60, 40]);
});

gt('scatterAdd sums duplicate indices (float32 CAS loop, int32 atomicAdd)', async (b) => {
  const O = 2, A = 4, I = 3, N = 50;
  const xd = randn(O * A * I, 30);
  const idx = randInt(O * N * I, 31, 0, A); // many duplicates per target
  const sd = randn(O * N * I, 32, -1, 1);
  const X = upload(b, 'float32', xd), Ix = upload(b, 'int32', idx), S = upload(b, 'float32', sd);
  const got = await read(b, b.scatterAdd(R(X, [O, A, I]), R(Ix, [O, N, I]), R(S, [O, N, I])), [O, A, I]);
  const want = xd.slice();
  for (let o = 0; o < O; o++) for (let n = 0; n < N; n++) for (let i = 0; i < I; i++) {
    const j = (o * N + n) * I + i;
    want[(o * A + idx[j]) * I + i] += sd[j];
  }
  close(got, want, 'scatterAdd f32', 1e-5, 1e-5);

  const xi = upload(b, 'int32', [0, 0, 0]); // [1, 3, 1]
  const ii = upload(b, 'int32', [2, 2, 0, 2]);
  const si = upload(b, 'int32', [1, 2, 3, 4]);
  assert.deepEqual(await read(b, b.scatterAdd(R(xi, [1, 3, 1]), R(ii, [1, 4, 1]), R(si, [1, 4, 1])), [1, 3, 1]), [3, 0, 7]);
  // x untouched (y is a copy)
  assert.deepEqual(await read(b, xi, [3]), [0, 0, 0]);
});

// ---- topk -----------------------------------------------------------------------------------------
function topkRef(row: number[], k: number): { v: number[]; i: number[] } {
  const order = row.map((_, j) => j).sort((p, q) => {
    const a = row[p], c = row[q];
    if (Number.isNaN(a) || Number.isNaN(c)) return Number.isNaN(a) && Number.isNaN(c) ? p - q : Number.isNaN(a) ? -1 : 1;
    return a !== c ? c - a : p - q;
  });
  return { v: order.slice(0, k).map((j) => row[j]), i: order.slice(0, k) };
}
async function checkTopk(b: WebGPUBackend, data: number[], view: View, k: number, dtype: DType, label: string): Promise<void> {
  const [O, A] = view.shape;
  const X = upload(b, dtype, data);
  const { values, indices } = b.topk({ buffer: X, view }, k);
  const gv = await read(b, values, [O, k]), gi = await read(b, indices, [O, k]);
  for (let o = 0; o < O; o++) {
    const row = viewOf(data, { shape: [A], strides: [view.strides[1]], offset: view.offset + o * view.strides[0] });
    const r = topkRef(row, k);
    assert.deepEqual(gi.slice(o * k, (o + 1) * k), r.i, `${label} indices row ${o}`);
    close(gv.slice(o * k, (o + 1) * k), r.v, `${label} values row ${o}`, 0, 0);
  }
  b.free(X); b.free(values); b.free(indices);
}

gt('topk: single-pass bitonic rows with ties (lower index first), NaN, strided rows, int32', async (b) => {
  const ties = randInt(4 * 37, 40, 0, 6);
  await checkTopk(b, ties, { shape: [4, 37], strides: [37, 1], offset: 0 }, 5, 'float32', 'ties');
  await checkTopk(b, ties, { shape: [37, 4], strides: [1, 37], offset: 0 }, 4, 'float32', 'columns, k = A');
  await checkTopk(b, [1, NaN, 3, -Infinity, NaN, 2], { shape: [1, 6], strides: [6, 1], offset: 0 }, 4, 'float32', 'NaN');
  await checkTopk(b, randInt(3 * 100, 41, -1000, 1000), { shape: [3, 100], strides: [100, 1], offset: 0 }, 7, 'int32', 'int32');
  await checkTopk(b, [5], { shape: [1, 1], strides: [1, 1], offset: 0 }, 1, 'float32', 'A = 1');
});

gt('topk: long rows (chunked multi-pass) and long rows with large k (rank fallback)', async (b) => {
  const A = 9001;
  const data = randInt(2 * A, 50, -500, 500).map((v) => v / 4); // ties across chunks
  await checkTopk(b, data, { shape: [2, A], strides: [A, 1], offset: 0 }, 10, 'float32', 'chunked');
  const A2 = 4500;
  await checkTopk(b, randInt(A2, 51, -300, 300), { shape: [1, A2], strides: [A2, 1], offset: 0 }, 1500, 'float32', 'rank fallback');
});

// ---- robustness -------------------------------------------------------------------------------------
gt('an invalid pipeline surfaces as BackendError on the next read, never as silent garbage', async () => {
  const b2 = await createWebGPUBackend();
  try {
    const x = b2.fill('float32', 4, 1);
    const rt = (b2 as unknown as { rt: { dispatch(d: object): void } }).rt;
    rt.dispatch({ code: 'this is not WGSL', label: 'broken-on-purpose', params: new Int32Array(4), buffers: [], workgroups: 1 });
    await assert.rejects(b2.read(R(x, [4])), (e: unknown) => e instanceof BackendError && /broken-on-purpose/.test(e.message));
    assert.throws(() => b2.fill('float32', 1, 0), BackendError); // stays failed
  } finally {
    b2.dispose();
  }
});

gt('dispose destroys the device and releases the GPU object; later use throws', async () => {
  const n0 = liveDeviceCount();
  const b2 = await createWebGPUBackend();
  assert.equal(liveDeviceCount(), n0 + 1);
  const x = b2.fill('int32', 2, 3);
  assert.deepEqual(await read(b2, x, [2]), [3, 3]);
  b2.dispose();
  b2.dispose(); // idempotent
  assert.equal(liveDeviceCount(), n0);
  assert.throws(() => b2.fill('int32', 1, 0), BackendError);
});

gt('adapter selection: a bad WEBGPU_BACKEND value is a BackendError; each Dawn backend runs when present', async () => {
  const saved = process.env.WEBGPU_BACKEND;
  process.env.WEBGPU_BACKEND = 'metal-please';
  try {
    await assert.rejects(createWebGPUBackend(), (e: unknown) => e instanceof BackendError && /WEBGPU_BACKEND/.test(e.message));
  } finally {
    if (saved === undefined) delete process.env.WEBGPU_BACKEND; else process.env.WEBGPU_BACKEND = saved;
  }
  for (const kind of ['vulkan', 'opengles'] as const) {
    let b2: WebGPUBackend;
    try {
      b2 = await createWebGPUBackend({ backend: kind });
    } catch (e) {
      assert.ok(e instanceof BackendError && e.message.includes(kind), `failure names the backend: ${String(e)}`);
      console.log(`# ${kind} unavailable here: ${(e as Error).message}`);
      continue;
    }
    try {
      assert.equal(b2.info.kind, kind);
      const ad = randn(20 * 30, 60), bd = randn(30 * 10, 61);
      const av: View = { shape: [1, 20, 30], strides: [600, 30, 1], offset: 0 };
      const bv: View = { shape: [1, 30, 10], strides: [300, 10, 1], offset: 0 };
      const got = await read(b2, b2.matmul({ buffer: upload(b2, 'float32', ad), view: av }, { buffer: upload(b2, 'float32', bd), view: bv }), [200]);
      close(got, matmulRef(ad, av, bd, bv), `${kind} matmul`, 1e-4, 1e-4);
      const s = await read(b2, b2.reduce('argmax', R(upload(b2, 'float32', [1, 9, 3, 9]), [1, 4])), [1]);
      assert.deepEqual(s, [1]);
    } finally {
      b2.dispose();
    }
  }
});
