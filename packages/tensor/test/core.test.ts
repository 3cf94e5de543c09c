// Frontend machinery: shape algebra, registries, scopes, RNG, sgemm — independent of the op suite.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import * as T from '../src/index.js';
import { sgemmJs } from '../src/cpu/sgemm.js';

const params = { numRuns: 100, seed: 7 };

test('reshapeStrides gives a view exactly when the data order allows it', () => {
  // build a permuted view of a contiguous tensor, reshape it; compare element order with a copy
  fc.assert(fc.property(fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 4 }), fc.nat(), (shape, seed) => {
    const perm = shape.map((_, i) => i).sort((a, b) => ((a * 5 + seed) % 7) - ((b * 5 + seed) % 7));
    const base = T.contiguousStrides(shape);
    const pShape = perm.map((i) => shape[i]);
    const pStrides = perm.map((i) => base[i]);
    const target = [T.sizeOf(pShape)];
    const st = T.reshapeStrides(pShape, pStrides, target);
    // element k of the row-major walk over the permuted view
    const walk: number[] = [];
    for (let k = 0; k < target[0]; k++) {
      let rem = k, off = 0;
      for (let d = pShape.length - 1; d >= 0; d--) {
        off += (rem % pShape[d]) * pStrides[d];
        rem = Math.floor(rem / pShape[d]);
      }
      walk.push(off);
    }
    if (st) for (let k = 0; k < walk.length; k++) assert.equal(k * st[0], walk[k]);
    else assert.ok(walk.some((o, k) => o !== walk[0] + k * (walk[1] - walk[0] || 1)));
  }), params);
});

test('collapseDims keeps every element address', () => {
  fc.assert(fc.property(fc.array(fc.integer({ min: 1, max: 4 }), { maxLength: 4 }), fc.nat(), (shape, seed) => {
    const s1 = T.contiguousStrides(shape);
    const s2 = shape.map((_, i) => ((seed >> i) & 1 ? 0 : s1[i]));
    const c = T.collapseDims(shape, [s1, s2]);
    assert.equal(T.sizeOf(c.shape), T.sizeOf(shape));
    const addr = (sh: readonly number[], st: readonly number[], k: number): number => {
      let off = 0;
      for (let d = sh.length - 1; d >= 0; d--) {
        off += (k % sh[d]) * st[d];
        k = Math.floor(k / sh[d]);
      }
      return off;
    };
    for (let k = 0; k < T.sizeOf(shape); k++) {
      assert.equal(addr(c.shape, c.strides[0], k), addr(shape, s1, k));
      assert.equal(addr(c.shape, c.strides[1], k), addr(shape, s2, k));
    }
  }), params);
});

test('sgemm: all transpose combinations and ld > width against naive loops; setSgemmImpl overrides', () => {
  fc.assert(fc.property(fc.integer({ min: 0, max: 9 }), fc.integer({ min: 0, max: 9 }), fc.integer({ min: 0, max: 9 }), fc.boolean(), fc.boolean(), fc.nat({ max: 3 }), (M, N, K, ta, tb, pad) => {
    const lda = (ta ? M : K) + pad, ldb = (tb ? K : N) + pad;
    const a = Float32Array.from({ length: (ta ? K : M) * lda + 2 }, (_, i) => ((i * 7) % 11) - 5);
    const b = Float32Array.from({ length: (tb ? N : K) * ldb + 2 }, (_, i) => ((i * 5) % 13) - 6);
    const c = new Float32Array(M * N + 1).fill(99);
    T.sgemm(M, N, K, a, 1, lda, ta, b, 2, ldb, tb, c, 1);
    for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += a[1 + (ta ? k * lda + i : i * lda + k)] * b[2 + (tb ? j * ldb + k : k * ldb + j)];
      assert.equal(c[1 + i * N + j], s);
    }
    assert.equal(c[0], 99);
  }), params);
  let calls = 0;
  T.setSgemmImpl((...args) => {
    calls++;
    sgemmJs(...args);
  });
  try {
    const r = T.matmul(T.ones([2, 3]), T.ones([3, 4]));
    assert.equal(calls, 1);
    assert.deepEqual([...r.dataSync()], new Array(8).fill(3));
  } finally {
    T.setSgemmImpl(null);
  }
  assert.equal(T.getSgemmImpl(), sgemmJs);
});

