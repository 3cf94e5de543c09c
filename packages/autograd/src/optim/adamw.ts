// AdamW (torch semantics, decoupled weight decay):
//   p ← p·(1 − lr·wd)
//   m ← m + (1 − β1)(g − m)            v ← β2·v + (1 − β2)·g²
//   p ← p − (lr / (1 − β1ᵗ)) · m / (√v / √(1 − β2ᵗ) + eps)

import * as T from '@avey/tensor';
import type { Tensor } from '@avey/tensor';
import type { Variable } from '../variable.js';
import { Optimizer, type GroupSpec } from './optimizer.js';

export type AdamWHyper = { lr: number; beta1: number; beta2: number; eps: number; weightDecay: number };
export interface AdamWOptions {
  lr?: number; betas?: [number, number]; eps?: number; weightDecay?: number;
  /** On the CPU backend, update each parameter in one host loop instead of ~14 tensor ops
   *  (default true). Same formula in the same order: in float64 identical bit for bit; in float32
   *  the intermediates stay in double, so the last bits can differ from the op-by-op path. */
  fused?: boolean;
}
export type AdamWGroup = { params: Variable[]; lr?: number; betas?: [number, number]; eps?: number; weightDecay?: number };

type Floats = Float32Array | Float64Array;

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
    if (this.fused && p.value.backend === 'cpu' && g.backend === 'cpu') {
      this.#updateHost(p, g, h, st, t);
      return;
    }
    const decayed = h.weightDecay !== 0 ? T.mul(p.value, 1 - h.lr * h.weightDecay) : p.value;
    const m0 = st.get('expAvg') ?? T.zerosLike(p.value);
    const v0 = st.get('expAvgSq') ?? T.zerosLike(p.value);
    const m = T.add(m0, T.mul(T.sub(g, m0), 1 - h.beta1));
    const v = T.add(T.mul(v0, h.beta2), T.mul(T.mul(g, g), 1 - h.beta2));
    this.setState(st, 'expAvg', m);
    this.setState(st, 'expAvgSq', v);
    const stepSize = h.lr / (1 - h.beta1 ** t);
    const denom = T.add(T.div(T.sqrt(v), Math.sqrt(1 - h.beta2 ** t)), h.eps);
    this.setParam(p, T.sub(decayed, T.mul(T.div(m, denom), stepSize)));
  }

  // The same update on host copies (CPU reads are synchronous copies): read p, g, m, v, one loop,
  // upload p, m, v.
  #updateHost(p: Variable, g: Tensor, h: AdamWHyper, st: Map<string, Tensor>, t: number): void {
    const { dtype } = p.value;
    const shape = [...p.value.shape];
    if (dtype === 'float32' && this.#updateWasm(p, g, h, st, t)) return;
    const P = p.value.dataSync() as Floats;
    const G = g.dataSync();
    const zeros = () => (dtype === 'float64' ? new Float64Array(P.length) : new Float32Array(P.length));
    const M = (st.get('expAvg')?.dataSync() ?? zeros()) as Floats;
    const V = (st.get('expAvgSq')?.dataSync() ?? zeros()) as Floats;
    const decay = 1 - h.lr * h.weightDecay;
    const a1 = 1 - h.beta1, a2 = 1 - h.beta2;
    const c2 = Math.sqrt(1 - h.beta2 ** t);
    const stepSize = h.lr / (1 - h.beta1 ** t);
    for (let i = 0; i < P.length; i++) {
      const gi = G[i];
      const pi = h.weightDecay !== 0 ? P[i] * decay : P[i];
      const m = M[i] + (gi - M[i]) * a1;
      const v = V[i] * h.beta2 + gi * gi * a2;
      M[i] = m;
      V[i] = v;
      P[i] = pi - (m / (Math.sqrt(v) / c2 + h.eps)) * stepSize;
    }
    // P, M, V are fresh host copies owned here: the CPU backend wraps them without another copy
    const cpu = p.value.storage.backend;
    const make = (d: Floats): Tensor => (cpu instanceof T.CpuBackend
      ? T.Tensor.fromBuffer(cpu, cpu.adopt(dtype, d), shape)
      : T.tensor(d, { dtype, shape, backend: 'cpu' }));
    this.setState(st, 'expAvg', make(M));
    this.setState(st, 'expAvgSq', make(V));
    this.setParam(p, make(P));
  }

  // float32 on the CPU backend: the same loop on the wasm SIMD kernel (float64 lanes, bit for bit the
  // loop above), reading p, g, m, v in place (no host copies) into fresh arrays. False (nothing done)
  // where it does not apply.
  #updateWasm(p: Variable, g: Tensor, h: AdamWHyper, st: Map<string, Tensor>, t: number): boolean {
    const cpu = p.value.storage.backend;
    if (!(cpu instanceof T.CpuBackend)) return false;
    const n = p.value.size;
    const P = rawF32(cpu, p.value), G = rawF32(cpu, g);
    const m0 = st.get('expAvg'), v0 = st.get('expAvgSq');
    const M = rawF32(cpu, m0), V = rawF32(cpu, v0);
    if (!P || !G || g.size !== n || (m0 && (!M || m0.size !== n)) || (v0 && (!V || v0.size !== n))) return false;
    const r = cpu.adamwF32(n, {
      decay: h.weightDecay !== 0 ? 1 - h.lr * h.weightDecay : 1, a1: 1 - h.beta1, a2: 1 - h.beta2, beta2: h.beta2,
      c2: Math.sqrt(1 - h.beta2 ** t), eps: h.eps, stepSize: h.lr / (1 - h.beta1 ** t),
    }, P.a, P.off, G.a, G.off, M?.a ?? null, M?.off ?? 0, V?.a ?? null, V?.off ?? 0);
    if (!r) return false;
    const shape = [...p.value.shape];
    const make = (d: Float32Array): Tensor => T.Tensor.fromBuffer(cpu, cpu.adopt('float32', d), shape);
    this.setState(st, 'expAvg', make(r.m));
    this.setState(st, 'expAvgSq', make(r.v));
    this.setParam(p, make(r.p));
    return true;
  }
}

/** The raw float32 array and offset of a contiguous CPU tensor, or null. */
function rawF32(cpu: T.CpuBackend, x: Tensor | undefined): { a: Float32Array; off: number } | null {
  if (!x || x.dtype !== 'float32' || x.storage.backend !== cpu || !x.isContiguous()) return null;
  return { a: cpu.dataOf(x.storage.buffer) as Float32Array, off: x.offset };
}

/** Two groups: parameters with ≥ 2 axes decay, the others (biases, norm weights) do not. */
export function decayGroups(params: Variable[], weightDecay: number): AdamWGroup[] {
  return [
    { params: params.filter((p) => p.rank >= 2), weightDecay },
    { params: params.filter((p) => p.rank < 2), weightDecay: 0 },
  ];
}
