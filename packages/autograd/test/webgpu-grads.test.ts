// The gradient tests on the WebGPU backend: every entry of the gradcheck table
// (test/gradcheck-table.ts) is run on WebGPU (float32) and on the CPU (float32), and the outputs,
// the first-order gradients of Σ_k Σ r_k·y_k (fixed random r per output) w.r.t. every float input,
// and the second-order term ∂/∂x Σ_i v_i·∂(Σ r·y)/∂x_i (createGraph, as gradgradcheck) are
// compared elementwise with |webgpu − cpu| ≤ atol + rtol·|cpu| (tolerances per op in TOL below).
//
// Inputs come from the table's own generators (fixed fast-check seeds): float64 inputs are cast to
// float32 on the host and moved with `await t.toBackend('webgpu')`. A few table entries build
// constant tensors inside their `fn` (float64 on the CPU, or a float64 cast), which a WebGPU input
// cannot mix with; PORTS restates those entries with the constants made on the right backend
// (same op, same inputs from the table's generator). A last test fails if any table entry was not
// compared. Without an adapter: skipped with the reason printed; under CI=true that is a failure.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import * as T from '@avey/tensor';
import type { Tensor } from '@avey/tensor';
import { Variable, grad, ops, losses, nn, isFloatDType } from '../src/index.js';
import { TABLE, type Case } from './gradcheck-table.js';
import { mulberry32 as prng } from '@avey/tensor';

// The accelerator compared with the CPU: 'webgpu' here; the browser playground's in-page suite runs
// this same file with 'gpujs' (gpu.js WebGL2) by setting globalThis.__aveyGradsBackend
// (packages/playground/src/selftest/main.ts).
const BACKEND: string = (globalThis as { __aveyGradsBackend?: string }).__aveyGradsBackend ?? 'webgpu';

// ---- adapter (or the reason there is none) --------------------------------------------------------
let why = '';
try {
  const be = (await T.initBackend(BACKEND)) as T.Backend & { info?: string | { adapterName: string; kind: string; featureLevel: string } };
  console.log(`# autograd gradients on ${BACKEND}: ${typeof be.info === 'string' ? be.info : `${be.info?.adapterName ?? '?'} (${be.info?.kind ?? '?'}, ${be.info?.featureLevel ?? '?'})`}`);
} catch (e) {
  why = e instanceof Error ? e.message : String(e);
}
if (why) {
  if (process.env.CI === 'true') test('a WebGPU adapter is available under CI=true', () => assert.fail(why));
  else console.log(`# skipping WebGPU gradient tests: no WebGPU adapter: ${why}`);
}
after(() => T.disposeBackends()); // destroys the device so the process exits

/** Cases per table entry (fixed seeds); the first `ORDER2_RUNS` also compare second order. */
const RUNS = Number(process.env.WEBGPU_GRAD_RUNS ?? 6);
const ORDER2_RUNS = Number(process.env.WEBGPU_GRADGRAD_RUNS ?? 2);

// ---- tolerances -----------------------------------------------------------------------------------
interface Tol { atol: number; rtol: number }
/** Both sides are float32; differences come from summation order (GPU tree reductions and tiled
 *  matmul vs the CPU's sequential loops) and from WGSL builtins being a few ulp off libm. */
const DEFAULT_TOL: Tol = { atol: 1e-5, rtol: 1e-4 };
const TOL: Partial<Record<string, Tol>> = {
  // The second-order term of layerNorm scales like 1/σ³ and cancels: the table normalises rows of
  // 2–3 elements whose σ can be ≈ 0.06, where float32 itself is ~1e-3 relative off float64 (the
  // CPU's float32 run gives 0.024406 against float64's 0.024381 on the worst case). Both float32
  // runs sit that far from the truth in different roundings, so the relative part is 1e-3 here.
  layerNorm: { atol: 1e-5, rtol: 1e-3 },
};
const tolFor = (name: string): Tol => TOL[name] ?? DEFAULT_TOL;
/** Tolerances of the at-scale cases (LARGE below), where they differ from TOL / the default. */
const LARGE_TOL: Partial<Record<string, Tol>> = {};

