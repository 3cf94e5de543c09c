// Small modules with the exact official numerics and initialisation.
import type { Rng } from '@avey/tensor';
import { nn, type Variable } from '@avey/autograd';

/** nn.Linear with the official init: Xavier-normal weight [out, in], zero bias. */
export function xavierLinear(inF: number, outF: number, rng: Rng): nn.Linear {
  // nn.Linear's own init is the official one (xavier-normal weight, zero bias)
  return new nn.Linear(inF, outF, { bias: true, rng });
}

/** Dotted parameter names → parameters. */
export function namedParams(m: nn.Module): Map<string, Variable> {
  return new Map(m.namedParameters());
}
