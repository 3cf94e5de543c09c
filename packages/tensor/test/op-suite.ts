// The shared op suite: every op of @avey/tensor on one backend against the plain-JS reference
// implementations in reference.ts, plus fast-check properties. Written against the public API
// only (`await setBackend(name)`, `await t.data()`), so every backend runs the same file:
//
//   // packages/tensor/test/<backend>.test.ts
//   import { runOpSuite } from './op-suite.js';
//   runOpSuite('webgpu', { tolerance: (op) => (op === 'exp' ? 1e-4 : 2e-5), skipDTypes: ['float64'] });
//
// Property runs use a fixed fast-check seed (reproducible CI); set FC_SEED=<n> to explore others.

import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import * as T from '../src/index.js';
import type { DType, Tensor } from '../src/index.js';
import {
  type Ref, at, refBroadcastShape, refErf, refMap, refMatmul, refPermute, refReduce, refSize, refTopk, refZip,
  ravel, unravel,
} from './reference.js';
import { mulberry32 as prng } from '../src/index.js';

export interface OpSuiteOptions {
  /** float32 tolerance per op: |got - want| ≤ tol · (1 + |want|). Default 2e-5. */
  tolerance?: (op: string) => number;
  /** dtypes this backend does not support (their cases are skipped, with a message). */
  skipDTypes?: DType[];
  /** fail (rather than skip) when the backend cannot be initialised; default: CI=true */
  required?: boolean;
  /** scales every property's number of runs (at least 1 each; default 1): the browser playground
   *  runs the suite on software-rendered WebGL2 / WebGPU with fewer cases to bound CI time */
  propertyRunsScale?: number;
}

const FC_SEED = process.env.FC_SEED ? Number(process.env.FC_SEED) : 20261123;
let runsScale = 1;
const fcParams = (numRuns: number): fc.Parameters<unknown> => ({ numRuns: Math.max(1, Math.round(numRuns * runsScale)), seed: FC_SEED, endOnFailure: true, includeErrorInReport: true });

// ---- deterministic values -------------------------------------------------------------------

type Domain = 'any' | 'pos' | 'nonzero' | 'int' | 'small' | 'halves' | 'bool' | 'ties';

function values(n: number, domain: Domain, seed: number): number[] {
  const r = prng(seed);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const u = r();
    let v: number;
    switch (domain) {
      case 'any': v = (u * 2 - 1) * 3; break;
      case 'pos': v = 0.1 + u * 4; break;
      case 'nonzero': v = (0.5 + u * 2.5) * (r() < 0.5 ? -1 : 1); break;
      case 'int': v = Math.floor(u * 11) - 5; break;
      case 'small': v = Math.floor(u * 4); break;
      case 'halves': v = (Math.floor(u * 13) - 6) / 2; break;
      case 'bool': v = u < 0.5 ? 0 : 1; break;
      case 'ties': v = Math.floor(u * 3) - 1; break;
    }
    out.push(Math.fround(v));
  }
  return out;
}

function refOf(shape: number[], domain: Domain, seed: number): Ref {
  return { shape, data: values(refSize(shape), domain, seed) };
}

// ---- layouts: the same logical values behind different strides ---------------------------------

type Layout = 'contiguous' | 'permuted' | 'strided' | 'reversed';
const LAYOUTS: Layout[] = ['contiguous', 'permuted', 'strided', 'reversed'];

function mk(r: Ref, dtype: DType, layout: Layout = 'contiguous'): Tensor {
  const rank = r.shape.length;
  if (layout === 'contiguous' || rank === 0 || refSize(r.shape) === 0) return T.tensor(r.data, { shape: r.shape, dtype });
  if (layout === 'permuted') {
    // memory holds the axes in reverse order; permuting back gives r
    const dims = r.shape.map((_, i) => rank - 1 - i);
    const base = refPermute(r, dims);
    return T.permute(T.tensor(base.data, { shape: base.shape, dtype }), dims);
  }
  if (layout === 'strided') {
    // last axis interleaved with garbage: r = base[..., 1::2]
    const bshape = r.shape.slice();
    const n = bshape[rank - 1];
    bshape[rank - 1] = 2 * n + 1;
    const data = new Array<number>(refSize(bshape)).fill(77);
    for (let i = 0; i < r.data.length; i++) {
      const idx = unravel(i, r.shape);
      idx[rank - 1] = 2 * idx[rank - 1] + 1;
      data[ravel(idx, bshape)] = r.data[i];
    }
    const base = T.tensor(data, { shape: bshape, dtype });
    const starts = r.shape.map((_, i) => (i === rank - 1 ? 1 : 0));
    const steps = r.shape.map((_, i) => (i === rank - 1 ? 2 : 1));
    return T.slice(base, starts, bshape, steps);
  }
  // reversed: axis 0 stored backwards, read with step -1
  const n0 = r.shape[0];
  const data = new Array<number>(r.data.length);
  for (let i = 0; i < r.data.length; i++) {
    const idx = unravel(i, r.shape);
    idx[0] = n0 - 1 - idx[0];
    data[ravel(idx, r.shape)] = r.data[i];
  }
  const base = T.tensor(data, { shape: r.shape, dtype });
  return T.slice(base, [n0 - 1], [-n0 - 1], [-1]);
}

// ---- comparison ---------------------------------------------------------------------------------

function closeTo(got: number, want: number, tol: number): boolean {
  if (Number.isNaN(want)) return Number.isNaN(got);
  if (!Number.isFinite(want)) return got === want;
  return Math.abs(got - want) <= tol * (1 + Math.abs(want));
}

