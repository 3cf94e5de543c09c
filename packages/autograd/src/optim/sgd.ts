// SGD with momentum (torch semantics):
//   d = g + wd·p;  b = d (first step) or μ·b + (1 − τ)·d;  d = d + μ·b (nesterov) or b;  p = p − lr·d

import * as T from '@avey/tensor';
import type { Tensor } from '@avey/tensor';
import type { Variable } from '../variable.js';
import { Optimizer, type GroupSpec } from './optimizer.js';

export type SGDHyper = { lr: number; momentum: number; dampening: number; weightDecay: number; nesterov: number };
export interface SGDOptions { lr?: number; momentum?: number; dampening?: number; weightDecay?: number; nesterov?: boolean }

export class SGD extends Optimizer<SGDHyper> {
  readonly kind = 'SGD';
  constructor(params: Variable[] | GroupSpec<SGDHyper>[], opts: SGDOptions = {}) {
    super(params, {
      lr: opts.lr ?? 1e-3, momentum: opts.momentum ?? 0, dampening: opts.dampening ?? 0,
      weightDecay: opts.weightDecay ?? 0, nesterov: opts.nesterov ? 1 : 0,
    });
  }
  protected update(p: Variable, g: Tensor, h: SGDHyper, st: Map<string, Tensor>, t: number): void {
    let d = h.weightDecay !== 0 ? T.add(g, T.mul(p.value, h.weightDecay)) : g;
    if (h.momentum !== 0) {
      const prev = st.get('momentum');
      const b = t === 1 || !prev ? T.clone(d) : T.add(T.mul(prev, h.momentum), T.mul(d, 1 - h.dampening));
      this.setState(st, 'momentum', b);
      d = h.nesterov ? T.add(d, T.mul(b, h.momentum)) : b;
    }
    this.setParam(p, T.sub(p.value, T.mul(d, h.lr)));
  }
}
