// The gradcheck table: for every differentiable op, a fast-check generator of (inputs, fn).
// gradcheck.test.ts runs gradcheck (and gradgradcheck) over every entry, and fails when a
// differentiable Variable method (or exported op) has no entry here.
//
// Inputs are float64 tensors on the CPU (int32 for indices, bool for conditions). Values are drawn
// from a seeded PRNG and kept away from the kinks of non-smooth ops (0 for abs/relu/sign, the
// bounds of clamp), where central differences are not meaningful.

import fc from 'fast-check';
import * as T from '@avey/tensor';
import type { Tensor } from '@avey/tensor';
import { ops, losses, nn, type Variable } from '../src/index.js';
import { mulberry32 as prng } from '@avey/tensor';

export interface Case {
  inputs: Tensor[];
  fn: (...xs: Variable[]) => Variable | Variable[];
  /** skip the second-order check (e.g. a first-order-only path) */
  noGradGrad?: boolean;
  tol?: { eps?: number; atol?: number; rtol?: number };
  label: string;
}

// ---- data ---------------------------------------------------------------------------------------
const numel = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
type Range = 'any' | 'pos' | 'nonzero' | 'clampSafe';
function values(shape: readonly number[], seed: number, range: Range = 'any'): Tensor {
  const r = prng(seed);
  const d = Float64Array.from({ length: numel(shape) }, () => {
    const u = r();
    switch (range) {
      case 'any': return u * 4 - 2;
      case 'pos': return 0.5 + u * 1.5;
      case 'nonzero': return (r() < 0.5 ? -1 : 1) * (0.2 + u * 1.8);
      case 'clampSafe': { const v = u * 3 - 1.5; return Math.abs(v + 0.5) < 0.05 || Math.abs(v - 0.7) < 0.05 ? v + 0.11 : v; }
    }
  });
  return T.tensor(d, { dtype: 'float64', shape: [...shape] });
}
function ints(shape: readonly number[], seed: number, hi: number): Tensor {
  const r = prng(seed);
  return T.tensor(Int32Array.from({ length: numel(shape) }, () => Math.floor(r() * hi)), { dtype: 'int32', shape: [...shape] });
}
function bools(shape: readonly number[], seed: number): Tensor {
  const r = prng(seed);
  return T.tensor(Uint8Array.from({ length: numel(shape) }, () => (r() < 0.5 ? 1 : 0)), { dtype: 'bool', shape: [...shape] });
}

// ---- arbitraries ----------------------------------------------------------------------------------
const dim = fc.integer({ min: 1, max: 3 });
const shapeArb = (minRank = 0, maxRank = 3) => fc.array(dim, { minLength: minRank, maxLength: maxRank });
const seedArb = fc.integer({ min: 1, max: 2 ** 30 });

/** A shape and a second shape that broadcasts against it (fewer leading axes, some 1s). */
const broadcastPair = fc.tuple(shapeArb(0, 3), fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }), fc.integer({ min: 0, max: 3 }), fc.boolean())
  .map(([s, ones, drop, swap]) => {
    const b = s.slice(Math.min(drop, s.length)).map((d, i) => (ones[i] ? 1 : d));
    return swap ? [b, s] as const : [s, b] as const;
  });

/** A shape plus random reduction axes (maybe undefined = all) and keepDim. */
const reduceArb = fc.tuple(shapeArb(1, 3), fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }), fc.boolean(), fc.boolean(), fc.boolean())
  .map(([s, pick, all, keepDim, neg]) => {
    let axes: number[] | undefined = s.map((_, i) => i).filter((i) => pick[i]);
    if (all || axes.length === 0) axes = undefined;
    else if (neg) axes = axes.map((a) => a - s.length);
    return { s, axes, keepDim };
  });
const axisOf = (s: readonly number[], u: number) => Math.floor(u * s.length) % Math.max(1, s.length);

type Gen = fc.Arbitrary<Case>;

const unary = (name: string, range: Range = 'any', f?: (x: Variable) => Variable): Gen =>
  fc.tuple(shapeArb(0, 3), seedArb).map(([s, seed]) => ({
    label: `${name} [${s}]`, inputs: [values(s, seed, range)],
    fn: f ?? ((x: Variable) => (x as unknown as Record<string, () => Variable>)[name].call(x)),
  }));