export function runOpSuite(backendName: string, opts: OpSuiteOptions = {}): void {
  const skip = new Set(opts.skipDTypes ?? []);
  runsScale = opts.propertyRunsScale ?? 1;
  const required = opts.required ?? process.env.CI === 'true';
  let ready: Promise<string | null> | null = null;

  const tolFor = (op: string, dtype: DType): number => {
    if (dtype === 'int32' || dtype === 'bool') return 0;
    if (dtype === 'float64') return 1e-9;
    return opts.tolerance?.(op) ?? 2e-5;
  };

  async function check(t: Tensor, want: Ref, op: string, dtype: DType, computeDType: DType = dtype): Promise<void> {
    assert.deepEqual([...t.shape], want.shape, `${op}: shape`);
    assert.equal(t.dtype, dtype, `${op}: dtype`);
    const got = await t.data();
    assert.equal(got.length, want.data.length, `${op}: length`);
    const tol = tolFor(op, computeDType);
    for (let i = 0; i < want.data.length; i++) {
      if (!closeTo(got[i], want.data[i], tol)) {
        assert.fail(`${op} [${backendName}, ${dtype}] at flat index ${i} of ${JSON.stringify(want.shape)}: got ${got[i]}, want ${want.data[i]} (tol ${tol})`);
      }
    }
  }

  /** Registers a test that runs on this backend inside a scope (so it frees what it makes). */
  function it(name: string, fn: (t: TestContext) => Promise<void>): void {
    test(`[${backendName}] ${name}`, async (t) => {
      ready ??= T.setBackend(backendName).then(() => null, (e: unknown) => (e instanceof Error ? e.message : String(e)));
      const reason = await ready;
      if (reason !== null) {
        if (required) throw new Error(`backend '${backendName}' must be available here but is not: ${reason}`);
        t.skip(`backend '${backendName}' unavailable: ${reason}`);
        return;
      }
      await T.setBackend(backendName);
      await T.scope(() => fn(t));
    });
  }
  /** dtypes from `list` this backend supports; reports the skipped ones. */
  function dtypes(t: TestContext, list: DType[]): DType[] {
    const out = list.filter((d) => !skip.has(d));
    if (out.length < list.length) t.diagnostic(`skipped dtypes on ${backendName}: ${list.filter((d) => skip.has(d)).join(', ')}`);
    return out;
  }

  // ---- creation ---------------------------------------------------------------------------------
  it('creation: tensor, zeros, ones, full, *Like, arange, linspace, eye, oneHot', async () => {
    const a = T.tensor([[1, 2, 3], [4, 5, 6]]);
    await check(a, { shape: [2, 3], data: [1, 2, 3, 4, 5, 6] }, 'tensor', 'float32');
    await check(T.tensor(new Int32Array([7, -8]), { dtype: 'int32' }), { shape: [2], data: [7, -8] }, 'tensor', 'int32');
    await check(T.tensor([true, false, true]), { shape: [3], data: [1, 0, 1] }, 'tensor', 'bool');
    await check(T.tensor(3.5), { shape: [], data: [3.5] }, 'tensor', 'float32');
    await check(T.tensor([1, 2, 3, 4], { shape: [2, 2] }), { shape: [2, 2], data: [1, 2, 3, 4] }, 'tensor', 'float32');
    await check(T.zeros([2, 0, 3]), { shape: [2, 0, 3], data: [] }, 'zeros', 'float32');
    await check(T.ones([2], { dtype: 'int32' }), { shape: [2], data: [1, 1] }, 'ones', 'int32');
    await check(T.full([3], 2.5), { shape: [3], data: [2.5, 2.5, 2.5] }, 'full', 'float32');
    await check(T.fullLike(a, 7), { shape: [2, 3], data: [7, 7, 7, 7, 7, 7] }, 'fullLike', 'float32');
    await check(T.zerosLike(a, { dtype: 'bool' }), { shape: [2, 3], data: [0, 0, 0, 0, 0, 0] }, 'zerosLike', 'bool');
    await check(T.onesLike(a), { shape: [2, 3], data: [1, 1, 1, 1, 1, 1] }, 'onesLike', 'float32');
    await check(T.arange(5), { shape: [5], data: [0, 1, 2, 3, 4] }, 'arange', 'int32');
    await check(T.arange(1, 2, 0.25), { shape: [4], data: [1, 1.25, 1.5, 1.75] }, 'arange', 'float32');
    await check(T.arange(5, 0, -2), { shape: [3], data: [5, 3, 1] }, 'arange', 'int32');
    await check(T.linspace(0, 1, 5), { shape: [5], data: [0, 0.25, 0.5, 0.75, 1] }, 'linspace', 'float32');
    await check(T.eye(2, 3), { shape: [2, 3], data: [1, 0, 0, 0, 1, 0] }, 'eye', 'float32');
    const idx = T.tensor([[2, 0]], { dtype: 'int32' });
    await check(T.oneHot(idx, 3), { shape: [1, 2, 3], data: [0, 0, 1, 1, 0, 0] }, 'oneHot', 'float32');
    assert.deepEqual(await a.array(), [[1, 2, 3], [4, 5, 6]]);
    assert.equal(await T.tensor([[4]]).itemAsync(), 4);
  });

  // ---- unary ------------------------------------------------------------------------------------
  const gelu = (x: number): number => 0.5 * x * (1 + refErf(x / Math.SQRT2));
  const roundHalfEven = (x: number): number => {
    const f = Math.floor(x);
    const d = x - f;
    return d > 0.5 ? f + 1 : d < 0.5 ? f : f % 2 === 0 ? f : f + 1;
  };
  const UNARY: { op: string; fn: (x: Tensor) => Tensor; ref: (x: number) => number; domain: Domain; ints: boolean }[] = [
    { op: 'neg', fn: T.neg, ref: (x) => -x, domain: 'any', ints: true },
    { op: 'abs', fn: T.abs, ref: Math.abs, domain: 'any', ints: true },
    { op: 'sign', fn: T.sign, ref: Math.sign, domain: 'ties', ints: true },
    { op: 'exp', fn: T.exp, ref: Math.exp, domain: 'any', ints: false },
    { op: 'log', fn: T.log, ref: Math.log, domain: 'pos', ints: false },
    { op: 'sqrt', fn: T.sqrt, ref: Math.sqrt, domain: 'pos', ints: false },
    { op: 'rsqrt', fn: T.rsqrt, ref: (x) => 1 / Math.sqrt(x), domain: 'pos', ints: false },
    { op: 'reciprocal', fn: T.reciprocal, ref: (x) => 1 / x, domain: 'nonzero', ints: false },
    { op: 'square', fn: T.square, ref: (x) => x * x, domain: 'any', ints: true },
    { op: 'sin', fn: T.sin, ref: Math.sin, domain: 'any', ints: false },
    { op: 'cos', fn: T.cos, ref: Math.cos, domain: 'any', ints: false },
    { op: 'tanh', fn: T.tanh, ref: Math.tanh, domain: 'any', ints: false },
    { op: 'sigmoid', fn: T.sigmoid, ref: (x) => 1 / (1 + Math.exp(-x)), domain: 'any', ints: false },
    { op: 'relu', fn: T.relu, ref: (x) => Math.max(x, 0), domain: 'any', ints: true },
    { op: 'erf', fn: T.erf, ref: refErf, domain: 'any', ints: false },
    { op: 'gelu', fn: T.gelu, ref: gelu, domain: 'any', ints: false },
    { op: 'floor', fn: T.floor, ref: Math.floor, domain: 'any', ints: true },
    { op: 'ceil', fn: T.ceil, ref: Math.ceil, domain: 'any', ints: true },
    { op: 'round', fn: T.round, ref: roundHalfEven, domain: 'halves', ints: true },
  ];
  const shapeArb = (maxRank: number, minDim = 0, maxDim = 4): fc.Arbitrary<number[]> =>
    fc.array(fc.integer({ min: minDim, max: maxDim }), { minLength: 0, maxLength: maxRank });

  for (const u of UNARY) {
    it(`unary ${u.op}: float dtypes × layouts, ints where defined`, async (t) => {
      const ds = dtypes(t, ['float32', 'float64']);
      await fc.assert(fc.asyncProperty(shapeArb(3), fc.nat(), fc.constantFrom(...LAYOUTS), async (shape, seed, layout) => {
        await T.scope(async () => {
          const r = refOf(shape, u.domain, seed);
          const want = refMap(r, u.ref);
          for (const d of ds) await check(u.fn(mk(r, d, layout)), want, u.op, d);
          const ri = refOf(shape, 'int', seed);
          if (u.ints) await check(u.fn(mk(ri, 'int32', layout)), refMap(ri, u.ref), u.op, 'int32');
          else assert.throws(() => u.fn(mk(ri, 'int32', layout)), T.DTypeError);
        });
      }), fcParams(12));
    });
  }

  it('unary logicalNot on every dtype gives bool', async (t) => {
    for (const d of dtypes(t, ['float32', 'float64', 'int32', 'bool'])) {
      const r = refOf([2, 3], 'ties', 5);
      await check(T.logicalNot(mk(r, d, 'permuted')), refMap(r, (x) => (x === 0 ? 1 : 0)), 'logicalNot', 'bool');
    }
  });

  // ---- binary -----------------------------------------------------------------------------------
  const floorMod = (a: number, b: number): number => a - Math.floor(a / b) * b;
  const BINARY: { op: string; fn: (a: T.TensorLike, b: T.TensorLike) => Tensor; ref: (a: number, b: number) => number; da: Domain; db: Domain; kind: 'arith' | 'div' | 'cmp' }[] = [
    { op: 'add', fn: T.add, ref: (a, b) => a + b, da: 'any', db: 'any', kind: 'arith' },
    { op: 'sub', fn: T.sub, ref: (a, b) => a - b, da: 'any', db: 'any', kind: 'arith' },
    { op: 'mul', fn: T.mul, ref: (a, b) => a * b, da: 'any', db: 'any', kind: 'arith' },
    { op: 'div', fn: T.div, ref: (a, b) => a / b, da: 'any', db: 'nonzero', kind: 'div' },
    { op: 'pow', fn: T.pow, ref: (a, b) => a ** b, da: 'pos', db: 'small', kind: 'arith' },
    { op: 'maximum', fn: T.maximum, ref: Math.max, da: 'ties', db: 'ties', kind: 'arith' },
    { op: 'minimum', fn: T.minimum, ref: Math.min, da: 'ties', db: 'ties', kind: 'arith' },
    { op: 'mod', fn: T.mod, ref: floorMod, da: 'int', db: 'nonzero', kind: 'arith' },
    { op: 'eq', fn: T.eq, ref: (a, b) => +(a === b), da: 'ties', db: 'ties', kind: 'cmp' },
    { op: 'ne', fn: T.ne, ref: (a, b) => +(a !== b), da: 'ties', db: 'ties', kind: 'cmp' },
    { op: 'lt', fn: T.lt, ref: (a, b) => +(a < b), da: 'ties', db: 'ties', kind: 'cmp' },
    { op: 'le', fn: T.le, ref: (a, b) => +(a <= b), da: 'ties', db: 'ties', kind: 'cmp' },
    { op: 'gt', fn: T.gt, ref: (a, b) => +(a > b), da: 'ties', db: 'ties', kind: 'cmp' },
    { op: 'ge', fn: T.ge, ref: (a, b) => +(a >= b), da: 'ties', db: 'ties', kind: 'cmp' },
    { op: 'logicalAnd', fn: T.logicalAnd, ref: (a, b) => +(a !== 0 && b !== 0), da: 'ties', db: 'ties', kind: 'cmp' },
    { op: 'logicalOr', fn: T.logicalOr, ref: (a, b) => +(a !== 0 || b !== 0), da: 'ties', db: 'ties', kind: 'cmp' },
  ];
  /** Two shapes that broadcast: drop leading axes and set random axes to 1. */
  const bcastPairArb = fc.tuple(shapeArb(4, 0, 3), fc.nat(), fc.nat()).map(([s, m1, m2]) => {
    const derive = (mask: number): number[] => {
      const drop = mask % (s.length + 1);
      return s.slice(drop).map((d, i) => ((mask >> (i + 3)) & 1 ? 1 : d));
    };
    return [derive(m1), derive(m2)] as const;
  });
  const intDomain = (d: Domain, op: string): Domain => (op === 'pow' ? 'small' : d === 'nonzero' ? 'nonzero' : 'int');

  for (const b of BINARY) {
    it(`binary ${b.op}: broadcasting × layouts × dtypes, scalars`, async (t) => {
      const ds = dtypes(t, ['float32', 'float64']);
      await fc.assert(fc.asyncProperty(bcastPairArb, fc.nat(), fc.constantFrom(...LAYOUTS), async ([sa, sb], seed, layout) => {
        await T.scope(async () => {
          const ra = refOf([...sa], b.da, seed), rb = refOf([...sb], b.db, seed + 1);
          const want = refZip([ra, rb], b.ref);
          const outFloat = (d: DType): DType => (b.kind === 'cmp' ? 'bool' : d);
          for (const d of ds) await check(b.fn(mk(ra, d, layout), mk(rb, d)), want, b.op, outFloat(d), d);
          // int32 (true division gives float32)
          const ia = refOf([...sa], intDomain(b.da, b.op), seed), ib = refOf([...sb], intDomain(b.db, b.op), seed + 1);
          if (b.op === 'mod' || b.op === 'div') ib.data = ib.data.map((v) => (v === 0 ? 2 : Math.round(v) || 1));
          const wantI = refZip([ia, ib], b.ref);
          const outI: DType = b.kind === 'cmp' ? 'bool' : b.kind === 'div' ? 'float32' : 'int32';
          await check(b.fn(mk(ia, 'int32'), mk(ib, 'int32', layout)), wantI, b.op, outI, b.kind === 'div' ? 'float32' : 'int32');
          // mixed int32 + float32 promotes to float32
          if (b.kind !== 'div' && b.op !== 'mod' && b.op !== 'pow') {
            await check(b.fn(mk(ia, 'int32'), mk(rb, 'float32')), refZip([ia, rb], b.ref), b.op, b.kind === 'cmp' ? 'bool' : 'float32');
          }
        });
      }), fcParams(12));
      // number operands (weak scalars): x op 2 and 2 op x
      const r = refOf([3, 2], b.da === 'pos' ? 'pos' : 'nonzero', 3);
      const x = mk(r, 'float32', 'permuted');
      await check(b.fn(x, 2), refMap(r, (v) => b.ref(v, 2)), b.op, b.kind === 'cmp' ? 'bool' : 'float32');
      await check(b.fn(2, x), refMap(r, (v) => b.ref(2, v)), b.op, b.kind === 'cmp' ? 'bool' : 'float32');
    });
  }

  it('bool arithmetic promotes to int32; int op fractional scalar gives float32', async () => {
    const m = T.tensor([true, false, true]);
    await check(T.add(m, m), { shape: [3], data: [2, 0, 2] }, 'add', 'int32');
    await check(T.mul(T.tensor([1, 2], { dtype: 'int32' }), 0.5), { shape: [2], data: [0.5, 1] }, 'mul', 'float32');
    await check(T.mul(T.tensor([1, 2], { dtype: 'int32' }), 3), { shape: [2], data: [3, 6] }, 'mul', 'int32');
    await check(T.eq(m, 1), { shape: [3], data: [1, 0, 1] }, 'eq', 'bool');
  });

  it('where and clamp', async (t) => {
    await fc.assert(fc.asyncProperty(bcastPairArb, fc.nat(), async ([sa, sb], seed) => {
      await T.scope(async () => {
        const rc = refOf([...sa], 'bool', seed), ra = refOf([...sb], 'any', seed + 1), rb = refOf([...sa], 'any', seed + 2);
        await check(T.where(mk(rc, 'bool', 'permuted'), mk(ra, 'float32'), mk(rb, 'float32', 'strided')),
          refZip([rc, ra, rb], (c, a, b) => (c ? a : b)), 'where', 'float32');
        // non-bool cond is read as cond != 0; number branches
        const ri = refOf([...sa], 'ties', seed);
        await check(T.where(mk(ri, 'int32'), mk(ra, 'float32'), 0), refZip([ri, ra], (c, a) => (c !== 0 ? a : 0)), 'where', 'float32');
      });
    }), fcParams(10));
    for (const d of dtypes(t, ['float32', 'float64'])) {
      const r = refOf([4, 3], 'any', 9);
      await check(T.clamp(mk(r, d, 'reversed'), -1, 1.5), refMap(r, (v) => Math.min(Math.max(v, -1), 1.5)), 'clamp', d);
      await check(T.clamp(mk(r, d), null, 0), refMap(r, (v) => Math.min(v, 0)), 'clamp', d);
      const lo = refOf([3], 'any', 10);
      await check(T.clamp(mk(r, d), mk(lo, d)), refZip([r, lo], (v, l) => Math.max(v, l)), 'clamp', d);
    }
  });

  it('cast: float → int truncates toward zero, → bool is x != 0, and back', async (t) => {
    const r: Ref = { shape: [2, 3], data: [-2.75, -0.5, 0, 0.5, 2.75, 7] };
    for (const d of dtypes(t, ['float32', 'float64'])) {
      const x = mk(r, d, 'permuted');
      await check(T.cast(x, 'int32'), refMap(r, Math.trunc), 'cast', 'int32');
      await check(x.cast('bool'), refMap(r, (v) => +(v !== 0)), 'cast', 'bool');
      await check(T.cast(T.cast(x, 'int32'), d), refMap(r, Math.trunc), 'cast', d);
      await check(T.cast(x, 'float32'), r, 'cast', 'float32');
    }
    await check(T.cast(T.tensor([true, false]), 'float32'), { shape: [2], data: [1, 0] }, 'cast', 'float32');
  });

  // ---- reductions -------------------------------------------------------------------------------
  const sumOf = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);
  const meanOf = (xs: number[]): number => sumOf(xs) / xs.length;
  const varOf = (corr: number) => (xs: number[]): number => {
    const m = meanOf(xs);
    return sumOf(xs.map((x) => (x - m) ** 2)) / Math.max(xs.length - corr, 0);
  };
  const argOf = (better: (a: number, b: number) => boolean) => (xs: number[]): number => {
    let bi = 0;
    for (let i = 1; i < xs.length; i++) if (better(xs[i], xs[bi])) bi = i;
    return bi;
  };
  type Red = { op: string; fn: (x: Tensor, axes: number[] | undefined, keep: boolean) => Tensor; ref: (xs: number[]) => number; domain: Domain; ints: boolean; intOut?: DType; float?: boolean };
  const REDUCE: Red[] = [
    { op: 'sum', fn: (x, a, k) => T.sum(x, a, k), ref: sumOf, domain: 'any', ints: true },
    { op: 'prod', fn: (x, a, k) => T.prod(x, a, k), ref: (xs) => xs.reduce((a, b) => a * b, 1), domain: 'nonzero', ints: true },
    { op: 'max', fn: (x, a, k) => T.max(x, a, k), ref: (xs) => Math.max(...xs), domain: 'ties', ints: true },
    { op: 'min', fn: (x, a, k) => T.min(x, a, k), ref: (xs) => Math.min(...xs), domain: 'ties', ints: true },
    { op: 'mean', fn: (x, a, k) => T.mean(x, a, k), ref: meanOf, domain: 'any', ints: true, intOut: 'float32' },
    { op: 'variance', fn: (x, a, k) => T.variance(x, a, k), ref: varOf(0), domain: 'any', ints: true, intOut: 'float32' },
    { op: 'variance(correction=1)', fn: (x, a, k) => T.variance(x, a, k, 1), ref: varOf(1), domain: 'any', ints: false },
    { op: 'norm1', fn: (x, a, k) => T.norm(x, 1, a, k), ref: (xs) => sumOf(xs.map(Math.abs)), domain: 'any', ints: false },
    { op: 'norm2', fn: (x, a, k) => T.norm(x, 2, a, k), ref: (xs) => Math.sqrt(sumOf(xs.map((v) => v * v))), domain: 'any', ints: false },
    { op: 'logsumexp', fn: (x, a, k) => T.logsumexp(x, a, k), ref: (xs) => Math.log(sumOf(xs.map(Math.exp))), domain: 'any', ints: false },
  ];
  const axesArb = (rank: number): fc.Arbitrary<number[] | undefined> =>
    fc.option(fc.subarray(Array.from({ length: rank }, (_, i) => i)).chain((axes) =>
      fc.constant(axes.map((a) => (a % 2 === 1 ? a - rank : a)))), { nil: undefined });
  const redCase = shapeArb(4, 1, 4).chain((shape) => fc.tuple(fc.constant(shape), axesArb(shape.length), fc.boolean(), fc.nat(), fc.constantFrom(...LAYOUTS)));

  for (const rd of REDUCE) {
    it(`reduce ${rd.op}: random axes (incl. negative), keepDim, layouts`, async (t) => {
      const ds = dtypes(t, ['float32', 'float64']);
      await fc.assert(fc.asyncProperty(redCase, async ([shape, axes, keep, seed, layout]) => {
        await T.scope(async () => {
          const r = refOf(shape, rd.domain, seed);
          const want = refReduce(r, axes, keep, rd.ref);
          for (const d of ds) await check(rd.fn(mk(r, d, layout), axes, keep), want, rd.op, d);
          if (rd.ints) {
            const ri = refOf(shape, rd.op === 'prod' ? 'ties' : 'int', seed);
            const out = rd.intOut ?? 'int32';
            await check(rd.fn(mk(ri, 'int32', layout), axes, keep), refReduce(ri, axes, keep, rd.ref), rd.op, out);
          }
        });
      }), fcParams(15));
    });
  }

  it('reduce argmax / argmin: first index on ties, flattened without axis', async () => {
    await fc.assert(fc.asyncProperty(redCase, async ([shape, , keep, seed, layout]) => {
      await T.scope(async () => {
        const r = refOf(shape, 'ties', seed);
        const axis = shape.length > 0 ? seed % shape.length : -1;
        for (const [name, fn, better] of [['argmax', T.argmax, (a: number, b: number) => a > b], ['argmin', T.argmin, (a: number, b: number) => a < b]] as const) {
          const x = mk(r, 'float32', layout);
          const flat = refReduce(r, undefined, false, argOf(better));
          await check(fn(x), flat, name, 'int32', 'int32');
          if (axis < 0) continue; // rank 0: only the flattened form
          await check(fn(x, axis, keep), refReduce(r, [axis], keep, argOf(better)), name, 'int32', 'int32');
          await check(fn(mk(r, 'int32', layout), axis, keep), refReduce(r, [axis], keep, argOf(better)), name, 'int32', 'int32');
        }
      });
    }), fcParams(15));
  });

  it('reduce edge cases: empty axes, bool sums, max of empty axis throws', async () => {
    await check(T.sum(T.zeros([2, 0, 3]), 1), { shape: [2, 3], data: [0, 0, 0, 0, 0, 0] }, 'sum', 'float32');
    await check(T.prod(T.zeros([0])), { shape: [], data: [1] }, 'prod', 'float32');
    await check(T.sum(T.tensor([true, true, false])), { shape: [], data: [2] }, 'sum', 'int32');
    await check(T.sum(T.tensor(5)), { shape: [], data: [5] }, 'sum', 'float32');
    await check(T.max(T.tensor([[1, NaN], [2, 3]]), 1), { shape: [2], data: [NaN, 3] }, 'max', 'float32');
    assert.throws(() => T.max(T.zeros([2, 0]), 1), T.ShapeError);
  });

  // ---- softmax family ---------------------------------------------------------------------------
  /** Applies a row function along `axis`. */
  function alongAxis(r: Ref, axis: number, f: (row: number[]) => number[]): Ref {
    const rank = r.shape.length;
    const a = axis < 0 ? axis + rank : axis;
    const out = r.data.slice();
    const n = r.shape[a];
    const outerShape = r.shape.map((d, i) => (i === a ? 1 : d));
    for (let o = 0; o < refSize(outerShape); o++) {
      const idx = unravel(o, outerShape);
      const pos: number[] = [];
      for (let j = 0; j < n; j++) {
        idx[a] = j;
        pos.push(ravel(idx, r.shape));
      }
      const res = f(pos.map((p) => r.data[p]));
      pos.forEach((p, j) => (out[p] = res[j]));
    }
    return { shape: r.shape.slice(), data: out };
  }
  const softmaxRow = (row: number[]): number[] => {
    const m = Math.max(...row);
    const e = row.map((v) => Math.exp(v - m));
    const s = sumOf(e);
    return e.map((v) => v / s);
  };
  it('softmax, logSoftmax, normalize along random axes', async (t) => {
    const ds = dtypes(t, ['float32', 'float64']);
    await fc.assert(fc.asyncProperty(shapeArb(3, 1, 5).filter((s) => s.length > 0), fc.nat(), fc.constantFrom(...LAYOUTS), async (shape, seed, layout) => {
      await T.scope(async () => {
        const r = refOf(shape, 'any', seed);
        const axis = (seed % shape.length) - (seed % 2 ? shape.length : 0);
        for (const d of ds) {
          const x = mk(r, d, layout);
          await check(T.softmax(x, axis), alongAxis(r, axis, softmaxRow), 'softmax', d);
          await check(x.logSoftmax(axis), alongAxis(r, axis, (row) => softmaxRow(row).map(Math.log)), 'logSoftmax', d);
          for (const p of [1, 2] as const) {
            const nrm = (row: number[]): number[] => {
              const n = p === 1 ? sumOf(row.map(Math.abs)) : Math.sqrt(sumOf(row.map((v) => v * v)));
              return row.map((v) => v / Math.max(n, 1e-12));
            };
            await check(T.normalize(x, p, axis), alongAxis(r, axis, nrm), 'normalize', d);
          }
        }
      });
    }), fcParams(15));
    // large logits stay finite
    await check(T.softmax(T.tensor([1000, 1000])), { shape: [2], data: [0.5, 0.5] }, 'softmax', 'float32');
    await check(T.logsumexp(T.tensor([-Infinity, -Infinity])), { shape: [], data: [-Infinity] }, 'logsumexp', 'float32');
  });

  // ---- matmul -----------------------------------------------------------------------------------
  const mmCase = fc.record({
    M: fc.integer({ min: 0, max: 5 }), K: fc.integer({ min: 0, max: 6 }), N: fc.integer({ min: 0, max: 5 }),
    batchA: shapeArb(2, 1, 3), bmask: fc.nat(), aVec: fc.boolean(), bVec: fc.boolean(),
    ta: fc.boolean(), tb: fc.boolean(), seed: fc.nat(),
  });
  it('matmul vs naive loops: 1-D promotion, batch broadcasting, size-0/1 dims, transposed operands', async (t) => {
    const ds = dtypes(t, ['float32', 'float64']);
    await fc.assert(fc.asyncProperty(mmCase, async (c) => {
      await T.scope(async () => {
        const batchB = c.batchA.slice(c.bmask % (c.batchA.length + 1)).map((d, i) => ((c.bmask >> (i + 2)) & 1 ? 1 : d));
        const batchA = (c.bmask >> 6) & 1 ? c.batchA.map(() => 1) : c.batchA;
        const sa = c.aVec ? [c.K] : [...batchA, c.M, c.K];
        const sb = c.bVec ? [c.K] : [...batchB, c.K, c.N];
        const ra = refOf(sa, 'any', c.seed), rb = refOf(sb, 'any', c.seed + 7);
        const want = refMatmul(ra, rb);
        for (const d of ds) {
          // "transposed": stored as [..., K, M] and viewed through transpose
          const op = (r: Ref, tr: boolean): Tensor => (tr && r.shape.length >= 2 ? T.transpose(mk(refPermute(r, swapLast(r.shape.length)), d)) : mk(r, d));
          await check(T.matmul(op(ra, c.ta), op(rb, c.tb)), want, 'matmul', d);
        }
      });
    }), fcParams(40));
  });
  it('matmul crossing cache blocks (K > 128, N > 256, M % 4 ≠ 0) and (T,T)@(B,T,E)', async (t) => {
    for (const d of dtypes(t, ['float32', 'float64'])) {
      const ra = refOf([7, 131], 'any', 1), rb = refOf([131, 259], 'any', 2);
      await check(T.matmul(mk(ra, d), mk(rb, d, 'permuted')), refMatmul(ra, rb), 'matmul', d);
      const tt = refOf([5, 5], 'any', 3), bte = refOf([2, 5, 3], 'any', 4);
      await check(T.matmul(mk(tt, d), mk(bte, d, 'strided')), refMatmul(tt, bte), 'matmul', d);
    }
    assert.throws(() => T.matmul(T.zeros([2, 3]), T.zeros([4, 2])), T.ShapeError);
    assert.throws(() => T.matmul(T.zeros([2, 3], { dtype: 'int32' }), T.zeros([3, 2], { dtype: 'int32' })), T.DTypeError);
  });

  // ---- views ------------------------------------------------------------------------------------
  it('views: reshape, flatten, squeeze, unsqueeze, expand, transpose, permute, contiguous', async () => {
    await fc.assert(fc.asyncProperty(shapeArb(4, 1, 4), fc.nat(), fc.constantFrom(...LAYOUTS), async (shape, seed, layout) => {
      await T.scope(async () => {
        const r = refOf(shape, 'any', seed);
        const x = mk(r, 'float32', layout);
        const flat: Ref = { shape: [r.data.length], data: r.data };
        await check(T.reshape(x, [-1]), flat, 'reshape', 'float32');
        await check(x.flatten(), flat, 'flatten', 'float32');
        await check(T.contiguous(x), r, 'contiguous', 'float32');
        await check(T.reshape(T.reshape(x, [r.data.length]), shape), r, 'reshape', 'float32');
        const withOnes = shape.flatMap((d) => [1, d]);
        await check(T.squeeze(T.reshape(x, withOnes)), { shape: shape.filter((d) => d !== 1), data: r.data }, 'squeeze', 'float32');
        const ax = seed % (shape.length + 1);
        const us = shape.slice();
        us.splice(ax, 0, 1);
        await check(T.unsqueeze(x, ax), { shape: us, data: r.data }, 'unsqueeze', 'float32');
        const big = [2, ...shape];
        await check(T.expand(x, big), { shape: big, data: [...r.data, ...r.data] }, 'expand', 'float32');
        if (shape.length >= 2) await check(x.transpose(), refPermute(r, swapLast(shape.length)), 'transpose', 'float32');
        const perm = shape.map((_, i) => i).sort((a, b) => ((a * 7 + seed) % 5) - ((b * 7 + seed) % 5));
        await check(T.permute(x, perm), refPermute(r, perm), 'permute', 'float32');
        await check(T.broadcastTo(T.tensor([1, 2]), [2, 2]), { shape: [2, 2], data: [1, 2, 1, 2] }, 'broadcastTo', 'float32');
      });
    }), fcParams(20));
  });

  it('slice (python semantics, negative steps) and narrow', async () => {
    const pyRange = (n: number, s: number | undefined, e: number | undefined, st: number): number[] => {
      const out: number[] = [];
      const norm = (v: number | undefined, dflt: number): number => {
        if (v === undefined) return dflt;
        let i = v < 0 ? v + n : v;
        if (i < 0) i = st < 0 ? -1 : 0;
        if (i >= n) i = st < 0 ? n - 1 : n;
        return i;
      };
      const a = norm(s, st > 0 ? 0 : n - 1), b = norm(e, st > 0 ? n : -1);
      for (let i = a; st > 0 ? i < b : i > b; i += st) out.push(i);
      return out;
    };
    const sl = fc.tuple(fc.integer({ min: -6, max: 6 }), fc.integer({ min: -6, max: 6 }), fc.constantFrom(1, 2, 3, -1, -2));
    await fc.assert(fc.asyncProperty(shapeArb(3, 1, 5).filter((s) => s.length > 0), fc.array(sl, { minLength: 1, maxLength: 3 }), fc.nat(), fc.constantFrom(...LAYOUTS), async (shape, sls, seed, layout) => {
      await T.scope(async () => {
        const used = sls.slice(0, shape.length);
        const r = refOf(shape, 'any', seed);
        const ranges = shape.map((n, d) => (d < used.length ? pyRange(n, used[d][0], used[d][1], used[d][2]) : Array.from({ length: n }, (_, i) => i)));
        const outShape = ranges.map((rg) => rg.length);
        const data: number[] = [];
        for (let i = 0; i < refSize(outShape); i++) data.push(at(r, unravel(i, outShape).map((v, d) => ranges[d][v])));
        const x = mk(r, 'float32', layout);
        await check(T.slice(x, used.map((u) => u[0]), used.map((u) => u[1]), used.map((u) => u[2])), { shape: outShape, data }, 'slice', 'float32');
        const n0 = shape[0], st = seed % n0, len = (seed >> 3) % (n0 - st + 1);
        const nd: number[] = [];
        for (let i = 0; i < r.data.length; i++) {
          const idx = unravel(i, shape);
          if (idx[0] >= st && idx[0] < st + len) nd.push(r.data[i]);
        }
        await check(x.narrow(0, st, len), { shape: [len, ...shape.slice(1)], data: nd }, 'narrow', 'float32');
      });
    }), fcParams(30));
  });

  // ---- join / split -----------------------------------------------------------------------------
  it('cat, stack, split, chunk, pad', async () => {
    await fc.assert(fc.asyncProperty(shapeArb(3, 1, 4).filter((s) => s.length > 0), fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 3 }), fc.nat(), async (shape, sizes, seed) => {
      await T.scope(async () => {
        const axis = seed % shape.length;
        const parts = sizes.map((n, i) => refOf(shape.map((d, k) => (k === axis ? n : d)), 'any', seed + i));
        const total = sizes.reduce((a, b) => a + b, 0);
        const outShape = shape.map((d, k) => (k === axis ? total : d));
        const data: number[] = [];
        for (let i = 0; i < refSize(outShape); i++) {
          const idx = unravel(i, outShape);
          let p = 0, pos = idx[axis];
          while (pos >= sizes[p]) pos -= sizes[p++];
          idx[axis] = pos;
          data.push(at(parts[p], idx));
        }
        const ts = parts.map((p, i) => mk(p, 'float32', LAYOUTS[i % LAYOUTS.length]));
        const c = T.cat(ts, axis);
        await check(c, { shape: outShape, data }, 'cat', 'float32');
        const pieces = T.split(c, sizes, axis);
        for (let i = 0; i < parts.length; i++) await check(pieces[i], parts[i], 'split', 'float32');
        // stack of equal shapes = cat of unsqueezed
        const same = [parts[0], refOf(parts[0].shape, 'any', seed + 9)];
        const st = T.stack(same.map((p) => mk(p, 'float32')), axis);
        const sShape = parts[0].shape.slice();
        sShape.splice(axis, 0, 2);
        const sData: number[] = [];
        for (let i = 0; i < refSize(sShape); i++) {
          const idx = unravel(i, sShape);
          const w = idx.splice(axis, 1)[0];
          sData.push(at(same[w], idx));
        }
        await check(st, { shape: sShape, data: sData }, 'stack', 'float32');
        // chunk: pieces of ceil(n / k)
        const k = (seed % 3) + 1;
        const chunks = T.chunk(c, k, axis);
        const cs = Math.max(1, Math.ceil(total / k));
        assert.equal(chunks.length, Math.max(1, Math.ceil(total / cs)));
        assert.deepEqual(chunks.map((q) => q.shape[axis]), Array.from({ length: chunks.length }, (_, i) => Math.min(cs, total - i * cs)).map((v) => Math.max(v, 0)));
        const back = T.cat(chunks, axis);
        await check(back, { shape: outShape, data }, 'chunk', 'float32');
      });
    }), fcParams(25));
    const x = T.tensor([[1, 2], [3, 4]]);
    await check(T.pad(x, [[1, 0], [0, 2]], -1), { shape: [3, 4], data: [-1, -1, -1, -1, 1, 2, -1, -1, 3, 4, -1, -1] }, 'pad', 'float32');
    await check(T.pad(T.transpose(x), [[0, 1], [1, 0]]), { shape: [3, 3], data: [0, 1, 3, 0, 2, 4, 0, 0, 0] }, 'pad', 'float32');
    await check(T.cat([T.tensor([1], { dtype: 'int32' }), T.tensor([0.5])]), { shape: [2], data: [1, 0.5] }, 'cat', 'float32');
    assert.throws(() => T.cat([T.zeros([2, 3]), T.zeros([3, 3])], 1), T.ShapeError);
  });

  // ---- indexing ---------------------------------------------------------------------------------
  const idxCase = shapeArb(3, 1, 4).filter((s) => s.length > 0).chain((shape) =>
    fc.tuple(fc.constant(shape), fc.nat({ max: shape.length - 1 }), fc.array(fc.integer({ min: 1, max: 4 }), { minLength: shape.length, maxLength: shape.length }), fc.nat(), fc.constantFrom(...LAYOUTS)));

  it('gather (torch semantics) and scatterAdd (duplicates accumulate)', async (t) => {
    const ds = dtypes(t, ['float32', 'float64']);
    await fc.assert(fc.asyncProperty(idxCase, async ([shape, axis, ishape0, seed, layout]) => {
      await T.scope(async () => {
        const ishape = ishape0.map((d, i) => (i === axis ? d : Math.min(d, shape[i])));
        const r = refOf(shape, 'any', seed);
        const rnd = prng(seed);
        const ir: Ref = { shape: ishape, data: Array.from({ length: refSize(ishape) }, () => Math.floor(rnd() * shape[axis])) };
        const gathered: number[] = [];
        for (let i = 0; i < ir.data.length; i++) {
          const idx = unravel(i, ishape);
          idx[axis] = ir.data[i];
          gathered.push(at(r, idx));
        }
        const src = refOf(ishape.map((d) => d + (seed % 2)), 'any', seed + 3); // src may be larger than index
        const sc = r.data.slice();
        for (let i = 0; i < ir.data.length; i++) {
          const idx = unravel(i, ishape);
          const sv = at(src, idx);
          idx[axis] = ir.data[i];
          sc[ravel(idx, shape)] += sv;
        }
        for (const d of ds) {
          const x = mk(r, d, layout);
          const index = mk(ir, 'int32', layout);
          await check(T.gather(x, axis, index), { shape: ishape, data: gathered }, 'gather', d);
          await check(T.scatterAdd(x, axis, index, mk(src, d)), { shape, data: sc }, 'scatterAdd', d);
        }
      });
    }), fcParams(30));
    assert.throws(() => T.gather(T.zeros([2, 2]), 0, T.zeros([2, 2])), T.DTypeError);
  });

  it('indexSelect and embedding', async () => {
    await fc.assert(fc.asyncProperty(idxCase, async ([shape, axis, ishape, seed, layout]) => {
      await T.scope(async () => {
        const r = refOf(shape, 'any', seed);
        const rnd = prng(seed);
        const n = ishape[0];
        const ids = Array.from({ length: n }, () => Math.floor(rnd() * shape[axis]));
        const outShape = shape.map((d, i) => (i === axis ? n : d));
        const data: number[] = [];
        for (let i = 0; i < refSize(outShape); i++) {
          const idx = unravel(i, outShape);
          idx[axis] = ids[idx[axis]];
          data.push(at(r, idx));
        }
        await check(T.indexSelect(mk(r, 'float32', layout), axis, T.tensor(ids, { dtype: 'int32' })), { shape: outShape, data }, 'indexSelect', 'float32');
        // embedding: weight [V, D], ids [2, n]
        const V = shape[0], D = shape.length > 1 ? shape[1] : 2;
        const w = refOf([V, D], 'any', seed + 1);
        const eids = Array.from({ length: 2 * n }, () => Math.floor(rnd() * V));
        const edata = eids.flatMap((id) => w.data.slice(id * D, id * D + D));
        await check(T.embedding(mk(w, 'float32', layout), T.tensor(eids, { dtype: 'int32', shape: [2, n] })), { shape: [2, n, D], data: edata }, 'embedding', 'float32');
      });
    }), fcParams(25));
  });

  it('topk: descending, ties → lower index first, any axis', async (t) => {
    const ds = dtypes(t, ['float32', 'float64', 'int32']);
    await fc.assert(fc.asyncProperty(idxCase, fc.nat(), async ([shape, axis, , seed, layout], kseed) => {
      await T.scope(async () => {
        const r = refOf(shape, 'ties', seed);
        const k = kseed % (shape[axis] + 1);
        const moved = shape.map((_, i) => i).filter((i) => i !== axis).concat([axis]);
        const p = refPermute(r, moved);
        const A = shape[axis];
        const rows = p.data.length / A;
        const vals: number[] = [], ids: number[] = [];
        for (let o = 0; o < rows; o++) {
          const res = refTopk(p.data.slice(o * A, o * A + A), k);
          vals.push(...res.values);
          ids.push(...res.indices);
        }
        const kShape = [...p.shape.slice(0, -1), k];
        const inv = moved.map((_, i) => moved.indexOf(i));
        for (const d of ds) {
          const res = T.topk(mk(r, d, layout), k, axis);
          await check(res.values, refPermute({ shape: kShape, data: vals }, inv), 'topk', d);
          await check(res.indices, refPermute({ shape: kShape, data: ids }, inv), 'topk', 'int32');
        }
      });
    }), fcParams(30));
    // larger k exercises the sorting path
    const row = values(100, 'ties', 3);
    const res = T.topk(T.tensor(row), 60);
    const want = refTopk(row, 60);
    assert.deepEqual([...(await res.indices.data())], want.indices);
  });

  // ---- properties -------------------------------------------------------------------------------
  it('property: broadcasting is commutative and follows the NumPy shape law', async () => {
    await fc.assert(fc.asyncProperty(shapeArb(4, 1, 3), shapeArb(4, 1, 3), async (sa, sb) => {
      await T.scope(async () => {
        const want = refBroadcastShape(sa, sb);
        const a = T.ones(sa), b = T.ones(sb);
        if (!want) {
          assert.throws(() => T.add(a, b), (e: unknown) => e instanceof T.ShapeError && e.message.includes(JSON.stringify(sa).replace(/ /g, '')) && e.message.includes(JSON.stringify(sb).replace(/ /g, '')) && e.message.startsWith('add'));
          return;
        }
        const ab = T.add(a, b), ba = T.add(b, a);
        assert.deepEqual([...ab.shape], want);
        assert.deepEqual(await ab.data(), await ba.data());
      });
    }), fcParams(50));
  });

  it('property: sum over all axes = sum of partial sums', async () => {
    await fc.assert(fc.asyncProperty(redCase, async ([shape, axes, , seed, layout]) => {
      await T.scope(async () => {
        const x = mk(refOf(shape, 'any', seed), 'float32', layout);
        const partial = T.sum(T.sum(x, axes ?? [], false));
        const total = T.sum(x);
        assert.ok(closeTo((await partial.data())[0], (await total.data())[0], 1e-4));
      });
    }), fcParams(30));
  });

  it('property: transpose twice = identity; permute composes; reshape/contiguous round trip', async () => {
    await fc.assert(fc.asyncProperty(shapeArb(4, 1, 4).filter((s) => s.length >= 2), fc.nat(), fc.nat(), async (shape, s1, s2) => {
      await T.scope(async () => {
        const r = refOf(shape, 'any', s1);
        const x = mk(r, 'float32', 'strided');
        await check(T.transpose(T.transpose(x, 0, -1), 0, -1), r, 'transpose', 'float32');
        const perm = (s: number): number[] => shape.map((_, i) => i).sort((a, b) => ((a * 13 + s) % 7) - ((b * 13 + s) % 7));
        const p = perm(s1), q = perm(s2);
        const composed = q.map((i) => p[i]);
        assert.deepEqual(await T.permute(T.permute(x, p), q).data(), await T.permute(x, composed).data());
        const pv = T.permute(x, p);
        const round = T.reshape(T.reshape(T.contiguous(pv), [-1]), pv.shape);
        assert.deepEqual(await round.data(), await pv.data());
      });
    }), fcParams(30));
  });

  it('property: gather / scatterAdd duality  <gather(x, idx), g> = <x, scatterAdd(0, idx, g)>', async () => {
    await fc.assert(fc.asyncProperty(idxCase, async ([shape, axis, ishape0, seed]) => {
      await T.scope(async () => {
        const ishape = ishape0.map((d, i) => (i === axis ? d : Math.min(d, shape[i])));
        const rnd = prng(seed);
        const x = mk(refOf(shape, 'any', seed), 'float32');
        const idx = T.tensor(Array.from({ length: refSize(ishape) }, () => Math.floor(rnd() * shape[axis])), { dtype: 'int32', shape: ishape });
        const g = mk(refOf(ishape, 'any', seed + 1), 'float32');
        const lhs = T.sum(T.mul(T.gather(x, axis, idx), g));
        const rhs = T.sum(T.mul(x, T.scatterAdd(T.zerosLike(x), axis, idx, g)));
        assert.ok(closeTo((await lhs.data())[0], (await rhs.data())[0], 1e-4));
      });
    }), fcParams(30));
  });

  it('property: cat(split(x)) = x; softmax rows sum to 1', async () => {
    await fc.assert(fc.asyncProperty(shapeArb(3, 1, 5).filter((s) => s.length > 0), fc.nat(), async (shape, seed) => {
      await T.scope(async () => {
        const r = refOf(shape, 'any', seed);
        const x = mk(r, 'float32', 'permuted');
        const axis = seed % shape.length;
        await check(T.cat(T.split(x, (seed % 3) + 1, axis), axis), r, 'cat', 'float32');
        const sums = await T.sum(T.softmax(x, axis), axis).data();
        for (const s of sums) assert.ok(Math.abs(s - 1) < 1e-5, `softmax row sums to ${s}`);
      });
    }), fcParams(30));
  });

  // ---- RNG, memory, errors ----------------------------------------------------------------------
  it('rng: same seed → same numbers (host-generated, identical on every backend)', async () => {
    const a = await new T.Rng(123).normal([1001]).data();
    const b = await new T.Rng(123).normal([1001]).data();
    assert.deepEqual(a, b);
    const host = new Float32Array(1001);
    new T.Rng(123).fillNormal(host);
    assert.deepEqual(a, host);
    const u = await T.rand([1000], { seed: 5 }).data();
    assert.deepEqual(u, await T.rand([1000], { seed: 5 }).data());
    assert.ok(u.every((v) => v >= 0 && v < 1));
    assert.notDeepEqual(u, await T.rand([1000], { seed: 6 }).data());
    const ints = await new T.Rng(1).int([500], -3, 4).data();
    assert.ok(ints.every((v) => v >= -3 && v < 4 && Number.isInteger(v)));
    const perm = [...(await new T.Rng(2).permutation(50).data())].sort((p, q) => p - q);
    assert.deepEqual(perm, Array.from({ length: 50 }, (_, i) => i));
  });

  it('memory: flat across a loop inside scope(); dispose is idempotent; use after dispose throws', async () => {
    const x = T.keep(T.ones([64, 64]));
    const before = T.memory();
    for (let i = 0; i < 20; i++) {
      await T.scope(async () => {
        const y = T.softmax(T.matmul(x, x.transpose()).mul(0.01));
        await y.data();
      });
    }
    const after = T.memory();
    assert.equal(after.tensors, before.tensors);
    assert.equal(after.bytes, before.bytes);
    const kept = T.scope(() => {
      T.ones([3]);
      return { out: [T.zeros([2])] };
    });
    assert.equal(T.memory().tensors, before.tensors + 1);
    kept.out[0].dispose();
    kept.out[0].dispose();
    assert.equal(T.memory().tensors, before.tensors);
    assert.throws(() => kept.out[0].add(1), T.AveyError);
    x.dispose();
  });

  it('typed errors name the op and the shapes / dtypes', async () => {
    assert.throws(() => T.add(T.zeros([2, 3]), T.zeros([4])), (e: unknown) => e instanceof T.ShapeError && e.op === 'add' && /\[2,3\]/.test(e.message) && /\[4\]/.test(e.message));
    assert.throws(() => T.exp(T.zeros([2], { dtype: 'int32' })), (e: unknown) => e instanceof T.DTypeError && e.op === 'exp' && e.message.includes('int32'));
    assert.throws(() => T.sum(T.zeros([2]), 3), (e: unknown) => e instanceof T.IndexError && e instanceof RangeError && e instanceof T.AveyError);
    assert.throws(() => T.reshape(T.zeros([2, 3]), [4, -1]), T.ShapeError);
    assert.throws(() => T.topk(T.zeros([3]), 4), T.IndexError);
  });
}

function swapLast(rank: number): number[] {
  const p = Array.from({ length: rank }, (_, i) => i);
  [p[rank - 2], p[rank - 1]] = [p[rank - 1], p[rank - 2]];
  return p;
}