// ---- host data ------------------------------------------------------------------------------------
const numel = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);
const uniform = (seed: number, n: number): Float32Array => {
  const r = prng(seed);
  return Float32Array.from({ length: n }, () => r() * 2 - 1);
};
const hostF32 = (shape: readonly number[], seed: number): Tensor => T.tensor(uniform(seed, numel(shape)), { shape: [...shape], backend: 'cpu' });
const hostInts = (shape: readonly number[], r: () => number, hi: number): Tensor =>
  T.tensor(Int32Array.from({ length: numel(shape) }, () => Math.floor(r() * hi)), { dtype: 'int32', shape: [...shape], backend: 'cpu' });
const hash = (s: string): number => [...s].reduce((h, ch) => (Math.imul(h, 31) + ch.charCodeAt(0)) >>> 0, 7);

// ---- ports: table entries whose fn makes CPU / float64 constants -----------------------------------
type Fn = Case['fn'];
interface Port {
  /** what replaces the table's fn; `k` = the constants, already on the run's backend */
  fn: (k: Tensor[]) => Fn;
  /** host (CPU) constants, moved to each backend before the run */
  consts: Tensor[];
  label: string;
}
const PORTS: Partial<Record<string, (c: Case, r: () => number) => Port>> = {
  // the table casts float32 → float64 and back; WebGPU has one float dtype, so the differentiable
  // cast is float32 → float32 here (its VJP casts the gradient back to the input dtype)
  cast: (c) => ({ label: `${c.label} (float32 only)`, consts: [], fn: () => (x: Variable) => x.cast('float32').mul(3).cast('float32') }),
  // the table multiplies by a float64 scalar made inside fn
  flatten: (c, r) => {
    const s = c.inputs[0].shape;
    return { label: c.label, consts: [hostF32([], hash(c.label) + Math.floor(r() * 1e6))], fn: ([w]) => (x: Variable) => x.flatten(Math.min(1, s.length - 1)).mul(w) };
  },
  // target: a new leading axis of 2 and every size-1 axis expanded to 3; times a weight of that shape
  expand: (c, r) => {
    const target = [2, ...c.inputs[0].shape.map((d) => (d === 1 ? 3 : d))];
    return { label: `expand [${c.inputs[0].shape}] → [${target}]`, consts: [hostF32(target, Math.floor(r() * 1e6))], fn: ([w]) => (x: Variable) => x.expand(target).mul(w) };
  },
  broadcastTo: (c, r) => {
    const target = [2, ...c.inputs[0].shape];
    return { label: c.label, consts: [hostF32(target, Math.floor(r() * 1e6))], fn: ([w]) => (x: Variable) => x.broadcastTo(target).mul(w) };
  },
  // index (…, n, …) along a random axis, values < x.shape[axis]; times a weight of the index shape
  gather: (c, r) => {
    const s = c.inputs[0].shape;
    const a = Math.floor(r() * s.length);
    const is = s.map((d, i) => (i === a ? 1 + Math.floor(r() * 3) : d));
    return {
      label: `gather [${s}] axis ${a} index [${is}]`, consts: [hostInts(is, r, s[a]), hostF32(is, Math.floor(r() * 1e6))],
      fn: ([idx, w]) => (x: Variable) => x.gather(a, idx).mul(w),
    };
  },
  // inputs x (…, A, …) and src (…, N, …) from the table; the axis is where their shapes differ
  scatterAdd: (c, r) => {
    const [s, is] = [c.inputs[0].shape, c.inputs[1].shape];
    const diff = s.findIndex((d, i) => d !== is[i]);
    const a = diff >= 0 ? diff : Math.floor(r() * s.length);
    return {
      label: `scatterAdd [${s}] axis ${a} index [${is}]`, consts: [hostInts(is, r, s[a])],
      fn: ([idx]) => (x: Variable, src: Variable) => x.scatterAdd(a, idx, src).square(),
    };
  },
  indexSelect: (c, r) => {
    const s = c.inputs[0].shape;
    const a = Math.floor(r() * s.length);
    const n = 1 + Math.floor(r() * 4);
    return { label: `indexSelect [${s}] axis ${a} ids ${n}`, consts: [hostInts([n], r, s[a])], fn: ([idx]) => (x: Variable) => x.indexSelect(a, idx).exp() };
  },
  embedding: (c, r) => {
    const [v] = c.inputs[0].shape;
    const ids = r() < 0.5 ? [1 + Math.floor(r() * 4)] : [2, 1 + Math.floor(r() * 3)];
    return { label: `embedding [${c.inputs[0].shape}] ids [${ids}]`, consts: [hostInts(ids, r, v)], fn: ([idx]) => (w: Variable) => ops.embedding(w, idx).sin() };
  },
  // labels with one ignored row (-100), as in the table
  crossEntropy: (c, r) => {
    const [n, k] = c.inputs[0].shape;
    const lab = T.tensor(Int32Array.from({ length: n }, (_, i) => (i === 0 ? -100 : Math.floor(r() * k))), { dtype: 'int32', backend: 'cpu' });
    const reduction = (['mean', 'sum', 'none'] as const)[Math.floor(r() * 3)];
    return { label: `crossEntropy [${n},${k}] ${reduction}`, consts: [lab], fn: ([y]) => (z: Variable) => losses.crossEntropy(z, y, { reduction }) };
  },
};

