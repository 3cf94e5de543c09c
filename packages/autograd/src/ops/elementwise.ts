// Elementwise ops. Each forward calls the @avey/tensor op; each vjp is written in Variable ops
// (so it is itself differentiable). `g` is the output gradient, `out` the output Variable.
// Binary ops broadcast (NumPy); their gradients are summed back with `unbroadcast`.

import * as T from '@avey/tensor';
import { AveyError, type DType, type Tensor } from '@avey/tensor';
import { Variable, record, isFloatDType, type VarLike } from '../variable.js';
import { lift, unbroadcast, val } from './util.js';
import { firstOrderKernel, isGradEnabled } from '../grad-mode.js';

type Operand = Variable | number;

/** Forward operands of a binary op: a number next to a Variable stays a weak scalar; a number in
 *  first position becomes a 0-d tensor of the other operand's dtype. */
function operands(a: VarLike, b: VarLike, op: string): [Operand, Operand] {
  const x = lift(a);
  const y = lift(b);
  if (typeof x === 'number' && typeof y === 'number') throw new AveyError(op, 'needs at least one tensor operand');
  if (typeof x === 'number') return [new Variable(T.full([], x, { dtype: (y as Variable).dtype, backend: (y as Variable).backend })), y];
  return [x, y];
}

const vars = (...xs: Operand[]): Variable[] => xs.filter((x): x is Variable => typeof x !== 'number');

/** Record a binary op whose vjp gives (da, db) at the broadcast shape; unbroadcast is applied here. */
function binary(op: string, value: Tensor, x: Operand, y: Operand, vjp: (g: Variable, needA: boolean, needB: boolean) => [Variable | null, Variable | null]): Variable {
  const inputs = vars(x, y);
  return record(op, value, inputs, (g, needs) => {
    const needA = typeof x !== 'number' && needs[0];
    const needB = typeof y !== 'number' && needs[typeof x === 'number' ? 0 : 1];
    const [da, db] = vjp(g, needA, needB);
    const res: (Variable | null)[] = [];
    if (typeof x !== 'number') res.push(da && needA ? unbroadcast(da, x.shape) : null);
    if (typeof y !== 'number') res.push(db && needB ? unbroadcast(db, y.shape) : null);
    return res;
  });
}

function unary(op: string, x: Variable, value: Tensor, vjp: (g: Variable, out: Variable) => Variable): Variable {
  const out: Variable = record(op, value, [x], (g) => [vjp(g, out)]);
  return out;
}

/** A result that carries no gradient (integer/boolean results, piecewise-constant functions). */
function noGradResult(value: Tensor): Variable {
  return new Variable(value);
}

// ---- binary ------------------------------------------------------------------------------------

// d(a+b) = (g, g)
export function add(a: VarLike, b: VarLike): Variable {
  const [x, y] = operands(a, b, 'add');
  return binary('add', T.add(val(x), val(y)), x, y, (g) => [g, g]);
}

// d(a-b) = (g, -g)
export function sub(a: VarLike, b: VarLike): Variable {
  const [x, y] = operands(a, b, 'sub');
  return binary('sub', T.sub(val(x), val(y)), x, y, (g, _na, nb) => [g, nb ? neg(g) : null]);
}

// d(a·b) = (g·b, g·a)
export function mul(a: VarLike, b: VarLike): Variable {
  const [x, y] = operands(a, b, 'mul');
  return binary('mul', T.mul(val(x), val(y)), x, y, (g, na, nb) => [na ? mul(g, y) : null, nb ? mul(g, x) : null]);
}

// d(a/b) = (g/b, -g·a/b²)
export function div(a: VarLike, b: VarLike): Variable {
  const [x, y] = operands(a, b, 'div');
  return binary('div', T.div(val(x), val(y)), x, y, (g, na, nb) => [
    na ? div(g, y) : null,
    nb ? neg(div(mul(g, x), mul(y, y))) : null,
  ]);
}

// d(a^b) = (g·b·a^(b-1), g·a^b·log a)
export function pow(a: VarLike, b: VarLike): Variable {
  const [x, y] = operands(a, b, 'pow');
  const out: Variable = binary('pow', T.pow(val(x), val(y)), x, y, (g, na, nb) => [
    na ? mul(g, mul(y, pow(x, typeof y === 'number' ? y - 1 : sub(y, 1)))) : null,
    nb ? mul(g, mul(out, log(x as Variable))) : null,
  ]);
  return out;
}

