// Module: a tree of parameters and submodules with dotted names (torch.nn.Module semantics).
//
// Registration is automatic: own properties holding a Variable (parameter), a Module (child), or
// an array of those (named `prop.i`) are found by walking the instance. `registerParameter`,
// `registerModule` and `registerBuffer` add entries explicitly (containers use them).

import * as T from '@avey/tensor';
import { AveyError, type Tensor } from '@avey/tensor';
import { Variable } from '../variable.js';

export type StateDict = Map<string, Tensor>;

const fmt = (s: readonly number[]) => `[${s.join(',')}]`;

export abstract class Module {
  /** Training mode (Dropout etc.). Set with train()/eval(). */
  training = true;
  #params = new Map<string, Variable>();
  #modules = new Map<string, Module>();
  #buffers = new Map<string, Tensor>();

  registerParameter(name: string, p: Variable): Variable {
    this.#params.set(name, p);
    return p;
  }
  registerModule<M extends Module>(name: string, m: M): M {
    this.#modules.set(name, m);
    return m;
  }
  /** A non-trainable tensor saved in the state dict (e.g. running statistics). */
  registerBuffer(name: string, t: Tensor): void {
    this.#buffers.set(name, T.keep(t));
  }

  /** Direct parameters and children: explicit registrations first, then own properties. */
  #direct(): { params: [string, Variable][]; modules: [string, Module][] } {
    const params: [string, Variable][] = [...this.#params];
    const modules: [string, Module][] = [...this.#modules];
    for (const [k, v] of Object.entries(this)) {
      if (v instanceof Variable) params.push([k, v]);
      else if (v instanceof Module) modules.push([k, v]);
      else if (Array.isArray(v)) {
        v.forEach((item: unknown, i) => {
          if (item instanceof Variable) params.push([`${k}.${i}`, item]);
          else if (item instanceof Module) modules.push([`${k}.${i}`, item]);
        });
      }
    }
    return { params, modules };
  }

  namedChildren(): [string, Module][] {
    return this.#direct().modules;
  }

  /** Every module in the tree with its dotted path ('' for this one). */
  namedModules(prefix = ''): [string, Module][] {
    const out: [string, Module][] = [[prefix, this]];
    for (const [name, m] of this.namedChildren()) out.push(...m.namedModules(prefix ? `${prefix}.${name}` : name));
    return out;
  }

  /** Parameters with dotted names (e.g. `layers.0.enricher.weight`); a parameter shared by two
   *  modules (tied weights) is listed once, under its first name. */
  namedParameters(): [string, Variable][] {
    const seen = new Set<Variable>();
    const out: [string, Variable][] = [];
    for (const [name, p] of this.#allParams()) {
      if (!seen.has(p)) {
        seen.add(p);
        out.push([name, p]);
      }
    }
    return out;
  }

  #allParams(prefix = ''): [string, Variable][] {
    const { params, modules } = this.#direct();
    const out: [string, Variable][] = params.map(([k, p]) => [prefix + k, p]);
    for (const [k, m] of modules) out.push(...m.#allParams(`${prefix}${k}.`));
    return out;
  }

  #allBuffers(prefix = ''): [string, Tensor, Module, string][] {
    const out: [string, Tensor, Module, string][] = [...this.#buffers].map(([k, t]) => [prefix + k, t, this, k]);
    for (const [k, m] of this.#direct().modules) out.push(...m.#allBuffers(`${prefix}${k}.`));
    return out;
  }

  parameters(): Variable[] {
    return this.namedParameters().map(([, p]) => p);
  }

  /** Every parameter (tied ones under each of their names) and buffer, by dotted name. The
   *  tensors are the live ones (not copies): read or save them, don't dispose them. */
  stateDict(): StateDict {
    const sd: StateDict = new Map();
    for (const [k, p] of this.#allParams()) sd.set(k, p.value);
    for (const [k, t] of this.#allBuffers()) sd.set(k, t);
    return sd;
  }

  /** Copy values in. strict (default): missing or unexpected keys are an error. Wrong shapes are
   *  always an error. The error lists every missing, unexpected and wrong-shaped key. Values are
   *  copied (cast to the parameter's dtype), so the caller may dispose `sd` afterwards. */
  loadStateDict(sd: StateDict | Record<string, Tensor>, opts: { strict?: boolean } = {}): { missing: string[]; unexpected: string[] } {
    const strict = opts.strict ?? true;
    const given = sd instanceof Map ? sd : new Map(Object.entries(sd));
    const params = this.#allParams();
    const buffers = this.#allBuffers();
    const expected = new Map<string, readonly number[]>([
      ...params.map(([k, p]): [string, readonly number[]] => [k, p.shape]),
      ...buffers.map(([k, t]): [string, readonly number[]] => [k, t.shape]),
    ]);
    const missing = [...expected.keys()].filter((k) => !given.has(k));
    const unexpected = [...given.keys()].filter((k) => !expected.has(k));
    const wrongShape = [...given].filter(([k, t]) => expected.has(k) && fmt(expected.get(k)!) !== fmt(t.shape))
      .map(([k, t]) => `${k}: expected ${fmt(expected.get(k)!)}, got ${fmt(t.shape)}`);
    if (wrongShape.length > 0 || (strict && (missing.length > 0 || unexpected.length > 0))) {
      const parts: string[] = [];
      if (missing.length) parts.push(`missing keys: ${missing.join(', ')}`);
      if (unexpected.length) parts.push(`unexpected keys: ${unexpected.join(', ')}`);
      if (wrongShape.length) parts.push(`wrong shapes: ${wrongShape.join('; ')}`);
      throw new AveyError('loadStateDict', `${this.constructor.name}: ${parts.join(' | ')}`);
    }
    const assigned = new Set<Variable>();
    for (const [k, p] of params) {
      const t = given.get(k);
      if (!t || assigned.has(p)) continue;
      assigned.add(p);
      const old = p.value;
      p.value = copyLike(t, old);
      old.dispose();
    }
    for (const [k, old, owner, local] of buffers) {
      const t = given.get(k);
      if (!t) continue;
      owner.#buffers.set(local, copyLike(t, old));
      old.dispose();
    }
    return { missing, unexpected };
  }

  train(mode = true): this {
    for (const [, m] of this.namedModules()) m.training = mode;
    return this;
  }
  eval(): this {
    return this.train(false);
  }

  /** Drop every parameter's gradient. */
  zeroGrad(): void {
    for (const p of this.parameters()) p.zeroGrad();
  }
}

/** A copy of `t` with `like`'s dtype, kept out of any scope. */
function copyLike(t: Tensor, like: Tensor): Tensor {
  if (t.backend !== like.backend) {
    throw new AveyError('loadStateDict', `tensor on backend '${t.backend}' cannot be loaded into a parameter on '${like.backend}'; move it first with await t.toBackend('${like.backend}')`);
  }
  return T.keep(t.dtype === like.dtype ? T.clone(t) : T.cast(t, like.dtype));
}

/** A module with a single-tensor forward (what Sequential chains). */
export interface Layer {
  forward(x: Variable): Variable;
}
