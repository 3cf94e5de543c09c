// Variable: an @avey/tensor Tensor plus its place on the tape.
//
// The tape is a DAG of `Node`s. An op's output Variable holds a Node with the op's inputs and its
// vector-Jacobian product `vjp(g) → one gradient per input`, written in Variable ops next to the
// op's forward (see ops/). `backward()` (engine.ts) walks the DAG in reverse topological order.

import { Tensor, type DType } from '@avey/tensor';
import { AveyError, TENSORS, tensor, type TensorData } from '@avey/tensor';
import { isGradEnabled } from './grad-mode.js';
import { runBackward, type BackwardOptions } from './engine.js';
import * as E from './ops/elementwise.js';
import * as R from './ops/reduce.js';
import * as S from './ops/shape.js';
import * as I from './ops/indexing.js';
import * as L from './ops/linalg.js';

/** A gradient rule: given the output gradient, one gradient per input (null: none / not needed).
 *  `needs[i]` says whether input i wants a gradient, so expensive terms can be skipped. */
export type Vjp = (g: Variable, needs: readonly boolean[]) => readonly (Variable | null)[];

export interface Node {
  readonly op: string;
  inputs: Variable[];
  vjp: Vjp | null;                 // null once the graph is released
  /** Tensors the node created only for its backward (disposed when the graph is released). */
  owned: Tensor[];
}

/** What ops accept: a Variable, a raw Tensor (a constant) or a number (a scalar of the other
 *  operand's dtype). */
export type VarLike = Variable | Tensor | number;

export class Variable {
  /** The current value. Optimisers replace it (tensors are immutable). */
  value: Tensor;
  /** Accumulated gradient (leaves only), or null. */
  grad: Variable | null = null;
  requiresGrad: boolean;
  /** The op that produced this Variable; null for leaves and constants. */
  node: Node | null = null;
  name: string | undefined;

  constructor(value: Tensor, opts: { requiresGrad?: boolean; name?: string } = {}) {
    this.value = value;
    this.requiresGrad = opts.requiresGrad ?? false;
    this.name = opts.name;
    if (this.requiresGrad && !isFloatDType(value.dtype)) {
      throw new AveyError('variable', `only float tensors can require grad (got ${value.dtype}, shape [${value.shape.join(',')}])`);
    }
  }

  get shape(): readonly number[] { return this.value.shape; }
  get dtype(): DType { return this.value.dtype; }
  get rank(): number { return this.value.rank; }
  get size(): number { return this.value.size; }
  get backend(): string { return this.value.backend; }
  get isLeaf(): boolean { return this.node === null; }
  /** Lets `scope(() => …)` keep the value of a returned Variable. */
  [TENSORS](): Tensor[] { return [this.value]; }

  // ---- autograd ------------------------------------------------------------------------------
  /** Backpropagate from this Variable into the leaves' `.grad`. A scalar is seeded with 1;
   *  otherwise pass the output gradient: `y.backward(g)`, `y.backward(g, opts)` or `y.backward(opts)`. */
  backward(gradOrOpts?: Variable | Tensor | BackwardOptions, opts: BackwardOptions = {}): void {
    if (gradOrOpts instanceof Variable || gradOrOpts instanceof Tensor) runBackward([this], [gradOrOpts], opts);
    else runBackward([this], [null], gradOrOpts ?? opts);
  }
  /** Drop (and dispose) the accumulated gradient. */
  zeroGrad(): void {
    if (this.grad) disposeGrad(this.grad);
    this.grad = null;
  }
  /** The same value, cut from the tape (shares the tensor). */
  detach(): Variable { return new Variable(this.value); }

  // ---- host access (delegates to the tensor) ---------------------------------------------------
  data() { return this.value.data(); }
  dataSync() { return this.value.dataSync(); }
  array() { return this.value.array(); }
  item(): number { return this.value.item(); }
  itemAsync(): Promise<number> { return this.value.itemAsync(); }
  dispose(): void { this.value.dispose(); }
  toString(): string { return `Variable(${this.value.dtype}[${this.value.shape.join(',')}]${this.requiresGrad ? ', requiresGrad' : ''}${this.node ? `, ${this.node.op}` : ''})`; }

