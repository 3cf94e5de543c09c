// Finite-difference gradient checks, in float64 on the CPU backend.
//
// For f: inputs → output(s), draw a fixed random cotangent r (same shape as each output) and
// compare, for every element x_j of every checked input,
//   analytic:  (∂/∂x_j) Σ r·f(x)          (one backward pass with gradOutputs = r)
//   numeric:   (Σ r·f(x + ε e_j) − Σ r·f(x − ε e_j)) / 2ε
// |analytic − numeric| ≤ atol + rtol·|numeric| must hold everywhere.
// gradgradcheck applies the same check to x ↦ Σ v·∂(Σ r·f)/∂x computed with createGraph.

import * as T from '@avey/tensor';
import { AveyError, mulberry32 as rng, type Tensor } from '@avey/tensor';
import { grad } from './engine.js';
import { Variable, isFloatDType } from './variable.js';

export interface GradcheckOptions {
  eps?: number;
  atol?: number;
  rtol?: number;
  /** Seed of the random cotangents. */
  seed?: number;
}

export interface GradcheckResult {
  ok: boolean;
  /** Largest |analytic − numeric| over all checked elements. */
  maxAbsError: number;
  /** Elements checked. */
  checked: number;
  /** Human-readable description of the first failures (empty when ok). */
  message: string;
}

type Fn = (...xs: Variable[]) => Variable | Variable[];

const f64 = (data: Float64Array, shape: readonly number[]) => T.tensor(data, { dtype: 'float64', shape: [...shape], backend: 'cpu' });

function toCpu64(x: Variable | Tensor): { t: Tensor; check: boolean } {
  const v = x instanceof Variable ? x.value : x;
  if (v.backend !== 'cpu') {
    throw new AveyError('gradcheck', `inputs must live on the cpu backend (got '${v.backend}' for shape [${v.shape.join(',')}]); move them with await t.toBackend('cpu')`);
  }
  const onCpu = v;
  if (!isFloatDType(v.dtype)) return { t: onCpu, check: false };
  const t = onCpu.dtype === 'float64' ? onCpu : T.cast(onCpu, 'float64');
  return { t, check: x instanceof Variable ? x.requiresGrad : true };
}

const asList = (y: Variable | Variable[]) => (Array.isArray(y) ? y : [y]);

/** Σ_k Σ r_k·y_k in float64 on the host. */
function contract(ys: Variable[], rs: Float64Array[]): number {
  let s = 0;
  ys.forEach((y, k) => {
    const d = y.value.dataSync();
    for (let i = 0; i < d.length; i++) s += d[i] * rs[k][i];
  });
  return s;
}

export function gradcheck(fn: Fn, inputs: readonly (Variable | Tensor)[], opts: GradcheckOptions = {}): GradcheckResult {
  const eps = opts.eps ?? 1e-6, atol = opts.atol ?? 1e-5, rtol = opts.rtol ?? 1e-3;
  return T.scope(() => {
    const prepared = inputs.map(toCpu64);
    const leaves = prepared.map(({ t, check }) => new Variable(t, { requiresGrad: check }));
    const checked = leaves.filter((v) => v.requiresGrad);
    const ys = asList(fn(...leaves));
    const rand = rng(opts.seed ?? 1234);
    const rs = ys.map((y) => Float64Array.from({ length: y.size }, () => rand() * 2 - 1));
    const analytic = checked.length === 0 || !ys.some((y) => y.requiresGrad)
      ? checked.map((v) => new Float64Array(v.size))
      : grad(ys.filter((y) => y.requiresGrad), checked, {
          gradOutputs: ys.filter((y) => y.requiresGrad).map((y) => f64(rs[ys.indexOf(y)], y.shape)),
          allowUnused: true,
        }).map((g) => Float64Array.from(g.value.dataSync()));

    const failures: string[] = [];
    let maxAbs = 0, count = 0;
    checked.forEach((leaf, ci) => {
      const base = Float64Array.from(leaf.value.dataSync());
      const k = leaves.indexOf(leaf);
      // constants only: nothing is recorded
      const evalAt = (data: Float64Array) => T.scope(() => {
        const args = leaves.map((v, i) => new Variable(i === k ? f64(data, leaf.shape) : v.value));
        return contract(asList(fn(...args)), rs);
      });
      for (let j = 0; j < base.length; j++) {
        const x = base[j];
        base[j] = x + eps; const fp = evalAt(base);
        base[j] = x - eps; const fm = evalAt(base);
        base[j] = x;
        const num = (fp - fm) / (2 * eps);
        const ana = analytic[ci][j];
        const err = Math.abs(ana - num);
        count++;
        if (!(err <= maxAbs)) maxAbs = Number.isNaN(err) ? NaN : Math.max(maxAbs, err);
        if (!(err <= atol + rtol * Math.abs(num)) && failures.length < 5) {
          failures.push(`input ${k} [${leaf.shape.join(',')}] element ${j}: analytic ${ana}, numeric ${num}`);
        }
      }
    });
    return {
      ok: failures.length === 0,
      maxAbsError: maxAbs,
      checked: count,
      message: failures.length === 0 ? '' : `gradcheck failed (eps ${eps}, atol ${atol}, rtol ${rtol}):\n  ${failures.join('\n  ')}`,
    };
  });
}

/** Second-order check: gradcheck of x ↦ Σ_i v_i·∂(Σ r·f)/∂x_i, where the inner gradient is
 *  computed with createGraph (so it exercises every vjp's own differentiability). */
export function gradgradcheck(fn: Fn, inputs: readonly (Variable | Tensor)[], opts: GradcheckOptions = {}): GradcheckResult {
  const rand = rng((opts.seed ?? 1234) + 1);
  let rs: Float64Array[] | null = null;
  let vs: Float64Array[] | null = null;
  let mask: boolean[] | null = null;
  const h = (...args: Variable[]): Variable => {
    // The first call (analytic pass) fixes which inputs are differentiated; the numeric passes
    // get constants, which become fresh leaves here so the inner grad() has something to do.
    mask ??= args.map((x) => x.requiresGrad);
    const xs = args.map((x, i) => (mask![i] && !x.requiresGrad ? new Variable(x.value, { requiresGrad: true }) : x));
    const ys = asList(fn(...xs)).filter((y) => y.requiresGrad);
    const wrt = xs.filter((_, i) => mask![i]);
    rs ??= ys.map((y) => Float64Array.from({ length: y.size }, () => rand() * 2 - 1));
    vs ??= wrt.map((x) => Float64Array.from({ length: x.size }, () => rand() * 2 - 1));
    const seeds = ys.map((y, k) => f64(rs![k], y.shape));
    const gs = grad(ys, wrt, { gradOutputs: seeds, createGraph: true, allowUnused: true });
    let total: Variable | null = null;
    gs.forEach((g, i) => {
      const term = g.mul(new Variable(f64(vs![i], g.shape))).sum();
      total = total ? total.add(term) : term;
    });
    return total ?? new Variable(T.zeros([], { dtype: 'float64', backend: 'cpu' }));
  };
  return gradcheck(h, inputs, opts);
}