// ---- at scale: the table's shapes are tiny (axes of 1–3), so some entries get a few larger cases that
// reach the GPU paths small inputs never take: multi-workgroup and two-pass reductions (outer < 64,
// inner > 8192), fused softmax rows, several 64×64 matmul tiles with ragged K, CAS scatterAdd with
// duplicate indices (embedding/indexSelect backward), chunked top-k (rows > 4096).
interface Big {
  label: string;
  inputs: Tensor[];
  consts?: Tensor[];
  fn: (k: Tensor[]) => Fn;
}
const big = (label: string, shapes: number[][], fn: (k: Tensor[]) => Fn, consts: Tensor[] = []): Big =>
  ({ label, inputs: shapes.map((s, i) => hostF32(s, hash(label) + i)), consts, fn });
const noK = (f: Fn) => () => f;
const LARGE: Partial<Record<string, () => Big[]>> = {
  sum: () => [
    big('sum [3,20000] axis 1 (two-pass)', [[3, 20000]], noK((x) => x.sum(1))),
    big('sum [70,300] all', [[70, 300]], noK((x) => x.sum())),
  ],
  mean: () => [big('mean [64,300] axis 1', [[64, 300]], noK((x) => x.mean(1)))],
  max: () => [big('max [5,10000] axis 1 (two-pass)', [[5, 10000]], noK((x) => x.max(1))), big('max [300,40] axis 0', [[300, 40]], noK((x) => x.max(0)))],
  min: () => [big('min [200,77] axis 1', [[200, 77]], noK((x) => x.min(1, true)))],
  variance: () => [big('variance [4,9000] axis 1', [[4, 9000]], noK((x) => x.variance(1)))],
  norm: () => [big('norm p2 [128,257] axis 1', [[128, 257]], noK((x) => x.norm(2, 1))), big('norm p1 [3,10000] all', [[3, 10000]], noK((x) => x.norm(1)))],
  logsumexp: () => [big('logsumexp [3,12000] axis 1', [[3, 12000]], noK((x) => x.logsumexp(1)))],
  softmax: () => [big('softmax [40,1000] axis -1 (fused)', [[40, 1000]], noK((x) => x.mul(4).softmax(-1))), big('softmax [300,20] axis 0', [[300, 20]], noK((x) => x.softmax(0)))],
  logSoftmax: () => [big('logSoftmax [40,1000] axis -1 (fused)', [[40, 1000]], noK((x) => x.mul(4).logSoftmax(-1)))],
  normalize: () => [big('normalize p2 [50,300] axis -1', [[50, 300]], noK((x) => x.normalize(2, -1))), big('normalize p1 [300,50] axis 0', [[300, 50]], noK((x) => x.normalize(1, 0)))],
  matmul: () => [
    big('matmul [2,70,90] @ [90,65]', [[2, 70, 90], [90, 65]], noK((a, b) => a.matmul(b))),
    big('matmul [130,33]ᵀ @ [130,70]', [[130, 33], [130, 70]], noK((a, b) => a.transpose(0, 1).matmul(b))),
  ],
  rmsNorm: () => [big('rmsNorm [2,33,256]', [[2, 33, 256], [256]], noK((x, w) => nn.rmsNorm(x, w, 1e-6)))],
  layerNorm: () => [big('layerNorm [66,257]', [[66, 257], [257], [257]], noK((x, w, b) => nn.layerNorm(x, w, b, 1e-5)))],
  crossEntropy: () => {
    const r = prng(5);
    const lab = T.tensor(Int32Array.from({ length: 64 }, (_, i) => (i % 9 === 0 ? -100 : Math.floor(r() * 1000))), { dtype: 'int32', backend: 'cpu' });
    return [big('crossEntropy [64,1000] mean', [[64, 1000]], ([y]) => (z: Variable) => losses.crossEntropy(z.mul(3), y), [lab])];
  },
  embedding: () => [big('embedding [500,32] ids [4,128] (duplicates)', [[500, 32]], ([ids]) => (w: Variable) => ops.embedding(w, ids).sin(), [hostInts([4, 128], prng(6), 500)])],
  indexSelect: () => [big('indexSelect [100,24] axis 0, 300 ids', [[100, 24]], ([ids]) => (x: Variable) => x.indexSelect(0, ids).exp(), [hostInts([300], prng(7), 100)])],
  scatterAdd: () => [big('scatterAdd [50,16] ← src [400,16] axis 0', [[50, 16], [400, 16]], ([idx]) => (x: Variable, s: Variable) => x.scatterAdd(0, idx, s).square(), [hostInts([400, 16], prng(8), 50)])],
  gather: () => [big('gather [8,2000] axis 1 index [8,500]', [[8, 2000]], ([idx]) => (x: Variable) => x.gather(1, idx).exp(), [hostInts([8, 500], prng(9), 2000)])],
  topk: () => [
    big('topk [4,5000] k 8 (chunked)', [[4, 5000]], noK((x) => x.topk(8, -1).values.square())),
    big('topk [300,16] k 20 axis 0', [[300, 16]], noK((x) => x.topk(20, 0).values.square())),
  ],
  bceWithLogits: () => [big('bceWithLogits [64,100]', [[64, 100], [64, 100]], noK((x, y) => losses.bceWithLogits(x.mul(3), y.abs(), { posWeight: 2 })))],
  mse: () => [big('mse [128,64]', [[128, 64], [128, 64]], noK((a, b) => losses.mse(a, b)))],
};

