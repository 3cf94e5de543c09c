// GELU's fused kernels and THE GELU derivative.
//   y = x·Φ(x),  Φ(x) = ½(1 + erf(x/√2)),  dy/dx = Φ(x) + x·φ(x),  φ(x) = e^{−x²/2}/√(2π)
// The derivative is written once, over any arithmetic (`GeluMath`): here on tensors (the kernels'
// reference compositions below), in autograd on Variables (a differentiable backward).

import { scope } from '../scope.js';
import type { Tensor } from '../tensor.js';
import { add, erf, exp, mul, square } from '../ops/elementwise.js';

declare module '../registry.js' {
  interface KernelSignatures {
    /** The exact GELU's vector-Jacobian product g·(Φ(x) + x·φ(x)); x, g of one shape and dtype. */
    geluGrad(x: Tensor, g: Tensor): Tensor;
    /** GELU and its derivative in one pass: y = x·Φ(x), dydx = Φ(x) + x·φ(x) (for a backward that
     *  is then one multiply). */
    geluWithGrad(x: Tensor): { y: Tensor; dydx: Tensor };
  }
}

/** The arithmetic the GELU derivative needs: tensors and autograd Variables both provide it. */
export interface GeluMath<X> {
  add(a: X, b: X | number): X;
  mul(a: X, b: X | number): X;
  erf(a: X): X;
  exp(a: X): X;
  square(a: X): X;
}

/** Φ(x) and dy/dx = Φ(x) + x·φ(x) of the exact GELU, in the ops of `m`. */
export function geluDerivative<X>(m: GeluMath<X>, x: X): { cdf: X; dydx: X } {
  const cdf = m.mul(m.add(m.erf(m.mul(x, Math.SQRT1_2)), 1), 0.5);                // Φ(x)
  const pdf = m.mul(m.exp(m.mul(m.square(x), -0.5)), 1 / Math.sqrt(2 * Math.PI));  // φ(x)
  return { cdf, dydx: m.add(cdf, m.mul(x, pdf)) };
}

const tensorMath: GeluMath<Tensor> = { add, mul, erf, exp, square };

/** g·(Φ(x) + x·φ(x)): the reference for the 'geluGrad' kernel (autograd's gelu backward looks the
 *  kernel up). */
export function geluGradComposed(x: Tensor, g: Tensor): Tensor {
  return scope(() => mul(g, geluDerivative(tensorMath, x).dydx));
}

/** The reference composition of the 'geluWithGrad' kernel. */
export function geluWithGradComposed(x: Tensor): { y: Tensor; dydx: Tensor } {
  return scope(() => {
    const { cdf, dydx } = geluDerivative(tensorMath, x);
    return { y: mul(x, cdf), dydx };
  });
}
