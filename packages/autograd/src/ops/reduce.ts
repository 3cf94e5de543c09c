// Reductions and normalisations. `axes` undefined = all axes. In the vjps, `gk` is the output
// gradient brought back to keepDim shape, so it broadcasts against the input.

import * as T from '@avey/tensor';
import { Variable, record } from '../variable.js';
import { firstOrderKernel } from '../grad-mode.js';
import { div, exp, mul, sign, sub, where } from './elementwise.js';
import { scatterAdd } from './indexing.js';
import { expand, permute, reshape } from './shape.js';
import { keepDimShape, normAxes, restoreDims } from './util.js';

type Axes = number | readonly number[] | undefined;
const count = (shape: readonly number[], axes: readonly number[]) => axes.reduce((n, a) => n * shape[a], 1);

// d sum = g broadcast back over the reduced axes
export function sum(x: Variable, axes?: Axes, keepDim = false): Variable {
  const ax = normAxes(axes, x.rank, 'sum');
  return record('sum', T.sum(x.value, axes, keepDim), [x], (g) => [expand(restoreDims(g, x.shape, ax, keepDim), x.shape)]);
}

// d mean = g/n broadcast back
export function mean(x: Variable, axes?: Axes, keepDim = false): Variable {
  const ax = normAxes(axes, x.rank, 'mean');
  const n = count(x.shape, ax);
  return record('mean', T.mean(x.value, axes, keepDim), [x], (g) => [expand(div(restoreDims(g, x.shape, ax, keepDim), n), x.shape)]);
}

// Var = Σ(x - mean)² / (n - correction)   (composed; differentiable through its parts)
export function variance(x: Variable, axes?: Axes, keepDim = false, correction = 0): Variable {
  const ax = normAxes(axes, x.rank, 'variance');
  const d = sub(x, mean(x, ax, true));
  return div(sum(mul(d, d), ax, keepDim), count(x.shape, ax) - correction);
}

/** max/min over any axes: several axes are moved last and flattened, then reduced as one. */
function extremum(kind: 'max' | 'min', x: Variable, axes: Axes, keepDim: boolean): Variable {
  const ax = normAxes(axes, x.rank, kind);
  if (x.rank === 0) return reshape(x, []);
  if (ax.length === 1) return extremumAxis(kind, x, ax[0], keepDim);
  const rest = x.shape.map((_, i) => i).filter((i) => !ax.includes(i));
  const moved = reshape(permute(x, [...rest, ...ax]), [...rest.map((i) => x.shape[i]), count(x.shape, ax)]);
  const r = extremumAxis(kind, moved, rest.length, false);
  return keepDim ? reshape(r, keepDimShape(x.shape, ax)) : r;
}

// d max_axis x = g sent to the first argmax along the axis (ties → lowest index), 0 elsewhere:
//   dx = scatterAdd(0, axis, argmax, gk)
function extremumAxis(kind: 'max' | 'min', x: Variable, axis: number, keepDim: boolean): Variable {
  const value = kind === 'max' ? T.max(x.value, axis, keepDim) : T.min(x.value, axis, keepDim);
  return record(kind, value, [x], (g) => {
    const arg = kind === 'max' ? T.argmax(x.value, axis) : T.argmin(x.value, axis);
    const idx = T.unsqueeze(arg, axis);                         // keepDim shape, int32
    const gk = restoreDims(g, x.shape, [axis], keepDim);
    return [scatterAdd(new Variable(T.zerosLike(x.value)), axis, idx, gk)];
  });
}

export const max = (x: Variable, axes?: Axes, keepDim = false): Variable => extremum('max', x, axes, keepDim);
export const min = (x: Variable, axes?: Axes, keepDim = false): Variable => extremum('min', x, axes, keepDim);

// ‖x‖₂: dx = gk·x/‖x‖ (0 where ‖x‖ = 0);  ‖x‖₁: dx = gk·sign(x)
export function norm(x: Variable, p: 1 | 2 = 2, axes?: Axes, keepDim = false): Variable {
  const ax = normAxes(axes, x.rank, 'norm');
  const out: Variable = record('norm', T.norm(x.value, p, axes, keepDim), [x], (g) => {
    const gk = restoreDims(g, x.shape, ax, keepDim);
    if (p === 1) return [mul(gk, sign(x))];
    const nk = restoreDims(out, x.shape, ax, keepDim);
    const safe = where(T.eq(nk.value, 0), 1, nk);
    return [mul(gk, div(x, safe))];
  });
  return out;
}

// d logsumexp = gk·exp(x - lse)   (= gk·softmax over the reduced axes)
export function logsumexp(x: Variable, axes?: Axes, keepDim = false): Variable {
  const ax = normAxes(axes, x.rank, 'logsumexp');
  const out: Variable = record('logsumexp', T.logsumexp(x.value, axes, keepDim), [x], (g) => {
    const gk = restoreDims(g, x.shape, ax, keepDim);
    return [mul(gk, exp(sub(x, restoreDims(out, x.shape, ax, keepDim))))];
  });
  return out;
}

// y = softmax(x): dx = y·(g - Σ_axis g·y)   (a first-order backward along the last axis uses the
// backend's fused 'softmaxGrad' kernel when it has one)
export function softmax(x: Variable, axis = -1): Variable {
  const last = axis === -1 || axis === x.rank - 1;
  const out: Variable = record('softmax', T.softmax(x.value, axis), [x], (g) => {
    const fused = last ? firstOrderKernel('softmaxGrad', x.backend) : undefined;
    if (fused && g.dtype === out.dtype) return [new Variable(fused(out.value, g.value))];
    return [mul(out, sub(g, sum(mul(g, out), axis, true)))];
  });
  return out;
}

// y = logSoftmax(x): dx = g - exp(y)·Σ_axis g
export function logSoftmax(x: Variable, axis = -1): Variable {
  const out: Variable = record('logSoftmax', T.logSoftmax(x.value, axis), [x], (g) => [sub(g, mul(exp(out), sum(g, axis, true)))]);
  return out;
}

// y = x / d, d = max(‖x‖_p, eps) along axis (torch F.normalize).
//   dx = (g - [‖x‖ > eps]·u·Σ_axis g·y) / d,  u = y (p = 2) or sign(x) (p = 1)
export function normalize(x: Variable, p: 1 | 2 = 2, axis = -1, eps = 1e-12): Variable {
  const out: Variable = record('normalize', T.normalize(x.value, p, axis, eps), [x], (g) => {
    const n = norm(x, p, axis, true);
    const d = where(T.gt(n.value, eps), n, eps);
    const active = new Variable(T.cast(T.gt(n.value, eps), g.dtype));
    const s = mul(sum(mul(g, out), axis, true), active);
    const u = p === 2 ? out : sign(x);
    return [div(sub(g, mul(u, s)), d)];
  });
  return out;
}

export const argmax = (x: Variable, axis?: number, keepDim = false): Variable => new Variable(T.argmax(x.value, axis, keepDim));
export const argmin = (x: Variable, axis?: number, keepDim = false): Variable => new Variable(T.argmin(x.value, axis, keepDim));