// ---- one run on one backend ---------------------------------------------------------------------------
interface Result {
  outs: Float32Array[];
  grads: Float32Array[];
  grads2: Float32Array[];
}
const asList = (y: Variable | Variable[]): Variable[] => (Array.isArray(y) ? y : [y]);
const toF32 = (a: ArrayLike<number>): Float32Array => (a instanceof Float32Array ? a : Float32Array.from(a));

/** Runs `fn` on `backend` with host inputs (float → float32) and returns outputs, first-order
 *  gradients of Σ r·y and (if `order2`) the second-order term, all read back to the host. */
async function runOn(backend: string, makeFn: (k: Tensor[]) => Fn, host: Tensor[], consts: Tensor[], seed: number, order2: boolean): Promise<Result> {
  return T.scope(async () => {
    const move = async (t: Tensor): Promise<Tensor> => (backend === 'cpu' ? t : t.toBackend(backend));
    const xs = await Promise.all(host.map(move));
    const k = await Promise.all(consts.map(move));
    const fn = makeFn(k);
    const leaves = xs.map((t) => new Variable(t, { requiresGrad: isFloatDType(t.dtype) }));
    const wrt = leaves.filter((v) => v.requiresGrad);
    const ys = asList(fn(...leaves));
    for (const y of ys) assert.equal(y.value.backend, backend, `output computed on ${backend}`);
    const dys = ys.filter((y) => y.requiresGrad);
    const seeds = dys.map((y, i) => T.tensor(uniform(seed + 11 * i, y.size), { shape: [...y.shape], backend }));
    const res: Result = { outs: [], grads: [], grads2: [] };
    for (const y of ys) res.outs.push(toF32(await y.value.data()));
    if (dys.length === 0) return res;
    const gs = grad(dys, wrt, { gradOutputs: seeds, allowUnused: true, createGraph: order2 });
    for (const g of gs) {
      assert.equal(g.value.backend, backend, `gradient computed on ${backend}`);
      res.grads.push(toF32(await g.value.data()));
    }
    if (order2) {
      // Σ_i v_i·g_i, differentiated again (each VJP's own differentiability, as gradgradcheck)
      let total: Variable | null = null;
      gs.forEach((g, i) => {
        const v = T.tensor(uniform(seed + 101 + 7 * i, g.size), { shape: [...g.shape], backend });
        const term = g.mul(v).sum();
        total = total ? total.add(term) : term;
      });
      if (total && (total as Variable).requiresGrad) {
        for (const h of grad(total, wrt, { allowUnused: true })) res.grads2.push(toF32(await h.value.data()));
      }
    }
    return res;
  });
}