// d max(a,b) = g to the larger operand; ties split the gradient equally (torch).
export function maximum(a: VarLike, b: VarLike): Variable {
  const [x, y] = operands(a, b, 'maximum');
  return binary('maximum', T.maximum(val(x), val(y)), x, y, (g) => selectGrad(g, x, y, 'gt'));
}

// d min(a,b) = g to the smaller operand; ties split equally.
export function minimum(a: VarLike, b: VarLike): Variable {
  const [x, y] = operands(a, b, 'minimum');
  return binary('minimum', T.minimum(val(x), val(y)), x, y, (g) => selectGrad(g, x, y, 'lt'));
}

function selectGrad(g: Variable, x: Operand, y: Operand, cmp: 'gt' | 'lt'): [Variable, Variable] {
  // wa = [a ≻ b] + ½[a = b], wb = 1 - wa (computed on values: the weights are piecewise constant)
  const xv = val(x), yv = val(y);
  const first = T.cast(cmp === 'gt' ? T.gt(xv, yv) : T.lt(xv, yv), g.dtype);
  const tie = T.mul(T.cast(T.eq(xv, yv), g.dtype), 0.5);
  const wa = T.add(first, tie);
  const wb = T.sub(1, wa);
  return [mul(g, new Variable(wa)), mul(g, new Variable(wb))];
}

// ---- unary -------------------------------------------------------------------------------------

export const neg = (x: Variable): Variable => unary('neg', x, T.neg(x.value), (g) => neg(g));
// d|x| = g·sign(x)  (0 at 0)
export const abs = (x: Variable): Variable => unary('abs', x, T.abs(x.value), (g) => mul(g, new Variable(T.sign(x.value))));
// d exp x = g·exp x
export const exp = (x: Variable): Variable => unary('exp', x, T.exp(x.value), (g, out) => mul(g, out));
// d log x = g/x
export const log = (x: Variable): Variable => unary('log', x, T.log(x.value), (g) => div(g, x));
// d √x = g/(2√x)
export const sqrt = (x: Variable): Variable => unary('sqrt', x, T.sqrt(x.value), (g, out) => div(g, mul(out, 2)));
// d x^-½ = -½·g·x^-3/2 = -½·g·out³
export const rsqrt = (x: Variable): Variable => unary('rsqrt', x, T.rsqrt(x.value), (g, out) => mul(g, mul(pow(out, 3), -0.5)));
// d 1/x = -g/x² = -g·out²
export const reciprocal = (x: Variable): Variable => unary('reciprocal', x, T.reciprocal(x.value), (g, out) => neg(mul(g, square(out))));
// d x² = 2·g·x
export const square = (x: Variable): Variable => unary('square', x, T.square(x.value), (g) => mul(g, mul(x, 2)));
// d sin x = g·cos x
export const sin = (x: Variable): Variable => unary('sin', x, T.sin(x.value), (g) => mul(g, cos(x)));
// d cos x = -g·sin x
export const cos = (x: Variable): Variable => unary('cos', x, T.cos(x.value), (g) => neg(mul(g, sin(x))));
// d tanh x = g·(1 - tanh²x)
export const tanh = (x: Variable): Variable => unary('tanh', x, T.tanh(x.value), (g, out) => mul(g, sub(1, square(out))));
// d σ(x) = g·σ(1-σ)
export const sigmoid = (x: Variable): Variable => unary('sigmoid', x, T.sigmoid(x.value), (g, out) => mul(g, mul(out, sub(1, out))));
// d relu x = g·[x > 0]
export const relu = (x: Variable): Variable => unary('relu', x, T.relu(x.value), (g) => mul(g, new Variable(T.cast(T.gt(x.value, 0), g.dtype))));
// d erf x = g·2/√π·exp(-x²)
export const erf = (x: Variable): Variable => unary('erf', x, T.erf(x.value), (g) => mul(g, mul(exp(neg(square(x))), 2 / Math.sqrt(Math.PI))));
// exact GELU: y = x·Φ(x), Φ(x) = ½(1 + erf(x/√2));  dy = g·(Φ(x) + x·φ(x)), φ(x) = exp(-x²/2)/√(2π)
// When recording, a backend with the fused 'geluWithGrad' kernel computes dy/dx with the forward
// (kept by the node), so a first-order backward is one multiply; else the 'geluGrad' kernel or the
// composition below (always the composition for a recorded backward).
export const gelu = (x: Variable): Variable => {
  const withGrad = x.requiresGrad && isGradEnabled() && x.dtype === 'float32' ? T.getKernel('geluWithGrad', x.backend) : undefined;
  if (!withGrad) return geluUnfused(x);
  const { y, dydx } = withGrad(x.value);
  return record('gelu', y, [x], (g) => [isGradEnabled() || g.dtype !== x.dtype ? geluVjp(x, g) : new Variable(T.mul(g.value, dydx))], [dydx]);
};

