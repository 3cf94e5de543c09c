// In-place initialisers (torch.nn.init): each replaces p.value with a fresh tensor of the same
// shape (the old one is disposed) drawn from the seeded host Rng, and returns p.
//   fanIn = shape[1]·receptive, fanOut = shape[0]·receptive (receptive = Π shape[2:])

import * as T from '@avey/tensor';
import { AveyError, type Rng, type Tensor } from '@avey/tensor';
import type { Variable } from '../variable.js';

export function fans(shape: readonly number[]): { fanIn: number; fanOut: number } {
  if (shape.length < 2) throw new AveyError('init', `fan in/out need at least 2 axes, got shape [${shape.join(',')}]`);
  const receptive = shape.slice(2).reduce((a, b) => a * b, 1);
  return { fanIn: shape[1] * receptive, fanOut: shape[0] * receptive };
}

function replace(p: Variable, t: Tensor): Variable {
  const old = p.value;
  p.value = T.keep(t.dtype === old.dtype ? t : T.cast(t, old.dtype));
  old.dispose();
  return p;
}

// N(0, 2/(fanIn + fanOut))  (Avey-B's default for linear layers)
export function xavierNormal_(p: Variable, rng: Rng, gain = 1): Variable {
  const { fanIn, fanOut } = fans(p.shape);
  return replace(p, rng.normal([...p.shape], 0, gain * Math.sqrt(2 / (fanIn + fanOut))));
}
// U(−a, a), a = gain·√(6/(fanIn + fanOut))
export function xavierUniform_(p: Variable, rng: Rng, gain = 1): Variable {
  const { fanIn, fanOut } = fans(p.shape);
  const a = gain * Math.sqrt(6 / (fanIn + fanOut));
  return replace(p, rng.uniform([...p.shape], -a, a));
}
// N(0, gain²/fan), gain = √(2/(1 + a²)) (leaky-relu slope a; relu: a = 0)
export function kaimingNormal_(p: Variable, rng: Rng, opts: { a?: number; mode?: 'fanIn' | 'fanOut' } = {}): Variable {
  const f = fans(p.shape);
  const gain = Math.sqrt(2 / (1 + (opts.a ?? 0) ** 2));
  return replace(p, rng.normal([...p.shape], 0, gain / Math.sqrt(opts.mode === 'fanOut' ? f.fanOut : f.fanIn)));
}
// U(−b, b), b = gain·√(3/fan)
export function kaimingUniform_(p: Variable, rng: Rng, opts: { a?: number; mode?: 'fanIn' | 'fanOut' } = {}): Variable {
  const f = fans(p.shape);
  const gain = Math.sqrt(2 / (1 + (opts.a ?? 0) ** 2));
  const b = gain * Math.sqrt(3 / (opts.mode === 'fanOut' ? f.fanOut : f.fanIn));
  return replace(p, rng.uniform([...p.shape], -b, b));
}
export const normal_ = (p: Variable, rng: Rng, mean = 0, std = 1): Variable => replace(p, rng.normal([...p.shape], mean, std));
export const uniform_ = (p: Variable, rng: Rng, lo = 0, hi = 1): Variable => replace(p, rng.uniform([...p.shape], lo, hi));
export const constant_ = (p: Variable, value: number): Variable => replace(p, T.fullLike(p.value, value));
export const zeros_ = (p: Variable): Variable => constant_(p, 0);
export const ones_ = (p: Variable): Variable => constant_(p, 1);

// Names without the trailing underscore, for the same functions.
export {
  xavierNormal_ as xavierNormal, xavierUniform_ as xavierUniform, kaimingNormal_ as kaimingNormal,
  kaimingUniform_ as kaimingUniform, normal_ as normal, uniform_ as uniform, constant_ as constant,
  zeros_ as zeros, ones_ as ones,
};