// ---- comparison -------------------------------------------------------------------------------------
interface Worst { what: string; index: number; got: number; want: number; score: number; abs: number }
function compare(what: string, got: Float32Array, want: Float32Array, tol: Tol, worst: { w: Worst | null; maxAbs: number; maxRel: number }): void {
  assert.equal(got.length, want.length, `${what}: length`);
  for (let i = 0; i < want.length; i++) {
    const g = got[i], w = want[i];
    if (Number.isNaN(w) || Number.isNaN(g)) {
      assert.ok(Number.isNaN(w) && Number.isNaN(g), `${what}[${i}]: ${BACKEND} ${g}, cpu ${w}`);
      continue;
    }
    const d = Math.abs(g - w);
    const score = d / (tol.atol + tol.rtol * Math.abs(w));
    worst.maxAbs = Math.max(worst.maxAbs, d);
    if (Math.abs(w) > tol.atol) worst.maxRel = Math.max(worst.maxRel, d / Math.abs(w));
    if (!worst.w || score > worst.w.score) worst.w = { what, index: i, got: g, want: w, score, abs: d };
  }
}

// ---- the tests ---------------------------------------------------------------------------------------
const covered = new Map<string, { cases: number; grads: number; grads2: number }>();
const coveredLarge = new Set<string>();
const summary: string[] = [];
type Stats = { w: Worst | null; maxAbs: number; maxRel: number };
type Cov = { cases: number; grads: number; grads2: number };

/** Runs one case on both backends and folds the comparison into `stats` / `cov`. */
async function compareCase(label: string, makeFn: (k: Tensor[]) => Fn, host: Tensor[], consts: Tensor[], seed: number, order2: boolean, tol: Tol, stats: Stats, cov: Cov): Promise<void> {
  const cpu = await runOn('cpu', makeFn, host, consts, seed, order2);
  const gpu = await runOn(BACKEND, makeFn, host, consts, seed, order2);
  assert.equal(gpu.outs.length, cpu.outs.length, `${label}: number of outputs`);
  gpu.outs.forEach((o, i) => compare(`${label}: output ${i}`, o, cpu.outs[i], tol, stats));
  assert.equal(gpu.grads.length, cpu.grads.length, `${label}: number of gradients`);
  gpu.grads.forEach((g, i) => compare(`${label}: d/dx${i}`, g, cpu.grads[i], tol, stats));
  assert.equal(gpu.grads2.length, cpu.grads2.length, `${label}: number of second-order gradients`);
  gpu.grads2.forEach((g, i) => compare(`${label}: second order d/dx${i}`, g, cpu.grads2[i], tol, stats));
  cov.cases++;
  cov.grads += gpu.grads.length;
  cov.grads2 += gpu.grads2.length;
}

