// Standard layers. Weights use torch layouts so checkpoints map 1:1.

import * as T from '@avey/tensor';
import { Rng, type DType } from '@avey/tensor';
import { Variable, parameter } from '../variable.js';
import { gelu, relu, tanh, sigmoid } from '../ops/elementwise.js';
import { embedding } from '../ops/indexing.js';
import { dropout, layerNorm, linear, rmsNorm } from './functional.js';
import { Module, type Layer } from './module.js';

let defaultRng: Rng | null = null;
/** The Rng layers use when none is given (seed 0, advancing: deterministic per process). */
export function defaultLayerRng(): Rng {
  defaultRng ??= new Rng(0);
  return defaultRng;
}

const keepParam = (t: T.Tensor) => parameter(T.keep(t));

/** y = x @ Wᵀ + b.  W: (out, in) ~ N(0, 2/(in + out)) (xavier normal), b: (out) = 0. */
export class Linear extends Module implements Layer {
  readonly weight: Variable;
  readonly bias: Variable | null;
  constructor(readonly inFeatures: number, readonly outFeatures: number, opts: { bias?: boolean; rng?: Rng; dtype?: DType } = {}) {
    super();
    const rng = opts.rng ?? defaultLayerRng();
    const dtype = opts.dtype ?? 'float32';
    this.weight = keepParam(rng.xavierNormal([outFeatures, inFeatures], 1, { dtype }));
    this.bias = opts.bias === false ? null : keepParam(T.zeros([outFeatures], { dtype }));
  }
  forward(x: Variable): Variable {
    return linear(x, this.weight, this.bias);  // (…, in) @ (in, out) + b
  }
}

/** Lookup table: weight (num, dim) ~ N(0, std²) (torch default std = 1). */
export class Embedding extends Module {
  readonly weight: Variable;
  constructor(readonly num: number, readonly dim: number, opts: { rng?: Rng; std?: number } = {}) {
    super();
    this.weight = keepParam((opts.rng ?? defaultLayerRng()).normal([num, dim], 0, opts.std ?? 1));
  }
  forward(ids: Variable | T.Tensor): Variable {
    return embedding(this.weight, ids);
  }
}

/** x·rsqrt(mean(x²) + eps)·w over the last axis; w = 1. */
export class RMSNorm extends Module implements Layer {
  readonly weight: Variable;
  constructor(readonly dim: number, readonly eps = 1e-6) {
    super();
    this.weight = keepParam(T.ones([dim]));
  }
  forward(x: Variable): Variable {
    return rmsNorm(x, this.weight, this.eps);
  }
}

/** (x − mean)/√(var + eps)·w + b over the last axis; w = 1, b = 0. */
export class LayerNorm extends Module implements Layer {
  readonly weight: Variable | null;
  readonly bias: Variable | null;
  constructor(readonly dim: number, readonly eps = 1e-5, opts: { elementwiseAffine?: boolean } = {}) {
    super();
    const affine = opts.elementwiseAffine ?? true;
    this.weight = affine ? keepParam(T.ones([dim])) : null;
    this.bias = affine ? keepParam(T.zeros([dim])) : null;
  }
  forward(x: Variable): Variable {
    return layerNorm(x, this.weight, this.bias, this.eps);
  }
}

/** Exact (erf) GELU. */
export class GELU extends Module implements Layer {
  forward(x: Variable): Variable { return gelu(x); }
}
export class Tanh extends Module implements Layer {
  forward(x: Variable): Variable { return tanh(x); }
}
export class ReLU extends Module implements Layer {
  forward(x: Variable): Variable { return relu(x); }
}
export class Sigmoid extends Module implements Layer {
  forward(x: Variable): Variable { return sigmoid(x); }
}

/** Inverted dropout in training mode, identity in eval mode. The mask comes from `rng` (seeded). */
export class Dropout extends Module implements Layer {
  readonly rng: Rng;
  constructor(readonly p = 0.5, rng?: Rng) {
    super();
    this.rng = rng ?? defaultLayerRng();
  }
  forward(x: Variable): Variable {
    return dropout(x, this.p, this.rng, this.training);
  }
}

/** Modules applied in order; children are named '0', '1', … */
export class Sequential extends Module implements Layer {
  readonly #layers: (Module & Layer)[];
  constructor(...layers: (Module & Layer)[]) {
    super();
    this.#layers = layers;
    layers.forEach((l, i) => this.registerModule(String(i), l));
  }
  get layers(): readonly (Module & Layer)[] {
    return this.#layers;
  }
  forward(x: Variable): Variable {
    return this.#layers.reduce((h, l) => l.forward(h), x);
  }
}

/** A list of modules; children are named '0', '1', … */
export class ModuleList<M extends Module = Module> extends Module implements Iterable<M> {
  readonly #items: M[] = [];
  constructor(items: Iterable<M> = []) {
    super();
    for (const m of items) this.push(m);
  }
  push(m: M): this {
    this.registerModule(String(this.#items.length), m);
    this.#items.push(m);
    return this;
  }
  at(i: number): M {
    return this.#items[i < 0 ? i + this.#items.length : i];
  }
  get length(): number {
    return this.#items.length;
  }
  [Symbol.iterator](): Iterator<M> {
    return this.#items[Symbol.iterator]();
  }
}
