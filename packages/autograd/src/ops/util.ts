// Helpers shared by the op files.

import { Tensor, AveyError } from '@avey/tensor';
import { Variable, type VarLike } from '../variable.js';
import * as R from './reduce.js';
import * as S from './shape.js';

/** A Variable for a Variable or Tensor; numbers stay numbers (scalar constants). */
export function lift(x: VarLike): Variable | number {
  if (typeof x === 'number') return x;
  return x instanceof Variable ? x : new Variable(x);
}

export function liftVar(x: Variable | Tensor): Variable {
  return x instanceof Variable ? x : new Variable(x);
}

/** The forward operand: the tensor, or the number. */
export const val = (x: Variable | number): Tensor | number => (typeof x === 'number' ? x : x.value);

/** Sum `g` back to `shape` after NumPy broadcasting: sum the leading axes `g` has in excess and the
 *  axes where `shape` has 1 and `g` does not. Written in Variable ops (differentiable). */
export function unbroadcast(g: Variable, shape: readonly number[]): Variable {
  const gs = g.shape;
  if (gs.length === shape.length && gs.every((d, i) => d === shape[i])) return g;
  const lead = gs.length - shape.length;
  if (lead < 0) throw new AveyError('unbroadcast', `gradient [${gs.join(',')}] has fewer axes than the input [${shape.join(',')}]`);
  const axes: number[] = [];
  for (let i = 0; i < gs.length; i++) {
    if (i < lead || (shape[i - lead] === 1 && gs[i] !== 1)) axes.push(i);
  }
  const summed = axes.length > 0 ? R.sum(g, axes, true) : g;
  return S.reshape(summed, shape);
}

/** Axes normalised to [0, rank), sorted, deduplicated; undefined = all axes. */
export function normAxes(axes: number | readonly number[] | undefined, rank: number, op: string): number[] {
  if (axes === undefined) return Array.from({ length: rank }, (_, i) => i);
  const list = typeof axes === 'number' ? [axes] : [...axes];
  const out = list.map((a) => {
    const n = a < 0 ? a + rank : a;
    if (!Number.isInteger(n) || n < 0 || n >= Math.max(rank, 1)) {
      throw new AveyError(op, `axis ${a} out of range for rank ${rank}`);
    }
    return n;
  });
  return [...new Set(out)].sort((a, b) => a - b);
}

/** `shape` with the reduced `axes` kept as 1s. */
export function keepDimShape(shape: readonly number[], axes: readonly number[]): number[] {
  return shape.map((d, i) => (axes.includes(i) ? 1 : d));
}

/** Bring a reduced gradient (or value) back to keepDim shape, so it broadcasts against the input. */
export function restoreDims(g: Variable, inShape: readonly number[], axes: readonly number[], keepDim: boolean): Variable {
  return keepDim || inShape.length === 0 ? g : S.reshape(g, keepDimShape(inShape, axes));
}