function report(name: string, tol: Tol, stats: Stats, cov: Cov): void {
  const w = stats.w;
  const line = `${name}: ${cov.cases} cases, ${cov.grads} grads, ${cov.grads2} 2nd-order; max abs ${stats.maxAbs.toExponential(2)}, max rel ${stats.maxRel.toExponential(2)}` +
    (w ? `; worst ${w.what}[${w.index}] ${BACKEND} ${w.got} cpu ${w.want} (${(w.score * 100).toFixed(1)}% of tol)` : '');
  summary.push(line);
  assert.ok(!w || w.score <= 1, `${name} exceeds atol ${tol.atol} + rtol ${tol.rtol}: ${line}`);
  assert.ok(cov.grads > 0, `${name}: no gradient was compared`);
}

for (const [name, gen] of Object.entries(TABLE)) {
  test(`${BACKEND} vs cpu gradients: ${name}`, { skip: why ? `no ${BACKEND} backend: ${why}` : false }, async () => {
    const tol = tolFor(name);
    const cases = fc.sample(gen, { seed: hash(name), numRuns: RUNS });
    const stats: Stats = { w: null, maxAbs: 0, maxRel: 0 };
    const cov: Cov = { cases: 0, grads: 0, grads2: 0 };
    for (const [ci, c] of cases.entries()) {
      const seed = hash(name) + 1000 * ci;
      const port = PORTS[name]?.(c, prng(seed));
      // float64 → float32 on the host: both backends start from the same float32 values
      const host = c.inputs.map((t) => (t.dtype === 'float64' ? T.cast(t, 'float32') : t));
      const consts = port?.consts ?? [];
      await compareCase(port?.label ?? c.label, port ? port.fn : () => c.fn, host, consts, seed, ci < ORDER2_RUNS && !c.noGradGrad, tol, stats, cov);
      for (const t of [...c.inputs, ...host, ...consts]) t.dispose();
    }
    report(name, tol, stats, cov);
    covered.set(name, cov);
  });
}

for (const [name, make] of Object.entries(LARGE)) {
  test(`${BACKEND} vs cpu gradients at scale: ${name}`, { skip: why ? `no ${BACKEND} backend: ${why}` : false }, async () => {
    const tol = LARGE_TOL[name] ?? tolFor(name);
    const stats: Stats = { w: null, maxAbs: 0, maxRel: 0 };
    const cov: Cov = { cases: 0, grads: 0, grads2: 0 };
    for (const b of make!()) {
      const consts = b.consts ?? [];
      await compareCase(b.label, b.fn, b.inputs, consts, hash(b.label), true, tol, stats, cov);
      for (const t of [...b.inputs, ...consts]) t.dispose();
    }
    report(`${name} (at scale)`, tol, stats, cov);
    coveredLarge.add(name);
  });
}

test(`every gradcheck table entry was compared on ${BACKEND} (no silent gaps)`, { skip: why ? `no ${BACKEND} backend: ${why}` : false }, () => {
  console.log(summary.map((l) => `# ${l}`).join('\n'));
  const stalePorts = Object.keys(PORTS).filter((k) => !(k in TABLE));
  assert.deepEqual(stalePorts, [], `PORTS entries without a table entry: ${stalePorts.join(', ')}`);
  const staleTol = [...Object.keys(TOL), ...Object.keys(LARGE), ...Object.keys(LARGE_TOL)].filter((k) => !(k in TABLE));
  assert.deepEqual(staleTol, [], `TOL/LARGE entries without a table entry: ${staleTol.join(', ')}`);
  const missing = Object.keys(TABLE).filter((k) => !covered.has(k));
  assert.deepEqual(missing, [], `table entries not compared on ${BACKEND}: ${missing.join(', ')}`);
  const missingLarge = Object.keys(LARGE).filter((k) => !coveredLarge.has(k));
  assert.deepEqual(missingLarge, [], `at-scale cases that did not run: ${missingLarge.join(', ')}`);
  assert.ok(Object.keys(TABLE).length > 50, `the table has only ${Object.keys(TABLE).length} entries: import broken?`);
});
