// Optimiser base: parameter groups, per-parameter state tensors and step counts, and a state dict
// that restores training exactly.
//
// State dict = { meta (JSON: kind, per-group hyperparameters and parameter indices, per-parameter
// step counts), tensors (Map `${paramIndex}.${name}` → tensor) }. Parameter indices count across
// groups in order, as in torch. To save: safetensors.write(file, s.tensors, { optimizer: JSON.stringify(s.meta) }).

import * as T from '@avey/tensor';
import { AveyError, type Tensor } from '@avey/tensor';
import type { Variable } from '../variable.js';

export type Hyper = Record<string, number>;

export interface OptimizerStateMeta {
  kind: string;
  groups: { hyper: Hyper; params: number[] }[];
  /** step count per parameter index (absent: never stepped) */
  steps: Record<string, number>;
}

export interface OptimizerState {
  meta: OptimizerStateMeta;
  tensors: Map<string, Tensor>;
}

export interface ParamGroup<H extends Hyper> {
  params: Variable[];
  hyper: H;
}

/** A group as users give it: parameters plus overrides of the optimiser's defaults. */
export type GroupSpec<H extends Hyper> = { params: Variable[] } & Partial<H>;

export abstract class Optimizer<H extends Hyper> {
  readonly groups: ParamGroup<H>[];
  protected readonly state = new Map<Variable, Map<string, Tensor>>();
  protected readonly steps = new Map<Variable, number>();
  abstract readonly kind: string;

  constructor(params: Variable[] | GroupSpec<H>[], defaults: H) {
    const specs: GroupSpec<H>[] = params.length > 0 && !('params' in params[0])
      ? [{ params: params as Variable[] } as GroupSpec<H>]
      : (params as GroupSpec<H>[]);
    this.groups = specs.map((s) => {
      const hyper = { ...defaults };
      for (const k of Object.keys(defaults) as (keyof H)[]) {
        const v = (s as Partial<H>)[k];
        if (v !== undefined) hyper[k] = v as H[keyof H];
      }
      return { params: [...s.params], hyper };
    });
  }

  /** One update of every parameter that has a gradient. Temporaries are disposed at once. */
  step(): void {
    T.scope(() => {
      for (const group of this.groups) {
        for (const p of group.params) {
          if (!p.grad) continue;
          const t = (this.steps.get(p) ?? 0) + 1;
          this.steps.set(p, t);
          let st = this.state.get(p);
          if (!st) this.state.set(p, (st = new Map()));
          this.update(p, p.grad.value, group.hyper, st, t);
        }
      }
    });
  }

  /** Update one parameter: read p.value, g and st; write with `setParam` / `setState`. */
  protected abstract update(p: Variable, g: Tensor, h: H, st: Map<string, Tensor>, t: number): void;

  protected setParam(p: Variable, value: Tensor): void {
    const old = p.value;
    p.value = T.keep(value);
    old.dispose();
  }
  protected setState(st: Map<string, Tensor>, name: string, value: Tensor): void {
    const old = st.get(name);
    st.set(name, T.keep(value));
    if (old && old !== value) old.dispose();
  }

  zeroGrad(): void {
    for (const g of this.groups) for (const p of g.params) p.zeroGrad();
  }

  get lr(): number {
    return this.groups[0]?.hyper.lr ?? 0;
  }
  /** Sets the learning rate of every group. */
  set lr(v: number) {
    for (const g of this.groups) (g.hyper as Hyper).lr = v;
  }

  #allParams(): Variable[] {
    return this.groups.flatMap((g) => g.params);
  }

  /** Everything needed to continue exactly: hyperparameters, step counts, state tensors (live
   *  references: save them, don't dispose them). */
  stateDict(): OptimizerState {
    const all = this.#allParams();
    const tensors = new Map<string, Tensor>();
    const steps: Record<string, number> = {};
    let at = 0;
    const groups = this.groups.map((g) => ({ hyper: { ...g.hyper } as Hyper, params: g.params.map(() => at++) }));
    all.forEach((p, i) => {
      const t = this.steps.get(p);
      if (t !== undefined) steps[i] = t;
      for (const [name, v] of this.state.get(p) ?? []) tensors.set(`${i}.${name}`, v);
    });
    return { meta: { kind: this.kind, groups, steps }, tensors };
  }

  /** Restore from `stateDict()` output (tensors are copied). The parameter layout must match. */
  loadStateDict(s: OptimizerState): void {
    const all = this.#allParams();
    const sizes = this.groups.map((g) => g.params.length).join(',');
    if (s.meta.kind !== this.kind || s.meta.groups.map((g) => g.params.length).join(',') !== sizes) {
      throw new AveyError('loadStateDict', `optimizer state of ${s.meta.kind} with groups of [${s.meta.groups.map((g) => g.params.length).join(',')}] parameters does not fit this ${this.kind} with groups of [${sizes}]`);
    }
    s.meta.groups.forEach((g, i) => { this.groups[i].hyper = { ...this.groups[i].hyper, ...g.hyper }; });
    for (const st of this.state.values()) for (const t of st.values()) t.dispose();
    this.state.clear();
    this.steps.clear();
    all.forEach((p, i) => {
      const t = s.meta.steps[i];
      if (t !== undefined) this.steps.set(p, t);
    });
    for (const [key, v] of s.tensors) {
      const dot = key.indexOf('.');
      const i = Number(key.slice(0, dot));
      const p = all[i];
      if (!p || dot < 0) throw new AveyError('loadStateDict', `optimizer state key '${key}' does not name a parameter index`);
      if (v.shape.join(',') !== p.shape.join(',')) {
        throw new AveyError('loadStateDict', `optimizer state '${key}' has shape [${v.shape.join(',')}] but parameter ${i} has [${p.shape.join(',')}]`);
      }
      let st = this.state.get(p);
      if (!st) this.state.set(p, (st = new Map()));
      st.set(key.slice(dot + 1), T.keep(T.clone(v)));
    }
  }
}