const binary = (name: string, rangeA: Range = 'any', rangeB: Range = 'any'): Gen =>
  fc.tuple(broadcastPair, seedArb, fc.boolean()).map(([[a, b], seed, scalarB]) => ({
    label: `${name} [${a}] [${b}]${scalarB ? ' (number)' : ''}`,
    inputs: scalarB ? [values(a, seed, rangeA)] : [values(a, seed, rangeA), values(b, seed + 1, rangeB)],
    fn: scalarB
      ? (x: Variable) => (x as unknown as Record<string, (b: number) => Variable>)[name].call(x, rangeB === 'pos' ? 1.3 : 0.7)
      : (x: Variable, y: Variable) => (x as unknown as Record<string, (b: Variable) => Variable>)[name].call(x, y),
  }));

const reduction = (name: string, range: Range = 'any', call?: (x: Variable, axes: number[] | undefined, keepDim: boolean) => Variable): Gen =>
  fc.tuple(reduceArb, seedArb).map(([{ s, axes, keepDim }, seed]) => ({
    label: `${name} [${s}] axes ${axes ?? 'all'} keepDim ${keepDim}`, inputs: [values(s, seed, range)],
    fn: (x: Variable) => call ? call(x, axes, keepDim) : (x as unknown as Record<string, (a?: number[], k?: boolean) => Variable>)[name].call(x, axes, keepDim),
  }));

const alongAxis = (name: string, f: (x: Variable, axis: number) => Variable | Variable[], range: Range = 'any'): Gen =>
  fc.tuple(shapeArb(1, 3), seedArb, fc.double({ min: 0, max: 0.999, noNaN: true })).map(([s, seed, u]) => {
    const axis = axisOf(s, u);
    return { label: `${name} [${s}] axis ${axis}`, inputs: [values(s, seed, range)], fn: (x: Variable) => f(x, axis) };
  });

/** A gather/scatter configuration: x (…, A, …), index (…, N, …) with index values < A. */
const indexArb = fc.tuple(shapeArb(1, 3), seedArb, fc.double({ min: 0, max: 0.999, noNaN: true }), dim);