  // ---- elementwise (ops/elementwise.ts) ------------------------------------------------------
  add(b: VarLike): Variable { return E.add(this, b); }
  sub(b: VarLike): Variable { return E.sub(this, b); }
  mul(b: VarLike): Variable { return E.mul(this, b); }
  div(b: VarLike): Variable { return E.div(this, b); }
  pow(b: VarLike): Variable { return E.pow(this, b); }
  maximum(b: VarLike): Variable { return E.maximum(this, b); }
  minimum(b: VarLike): Variable { return E.minimum(this, b); }
  neg(): Variable { return E.neg(this); }
  abs(): Variable { return E.abs(this); }
  exp(): Variable { return E.exp(this); }
  log(): Variable { return E.log(this); }
  sqrt(): Variable { return E.sqrt(this); }
  rsqrt(): Variable { return E.rsqrt(this); }
  reciprocal(): Variable { return E.reciprocal(this); }
  square(): Variable { return E.square(this); }
  sin(): Variable { return E.sin(this); }
  cos(): Variable { return E.cos(this); }
  tanh(): Variable { return E.tanh(this); }
  sigmoid(): Variable { return E.sigmoid(this); }
  relu(): Variable { return E.relu(this); }
  erf(): Variable { return E.erf(this); }
  gelu(): Variable { return E.gelu(this); }
  clamp(lo: number | null, hi: number | null): Variable { return E.clamp(this, lo, hi); }
  cast(dtype: DType): Variable { return E.cast(this, dtype); }
  // no gradient (integer/boolean results or piecewise-constant functions)
  sign(): Variable { return E.sign(this); }
  floor(): Variable { return E.floor(this); }
  ceil(): Variable { return E.ceil(this); }
  round(): Variable { return E.round(this); }
  mod(b: VarLike): Variable { return E.mod(this, b); }
  eq(b: VarLike): Variable { return E.eq(this, b); }
  ne(b: VarLike): Variable { return E.ne(this, b); }
  lt(b: VarLike): Variable { return E.lt(this, b); }
  le(b: VarLike): Variable { return E.le(this, b); }
  gt(b: VarLike): Variable { return E.gt(this, b); }
  ge(b: VarLike): Variable { return E.ge(this, b); }
  logicalAnd(b: VarLike): Variable { return E.logicalAnd(this, b); }
  logicalOr(b: VarLike): Variable { return E.logicalOr(this, b); }
  logicalNot(): Variable { return E.logicalNot(this); }

  // ---- reductions (ops/reduce.ts) --------------------------------------------------------------
  sum(axes?: number | readonly number[], keepDim = false): Variable { return R.sum(this, axes, keepDim); }
  mean(axes?: number | readonly number[], keepDim = false): Variable { return R.mean(this, axes, keepDim); }
  max(axes?: number | readonly number[], keepDim = false): Variable { return R.max(this, axes, keepDim); }
  min(axes?: number | readonly number[], keepDim = false): Variable { return R.min(this, axes, keepDim); }
  norm(p: 1 | 2 = 2, axes?: number | readonly number[], keepDim = false): Variable { return R.norm(this, p, axes, keepDim); }
  variance(axes?: number | readonly number[], keepDim = false, correction = 0): Variable { return R.variance(this, axes, keepDim, correction); }
  logsumexp(axes?: number | readonly number[], keepDim = false): Variable { return R.logsumexp(this, axes, keepDim); }
  softmax(axis = -1): Variable { return R.softmax(this, axis); }
  logSoftmax(axis = -1): Variable { return R.logSoftmax(this, axis); }
  normalize(p: 1 | 2 = 2, axis = -1, eps = 1e-12): Variable { return R.normalize(this, p, axis, eps); }
  argmax(axis?: number, keepDim = false): Variable { return R.argmax(this, axis, keepDim); }
  argmin(axis?: number, keepDim = false): Variable { return R.argmin(this, axis, keepDim); }