test('scope: nested, async across await, returned tensors move to the parent, keep()', async () => {
  const m0 = T.memory().tensors;
  const outer = T.scope(() => {
    const inner = T.scope(() => {
      T.zeros([2]);
      return T.ones([2]);
    });
    assert.equal(T.memory().tensors, m0 + 1);
    T.zeros([3]);
    return inner;
  });
  assert.equal(T.memory().tensors, m0 + 1);
  outer.dispose();
  const r = await T.scope(async () => {
    const a = T.ones([4]);
    await new Promise((res) => setTimeout(res, 1));
    const b = a.mul(2);
    T.keep(T.zeros([1])).dispose();
    return b;
  });
  assert.deepEqual([...(await r.data())], [2, 2, 2, 2]);
  assert.equal(T.memory().tensors, m0 + 1);
  r.dispose();
  assert.throws(() => T.scope(() => {
    T.ones([5]);
    throw new Error('boom');
  }), /boom/);
  assert.equal(T.memory().tensors, m0);
  assert.equal(T.scopeDepth(), 0);
  // objects exposing [TENSORS]() keep their tensors
  const holder = T.scope(() => {
    const t = T.ones([2]);
    return { [T.TENSORS]: () => [t], t };
  });
  assert.equal(holder.t.isDisposed, false);
  holder.t.dispose();
});

test('views share storage; storage is freed when the last view is disposed', () => {
  const b0 = T.memory().bytes;
  const a = T.ones([4, 4]);
  const v = a.transpose(); // view: no new bytes
  assert.equal(T.memory().bytes, b0 + 64);
  const flat = v.reshape([16]); // not viewable: a copy
  assert.equal(T.memory().bytes, b0 + 128);
  a.dispose();
  assert.equal(T.memory().bytes, b0 + 128);
  v.dispose();
  assert.equal(T.memory().bytes, b0 + 64);
  assert.equal(T.scope(() => flat.sum().item()), 16);
  flat.dispose();
  assert.equal(T.memory().bytes, b0);
});

test('kernel registry: composed ops use a registered kernel first', () => {
  let used = 0;
  const builtin = T.getKernel('softmax', 'cpu'); // the fused CPU kernel
  const mine = (x: T.Tensor, axis: number): T.Tensor => {
    used++;
    return T.scope(() => T.div(T.exp(x), T.sum(T.exp(x), axis, true)));
  };
  const off = T.registerKernel('softmax', 'cpu', mine);
  try {
    T.softmax(T.ones([2, 2]));
    assert.equal(used, 1);
    assert.ok(T.listKernels().some((k) => k.op === 'softmax' && k.backend === 'cpu'));
  } finally {
    off();
  }
  T.softmax(T.ones([2, 2]));
  assert.equal(used, 1);
  assert.equal(T.getKernel('softmax', 'cpu'), builtin);
});

test('backend registry: auto picks the highest priority that initialises; info explains failures', async () => {
  T.registerBackend('broken', () => {
    throw new Error('no adapter here');
  }, 100);
  T.registerBackend('cpu-async', async () => new AsyncOnlyCpu(), 50);
  const b = await T.setBackend('auto');
  assert.equal(b.name, 'cpu-async');
  const info = await T.backendInfo();
  const broken = info.find((i) => i.name === 'broken');
  assert.equal(broken?.available, false);
  assert.match(broken?.reason ?? '', /no adapter here/);
  assert.equal(info.find((i) => i.name === 'cpu-async')?.current, true);
  // no sync read on this backend: dataSync throws BackendError, data() works
  const t = T.tensor([1, 2]);
  assert.equal(t.backend, 'cpu-async');
  assert.throws(() => t.dataSync(), T.BackendError);
  assert.deepEqual([...(await t.data())], [1, 2]);
  // mixing backends is an error; toBackend moves data
  await T.setBackend('cpu');
  const c = T.tensor([1, 1]);
  assert.throws(() => T.add(t, c), T.BackendError);
  const moved = await t.toBackend('cpu');
  assert.deepEqual([...moved.dataSync()], [1, 2]);
  await assert.rejects(T.setBackend('nope'), T.BackendError);
  t.dispose();
});

class AsyncOnlyCpu extends T.CpuBackend {
  override readonly name = 'cpu-async';
  override readonly syncRead = false;
}

test('rng: xoshiro128** known-answer stability and uniform mean/var sanity', () => {
  // reference xoshiro128** from state (1, 2, 3, 4): 11520, 0, 5927040, …
  const r = new T.Rng(0);
  r.setState([1, 2, 3, 4]);
  assert.deepEqual([r.nextU32(), r.nextU32(), r.nextU32()], [11520, 0, 5927040]);
  assert.deepEqual(new T.Rng(42).getState(), new T.Rng(42).getState());
  assert.notDeepEqual(new T.Rng(42).getState(), new T.Rng(43).getState());
  const xs = new Float64Array(20000);
  new T.Rng(1).fillNormal(xs);
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const v = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length;
  assert.ok(Math.abs(mean) < 0.03, `mean ${mean}`);
  assert.ok(Math.abs(v - 1) < 0.05, `var ${v}`);
  const w = new T.Rng(3).xavierNormal([300, 200]);
  const std = Math.sqrt(T.variance(w).item());
  assert.ok(Math.abs(std - Math.sqrt(2 / 500)) < 0.003, `xavier std ${std}`);
  w.dispose();
});