export const TABLE: Record<string, Gen> = {
  // ---- elementwise binary (broadcasting, numbers) ----
  add: binary('add'),
  sub: binary('sub'),
  mul: binary('mul'),
  div: binary('div', 'any', 'nonzero'),
  pow: binary('pow', 'pos', 'any'),
  maximum: binary('maximum'),
  minimum: binary('minimum'),
  // ---- unary ----
  neg: unary('neg'),
  abs: unary('abs', 'nonzero'),
  exp: unary('exp'),
  log: unary('log', 'pos'),
  sqrt: unary('sqrt', 'pos'),
  rsqrt: unary('rsqrt', 'pos'),
  reciprocal: unary('reciprocal', 'nonzero'),
  square: unary('square'),
  sin: unary('sin'),
  cos: unary('cos'),
  tanh: unary('tanh'),
  sigmoid: unary('sigmoid'),
  relu: unary('relu', 'nonzero'),
  erf: unary('erf'),
  gelu: unary('gelu'),
  // gelu's VJP g·(Φ(x) + x·φ(x)) (the one GELU derivative, on Variables) is itself an op: its own
  // gradient is gelu's second-order backward
  geluVjp: fc.tuple(shapeArb(0, 3), seedArb).map(([s, seed]) => ({
    label: `geluVjp [${s}]`, inputs: [values(s, seed), values(s, seed + 1)], fn: (x: Variable, g: Variable) => ops.geluVjp(x, g),
  })),
  clamp: fc.tuple(shapeArb(0, 3), seedArb, fc.constantFrom<[number | null, number | null]>([-0.5, 0.7], [null, 0.7], [-0.5, null])).map(([s, seed, [lo, hi]]) => ({
    label: `clamp [${s}] ${lo} ${hi}`, inputs: [values(s, seed, 'clampSafe')], fn: (x: Variable) => x.clamp(lo, hi),
  })),
  // through float32 and back: central differences need a step well above float32 rounding
  cast: unary('cast', 'any', (x) => x.cast('float32').mul(3).cast('float64')).map((c) => ({ ...c, tol: { eps: 1e-2, atol: 1e-4 } })),
  where: fc.tuple(broadcastPair, seedArb, fc.boolean()).map(([[a, b], seed, numberB]) => ({
    label: `where [${a}] [${b}]`,
    inputs: numberB ? [bools(a, seed + 7), values(a, seed)] : [bools(b, seed + 7), values(a, seed), values(b, seed + 1)],
    fn: numberB
      ? (c: Variable, x: Variable) => ops.where(c.value, x, 0.5)
      : (c: Variable, x: Variable, y: Variable) => ops.where(c.value, x, y),
  })),
  // ---- reductions over random axes ----
  sum: reduction('sum'),
  mean: reduction('mean'),
  max: reduction('max'),
  min: reduction('min'),
  variance: fc.tuple(reduceArb, seedArb, fc.constantFrom(0, 1)).filter(([{ s, axes }, , c]) => c === 0 || (axes ?? s.map((_, i) => i)).reduce((n, a) => n * s[a < 0 ? a + s.length : a], 1) > 1)
    .map(([{ s, axes, keepDim }, seed, c]) => ({ label: `variance [${s}] ${axes} corr ${c}`, inputs: [values(s, seed)], fn: (x: Variable) => x.variance(axes, keepDim, c) })),
  norm: fc.tuple(reduceArb, seedArb, fc.constantFrom<1 | 2>(1, 2)).map(([{ s, axes, keepDim }, seed, p]) => ({
    label: `norm p${p} [${s}] ${axes}`, inputs: [values(s, seed, 'nonzero')], fn: (x: Variable) => x.norm(p, axes, keepDim),
  })),
  logsumexp: reduction('logsumexp'),
  softmax: alongAxis('softmax', (x, a) => x.softmax(a)),
  logSoftmax: alongAxis('logSoftmax', (x, a) => x.logSoftmax(a)),
  normalize: fc.tuple(shapeArb(1, 3), seedArb, fc.double({ min: 0, max: 0.999, noNaN: true }), fc.constantFrom<1 | 2>(1, 2)).map(([s, seed, u, p]) => {
    const axis = axisOf(s, u);
    return { label: `normalize p${p} [${s}] axis ${axis}`, inputs: [values(s, seed, 'nonzero')], fn: (x: Variable) => x.normalize(p, axis) };
  }),
  // ---- matmul with 1-D promotion and batch broadcasting ----
  matmul: fc.tuple(dim, dim, dim, shapeArb(0, 2), fc.array(fc.boolean(), { minLength: 2, maxLength: 2 }), fc.integer({ min: 0, max: 5 }), seedArb)
    .map(([m, k, n, batch, ones, mode, seed]) => {
      const bb = batch.map((d, i) => (ones[i] ? 1 : d));
      const shapes: [number[], number[]][] = [
        [[...batch, m, k], [...bb, k, n]],      // batch broadcast
        [[...bb, m, k], [k, n]],                // (…, M, K) @ (K, N)
        [[m, k], [...batch, k, n]],             // (M, K) @ (B, K, N)
        [[k], [...batch, k, n]],                // 1-D left
        [[...batch, m, k], [k]],                // 1-D right
        [[k], [k]],                             // dot
      ];
      const [sa, sb] = shapes[mode];
      return { label: `matmul [${sa}] @ [${sb}]`, inputs: [values(sa, seed), values(sb, seed + 1)], fn: (a: Variable, b: Variable) => a.matmul(b) };
    }),
  // ---- shape ----
  reshape: unary('reshape', 'any', (x) => x.reshape([-1])),
  flatten: fc.tuple(shapeArb(1, 3), seedArb).map(([s, seed]) => ({
    label: `flatten [${s}]`, inputs: [values(s, seed)], fn: (x: Variable) => x.flatten(Math.min(1, s.length - 1)).mul(values([], seed)),
  })),
  transpose: fc.tuple(shapeArb(2, 3), seedArb).map(([s, seed]) => ({ label: `transpose [${s}]`, inputs: [values(s, seed)], fn: (x: Variable) => x.transpose(0, -1).mul(2).contiguous() })),
  permute: fc.tuple(shapeArb(1, 3), seedArb, fc.integer()).map(([s, seed, r]) => {
    const perm = s.map((_, i) => i).sort((a, b) => ((a * 7 + r) % 5) - ((b * 7 + r) % 5));
    return { label: `permute [${s}] ${perm}`, inputs: [values(s, seed)], fn: (x: Variable) => x.permute(perm).exp() };
  }),
  squeeze: fc.tuple(shapeArb(1, 3), seedArb).map(([s, seed]) => {
    const withOne = [1, ...s];
    return { label: `squeeze [${withOne}]`, inputs: [values(withOne, seed)], fn: (x: Variable) => x.squeeze(0).mul(x.squeeze(0)) };
  }),
  unsqueeze: fc.tuple(shapeArb(0, 2), seedArb).map(([s, seed]) => ({ label: `unsqueeze [${s}]`, inputs: [values(s, seed)], fn: (x: Variable) => x.unsqueeze(-1).sin() })),
  expand: fc.tuple(broadcastPair, seedArb).map(([[a, b], seed]) => {
    const target = T.broadcastShapes('test', a, b);
    return { label: `expand [${b}] → [${target}]`, inputs: [values(b, seed)], fn: (x: Variable) => x.expand(target).mul(values(target, seed + 3)) };
  }),
  broadcastTo: fc.tuple(shapeArb(1, 2), seedArb).map(([s, seed]) => ({ label: `broadcastTo [${s}]`, inputs: [values(s, seed)], fn: (x: Variable) => x.broadcastTo([2, ...s]).mul(values([2, ...s], seed + 1)) })),
  contiguous: fc.tuple(shapeArb(2, 3), seedArb).map(([s, seed]) => ({ label: `contiguous [${s}]`, inputs: [values(s, seed)], fn: (x: Variable) => x.transpose(0, 1).contiguous().square() })),
  clone: unary('clone', 'any', (x) => x.clone().mul(x)),
  slice: fc.tuple(shapeArb(1, 3), seedArb, fc.array(fc.tuple(fc.integer({ min: -4, max: 4 }), fc.integer({ min: -4, max: 4 }), fc.constantFrom(-2, -1, 1, 2, 3)), { minLength: 3, maxLength: 3 }))
    .map(([s, seed, bounds]) => {
      const b = bounds.slice(0, s.length);
      return {
        label: `slice [${s}] ${JSON.stringify(b)}`, inputs: [values(s, seed)],
        fn: (x: Variable) => x.slice(b.map((q) => q[0]), b.map((q) => q[1]), b.map((q) => q[2])).mul(1.5),
      };
    }),
  narrow: fc.tuple(shapeArb(1, 3), seedArb, fc.double({ min: 0, max: 0.999, noNaN: true })).map(([s, seed, u]) => {
    const a = axisOf(s, u);
    return { label: `narrow [${s}] axis ${a}`, inputs: [values(s, seed)], fn: (x: Variable) => x.narrow(a, s[a] - 1, 1).exp() };
  }),
  pad: fc.tuple(shapeArb(1, 3), seedArb, fc.array(fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 2 })), { minLength: 3, maxLength: 3 })).map(([s, seed, w]) => {
    const widths = w.slice(0, s.length) as [number, number][];
    return { label: `pad [${s}] ${JSON.stringify(widths)}`, inputs: [values(s, seed)], fn: (x: Variable) => x.pad(widths, 0.25).square() };
  }),
  split: alongAxis('split', (x, a) => x.split(2, a).map((p, i) => p.mul(i + 1))),
  chunk: alongAxis('chunk', (x, a) => x.chunk(2, a).map((p, i) => p.square().mul(i + 1))),
  cat: fc.tuple(shapeArb(1, 3), seedArb, fc.double({ min: 0, max: 0.999, noNaN: true }), dim).map(([s, seed, u, extra]) => {
    const a = axisOf(s, u);
    const s2 = s.map((d, i) => (i === a ? extra : d));
    return { label: `cat [${s}] [${s2}] axis ${a}`, inputs: [values(s, seed), values(s2, seed + 1)], fn: (x: Variable, y: Variable) => ops.cat([x, y.square()], a) };
  }),
  stack: fc.tuple(shapeArb(0, 2), seedArb, fc.integer({ min: 0, max: 2 })).map(([s, seed, a0]) => {
    const a = a0 % (s.length + 1);
    return { label: `stack [${s}] axis ${a}`, inputs: [values(s, seed), values(s, seed + 1)], fn: (x: Variable, y: Variable) => ops.stack([x, y.exp()], a) };
  }),
  // ---- indexing ----
  gather: indexArb.map(([s, seed, u, n]) => {
    const a = axisOf(s, u);
    const is = s.map((d, i) => (i === a ? n : d));
    const idx = ints(is, seed + 5, s[a]);
    return { label: `gather [${s}] axis ${a} index [${is}]`, inputs: [values(s, seed)], fn: (x: Variable) => x.gather(a, idx).mul(values(is, seed + 2)) };
  }),
  scatterAdd: indexArb.map(([s, seed, u, n]) => {
    const a = axisOf(s, u);
    const is = s.map((d, i) => (i === a ? n : d));
    const idx = ints(is, seed + 5, s[a]);
    return { label: `scatterAdd [${s}] axis ${a} index [${is}]`, inputs: [values(s, seed), values(is, seed + 1)], fn: (x: Variable, src: Variable) => x.scatterAdd(a, idx, src).square() };
  }),
  indexSelect: indexArb.map(([s, seed, u, n]) => {
    const a = axisOf(s, u);
    const idx = ints([n + 1], seed + 5, s[a]);
    return { label: `indexSelect [${s}] axis ${a}`, inputs: [values(s, seed)], fn: (x: Variable) => x.indexSelect(a, idx).exp() };
  }),
  embedding: fc.tuple(dim, dim, shapeArb(1, 2), seedArb).map(([v, d, ids, seed]) => {
    const idx = ints(ids, seed + 5, v + 1);
    return { label: `embedding [${v + 1},${d}] ids [${ids}]`, inputs: [values([v + 1, d], seed)], fn: (w: Variable) => ops.embedding(w, idx).sin() };
  }),
  topk: fc.tuple(shapeArb(1, 3), seedArb, fc.double({ min: 0, max: 0.999, noNaN: true }), fc.integer({ min: 1, max: 3 })).map(([s, seed, u, k0]) => {
    const a = axisOf(s, u);
    const k = Math.min(k0, s[a]);
    return { label: `topk [${s}] k ${k} axis ${a}`, inputs: [values(s, seed)], fn: (x: Variable) => x.topk(k, a).values.square() };
  }),
  // ---- helpers, losses and nn functionals (not Variable methods, checked all the same) ----
  unbroadcast: fc.tuple(broadcastPair, seedArb).map(([[a, b], seed]) => {
    const target = T.broadcastShapes('test', a, b);
    return { label: `unbroadcast [${target}] → [${b}]`, inputs: [values(target, seed)], fn: (x: Variable) => ops.unbroadcast(x.square(), b) };
  }),
  crossEntropy: fc.tuple(dim, fc.integer({ min: 2, max: 4 }), seedArb, fc.constantFrom<'mean' | 'sum' | 'none'>('mean', 'sum', 'none')).map(([n, c, seed, reduction]) => {
    const r = prng(seed);
    const lab = T.tensor(Int32Array.from({ length: n + 1 }, (_, i) => (i === 0 ? -100 : Math.floor(r() * c))), { dtype: 'int32' });
    return { label: `crossEntropy [${n + 1},${c}] ${reduction}`, inputs: [values([n + 1, c], seed)], fn: (z: Variable) => losses.crossEntropy(z, lab, { reduction }) };
  }),
  mse: binary('mse').map((c) => ({ ...c, label: `mse ${c.label}`, fn: c.inputs.length === 2 ? (a: Variable, b: Variable) => losses.mse(a, b) : (a: Variable) => losses.mse(a, T.zerosLike(a.value)) })),
  bceWithLogits: fc.tuple(shapeArb(1, 2), seedArb, fc.boolean()).map(([s, seed, pw]) => ({
    label: `bceWithLogits [${s}] posWeight ${pw}`, inputs: [values(s, seed), values(s, seed + 1, 'pos')],
    fn: (x: Variable, y: Variable) => losses.bceWithLogits(x, y.mul(0.5), pw ? { posWeight: 2 } : {}),
  })),
  rmsNorm: fc.tuple(shapeArb(1, 3), seedArb).map(([s, seed]) => ({
    label: `rmsNorm [${s}]`, inputs: [values(s, seed), values([s[s.length - 1]], seed + 1)], fn: (x: Variable, w: Variable) => nn.rmsNorm(x, w, 1e-6),
  })),
  layerNorm: fc.tuple(shapeArb(1, 3), seedArb).filter(([s]) => s[s.length - 1] > 1).map(([s, seed]) => ({
    label: `layerNorm [${s}]`, inputs: [values(s, seed), values([s[s.length - 1]], seed + 1), values([s[s.length - 1]], seed + 2)],
    fn: (x: Variable, w: Variable, b: Variable) => nn.layerNorm(x, w, b, 1e-5),
  })),
};

/** Exported op functions that are not differentiable (mirrors NON_DIFFERENTIABLE_METHODS). */
export const NON_DIFFERENTIABLE_FUNCTIONS = [
  'sign', 'floor', 'ceil', 'round', 'mod', 'eq', 'ne', 'lt', 'le', 'gt', 'ge', 'logicalAnd', 'logicalOr', 'logicalNot', 'argmax', 'argmin',
];