const geluUnfused = (x: Variable): Variable => unary('gelu', x, T.gelu(x.value), (g) => {
  const fused = firstOrderKernel('geluGrad', x.backend);
  if (fused && g.dtype === x.dtype) return new Variable(fused(x.value, g.value));
  return geluVjp(x, g);
});

/** g·dy/dx of the exact GELU in differentiable ops: the tensor package's one GELU derivative
 *  (T.geluDerivative), evaluated on Variables. */
export function geluVjp(x: Variable, g: Variable): Variable {
  return mul(g, T.geluDerivative({ add, mul, erf, exp, square }, x).dydx);
}

// d clamp(x, lo, hi) = g·[lo ≤ x ≤ hi]  (torch: the bounds themselves pass the gradient)
export function clamp(x: Variable, lo: number | null, hi: number | null): Variable {
  return unary('clamp', x, T.clamp(x.value, lo ?? -Infinity, hi ?? Infinity), (g) => {
    const inside = T.logicalAnd(T.ge(x.value, lo ?? -Infinity), T.le(x.value, hi ?? Infinity));
    return mul(g, new Variable(T.cast(inside, g.dtype)));
  });
}

// d where(c, a, b) = (where(c, g, 0), where(c, 0, g))
export function where(cond: Variable | Tensor, a: VarLike, b: VarLike): Variable {
  const c = cond instanceof Variable ? cond.value : cond;
  const x = lift(a), y = lift(b);
  const value = T.where(c, val(x), val(y));
  const inputs = vars(x, y);
  return record('where', value, inputs, (g, needs) => {
    const res: (Variable | null)[] = [];
    let k = 0;
    if (typeof x !== 'number') res.push(needs[k++] ? unbroadcast(where(c, g, 0), x.shape) : null);
    if (typeof y !== 'number') res.push(needs[k++] ? unbroadcast(where(c, 0, g), y.shape) : null);
    return res;
  });
}

// cast between float dtypes: d = g cast back; to int/bool: no gradient.
export function cast(x: Variable, dtype: DType): Variable {
  const value = T.cast(x.value, dtype);
  if (!isFloatDType(dtype)) return noGradResult(value);
  return unary('cast', x, value, (g) => cast(g, x.dtype));
}

// ---- no gradient ---------------------------------------------------------------------------------
export const sign = (x: Variable): Variable => noGradResult(T.sign(x.value));
export const floor = (x: Variable): Variable => noGradResult(T.floor(x.value));
export const ceil = (x: Variable): Variable => noGradResult(T.ceil(x.value));
export const round = (x: Variable): Variable => noGradResult(T.round(x.value));
export const logicalNot = (x: Variable): Variable => noGradResult(T.logicalNot(x.value));
const cmp = (f: (a: Tensor | number, b: Tensor | number) => Tensor, op: string) => (a: VarLike, b: VarLike): Variable => {
  const [x, y] = operands(a, b, op);
  return noGradResult(f(val(x), val(y)));
};
export const mod = cmp(T.mod, 'mod');
export const eq = cmp(T.eq, 'eq');
export const ne = cmp(T.ne, 'ne');
export const lt = cmp(T.lt, 'lt');
export const le = cmp(T.le, 'le');
export const gt = cmp(T.gt, 'gt');
export const ge = cmp(T.ge, 'ge');
export const logicalAnd = cmp(T.logicalAnd, 'logicalAnd');
export const logicalOr = cmp(T.logicalOr, 'logicalOr');