  // ---- linear algebra (ops/linalg.ts) -------------------------------------------------------------
  matmul(b: Variable | Tensor): Variable { return L.matmul(this, b); }

  // ---- shape (ops/shape.ts) -------------------------------------------------------------------
  reshape(shape: readonly number[]): Variable { return S.reshape(this, shape); }
  flatten(startDim = 0, endDim = -1): Variable { return S.flatten(this, startDim, endDim); }
  transpose(d0 = -2, d1 = -1): Variable { return S.transpose(this, d0, d1); }
  permute(dims: readonly number[]): Variable { return S.permute(this, dims); }
  squeeze(axes?: number | readonly number[]): Variable { return S.squeeze(this, axes); }
  unsqueeze(axis: number): Variable { return S.unsqueeze(this, axis); }
  expand(shape: readonly number[]): Variable { return S.expand(this, shape); }
  broadcastTo(shape: readonly number[]): Variable { return S.expand(this, shape); }
  slice(starts: readonly (number | undefined)[], ends: readonly (number | undefined)[], steps?: readonly number[]): Variable { return S.slice(this, starts, ends, steps); }
  narrow(axis: number, start: number, length: number): Variable { return S.narrow(this, axis, start, length); }
  contiguous(): Variable { return S.contiguous(this); }
  clone(): Variable { return S.clone(this); }
  pad(widths: readonly (readonly [number, number])[], value = 0): Variable { return S.pad(this, widths, value); }
  split(sizes: number | readonly number[], axis = 0): Variable[] { return S.split(this, sizes, axis); }
  chunk(n: number, axis = 0): Variable[] { return S.chunk(this, n, axis); }

  // ---- indexing (ops/indexing.ts) ---------------------------------------------------------------
  gather(axis: number, index: Variable | Tensor): Variable { return I.gather(this, axis, index); }
  indexSelect(axis: number, index: Variable | Tensor): Variable { return I.indexSelect(this, axis, index); }
  scatterAdd(axis: number, index: Variable | Tensor, src: Variable | Tensor): Variable { return I.scatterAdd(this, axis, index, src); }
  topk(k: number, axis = -1): { values: Variable; indices: Variable } { return I.topk(this, k, axis); }
}

export function isFloatDType(d: DType): boolean {
  return d === 'float32' || d === 'float64';
}

function disposeGrad(g: Variable): void {
  g.value.dispose();
}

/** Wrap a tensor (or nested array / typed array, made with @avey/tensor's `tensor()`) as a
 *  Variable. A Variable argument is re-wrapped around the same tensor (a new leaf). */
export function variable(value: Tensor | Variable | TensorData, opts: { requiresGrad?: boolean; name?: string; dtype?: DType } = {}): Variable {
  const t = value instanceof Variable ? value.value : value instanceof Tensor ? value : tensor(value, opts.dtype ? { dtype: opts.dtype } : {});
  return new Variable(t, opts);
}

/** A trainable leaf: `requiresGrad = true`. */
export function parameter(value: Tensor, name?: string): Variable {
  return new Variable(value, { requiresGrad: true, name });
}

/** Record an op: its output, and (when grad mode is on and some input requires grad) a Node. */
export function record(op: string, value: Tensor, inputs: Variable[], vjp: Vjp, owned: Tensor[] = []): Variable {
  const needs = isGradEnabled() && isFloatDType(value.dtype) && inputs.some((v) => v.requiresGrad);
  const out = new Variable(value, { requiresGrad: needs });
  if (needs) out.node = { op, inputs, vjp, owned };
  else for (const t of owned) t.dispose();
  return out;
}

/** A constant (no gradient) Variable around a tensor. */
export function constant(t: Tensor): Variable {
  return new Variable(t);
}
