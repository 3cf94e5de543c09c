// AdamW (torch semantics, decoupled weight decay):
//   p ← p·(1 − lr·wd)
//   m ← m + (1 − β1)(g − m)            v ← β2·v + (1 − β2)·g²
//   p ← p − (lr / (1 − β1ᵗ)) · m / (√v / √(1 − β2ᵗ) + eps)
// One step of one parameter is the tensor package's 'adamw' kernel (T.adamwComposed on backends
// without one): the optimiser holds the state and the schedule, the kernel the arithmetic.

import * as T from '@avey/tensor';
import type { Tensor } from '@avey/tensor';
import type { Variable } from '../variable.js';
import { Optimizer, type GroupSpec } from './optimizer.js';

export type AdamWHyper = { lr: number; beta1: number; beta2: number; eps: number; weightDecay: number };
export interface AdamWOptions {
  lr?: number; betas?: [number, number]; eps?: number; weightDecay?: number;
  /** Use the backend's fused 'adamw' kernel when it has one (default true; the CPU's is one pass
   *  per parameter instead of ~14 tensor ops). Same formula in the same order as the composition
   *  (T.adamwComposed): in float64 identical bit for bit; in float32 the CPU kernel keeps its
   *  intermediates in double, so the last bits can differ from the op-by-op path. */
  fused?: boolean;
}
export type AdamWGroup = { params: Variable[]; lr?: number; betas?: [number, number]; eps?: number; weightDecay?: number };

export class AdamW extends Optimizer<AdamWHyper> {
  readonly kind = 'AdamW';
  readonly fused: boolean;
  constructor(params: Variable[] | AdamWGroup[], opts: AdamWOptions = {}) {
    const groups = params.length > 0 && 'params' in params[0]
      ? (params as AdamWGroup[]).map(({ betas, ...rest }): GroupSpec<AdamWHyper> => ({ ...rest, ...(betas ? { beta1: betas[0], beta2: betas[1] } : {}) }))
      : (params as Variable[]);
    super(groups, {
      lr: opts.lr ?? 1e-3, beta1: opts.betas?.[0] ?? 0.9, beta2: opts.betas?.[1] ?? 0.999,
      eps: opts.eps ?? 1e-8, weightDecay: opts.weightDecay ?? 1e-2,
    });
    this.fused = opts.fused ?? true;
  }

  protected update(p: Variable, g: Tensor, h: AdamWHyper, st: Map<string, Tensor>, t: number): void {
    const step = T.adamwStep(h.lr, h.beta1, h.beta2, h.eps, h.weightDecay, t);
    const m0 = st.get('expAvg') ?? null, v0 = st.get('expAvgSq') ?? null;
    const kernel = this.fused ? T.getKernel('adamw', p.value.backend) : undefined;
    const r = kernel && g.backend === p.value.backend ? kernel(p.value, g, m0, v0, step) : T.adamwComposed(p.value, g, m0, v0, step);
    this.setState(st, 'expAvg', r.m);
    this.setState(st, 'expAvgSq', r.v);
    this.setParam(p, r.p);
  }
}

/** Two groups: parameters with ≥ 2 axes decay, the others (biases, norm weights) do not. */
export function decayGroups(params: Variable[], weightDecay: number): AdamWGroup[] {
  return [
    { params: params.filter((p) => p.rank >= 2), weightDecay },
    { params: params.filter((p) => p.rank < 2), weightDecay: 0 },
  ];
}
