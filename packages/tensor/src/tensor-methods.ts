// The fluent methods of Tensor (x.add(y), x.sum(1), …): each delegates to the free function of the
// same name in ops/, with `this` as the first argument. They are attached to Tensor.prototype here
// (as tfjs attaches its chained ops) so that tensor.ts imports no op: ops build on Tensor, and
// Tensor does not build on ops, which keeps the core free of import cycles. index.ts imports this
// module, so every Tensor has the methods.

import type { DType } from './backend.js';
import { Tensor, type TensorLike } from './tensor.js';
import * as ew from './ops/elementwise.js';
import * as red from './ops/reduce.js';
import * as nn from './ops/nn.js';
import * as views from './ops/views.js';
import * as join from './ops/join.js';
import * as idx from './ops/indexing.js';
import { matmul } from './ops/linalg.js';
import { toBackend } from './ops/creation.js';

declare module './tensor.js' {
  interface Tensor {
    neg(): Tensor;
    abs(): Tensor;
    sign(): Tensor;
    exp(): Tensor;
    log(): Tensor;
    sqrt(): Tensor;
    rsqrt(): Tensor;
    reciprocal(): Tensor;
    square(): Tensor;
    sin(): Tensor;
    cos(): Tensor;
    tanh(): Tensor;
    sigmoid(): Tensor;
    relu(): Tensor;
    erf(): Tensor;
    gelu(): Tensor;
    floor(): Tensor;
    ceil(): Tensor;
    round(): Tensor;
    logicalNot(): Tensor;
    add(b: TensorLike): Tensor;
    sub(b: TensorLike): Tensor;
    mul(b: TensorLike): Tensor;
    div(b: TensorLike): Tensor;
    pow(b: TensorLike): Tensor;
    maximum(b: TensorLike): Tensor;
    minimum(b: TensorLike): Tensor;
    mod(b: TensorLike): Tensor;
    eq(b: TensorLike): Tensor;
    ne(b: TensorLike): Tensor;
    lt(b: TensorLike): Tensor;
    le(b: TensorLike): Tensor;
    gt(b: TensorLike): Tensor;
    ge(b: TensorLike): Tensor;
    logicalAnd(b: TensorLike): Tensor;
    logicalOr(b: TensorLike): Tensor;
    clamp(lo?: TensorLike | null, hi?: TensorLike | null): Tensor;
    cast(dtype: DType): Tensor;
    clone(): Tensor;
    toBackend(name: string): Promise<Tensor>;
    sum(axes?: number | readonly number[], keepDim?: boolean): Tensor;
    mean(axes?: number | readonly number[], keepDim?: boolean): Tensor;
    prod(axes?: number | readonly number[], keepDim?: boolean): Tensor;
    max(axes?: number | readonly number[], keepDim?: boolean): Tensor;
    min(axes?: number | readonly number[], keepDim?: boolean): Tensor;
    argmax(axis?: number, keepDim?: boolean): Tensor;
    argmin(axis?: number, keepDim?: boolean): Tensor;
    norm(p?: 1 | 2, axes?: number | readonly number[], keepDim?: boolean): Tensor;
    variance(axes?: number | readonly number[], keepDim?: boolean, correction?: number): Tensor;
    logsumexp(axes?: number | readonly number[], keepDim?: boolean): Tensor;
    softmax(axis?: number): Tensor;
    logSoftmax(axis?: number): Tensor;
    normalize(p?: 1 | 2, axis?: number, eps?: number): Tensor;
    matmul(b: Tensor): Tensor;
    transpose(d0?: number, d1?: number): Tensor;
    permute(dims: readonly number[]): Tensor;
    reshape(shape: readonly number[]): Tensor;
    flatten(start?: number, end?: number): Tensor;
    squeeze(axes?: number | readonly number[]): Tensor;
    unsqueeze(axis: number): Tensor;
    expand(shape: readonly number[]): Tensor;
    broadcastTo(shape: readonly number[]): Tensor;
    slice(starts: readonly number[], ends: readonly number[], steps?: readonly number[]): Tensor;
    narrow(axis: number, start: number, length: number): Tensor;
    contiguous(): Tensor;
    split(sizes: number | readonly number[], axis?: number): Tensor[];
    chunk(n: number, axis?: number): Tensor[];
    pad(pads: readonly (readonly [number, number])[], value?: number): Tensor;
    gather(axis: number, index: Tensor): Tensor;
    indexSelect(axis: number, index: Tensor): Tensor;
    scatterAdd(axis: number, index: Tensor, src: Tensor): Tensor;
    topk(k: number, axis?: number): { values: Tensor; indices: Tensor };
  }
}

const methods = {
  neg(this: Tensor): Tensor { return ew.neg(this); },
  abs(this: Tensor): Tensor { return ew.abs(this); },
  sign(this: Tensor): Tensor { return ew.sign(this); },
  exp(this: Tensor): Tensor { return ew.exp(this); },
  log(this: Tensor): Tensor { return ew.log(this); },
  sqrt(this: Tensor): Tensor { return ew.sqrt(this); },
  rsqrt(this: Tensor): Tensor { return ew.rsqrt(this); },
  reciprocal(this: Tensor): Tensor { return ew.reciprocal(this); },
  square(this: Tensor): Tensor { return ew.square(this); },
  sin(this: Tensor): Tensor { return ew.sin(this); },
  cos(this: Tensor): Tensor { return ew.cos(this); },
  tanh(this: Tensor): Tensor { return ew.tanh(this); },
  sigmoid(this: Tensor): Tensor { return ew.sigmoid(this); },
  relu(this: Tensor): Tensor { return ew.relu(this); },
  erf(this: Tensor): Tensor { return ew.erf(this); },
  gelu(this: Tensor): Tensor { return ew.gelu(this); },
  floor(this: Tensor): Tensor { return ew.floor(this); },
  ceil(this: Tensor): Tensor { return ew.ceil(this); },
  round(this: Tensor): Tensor { return ew.round(this); },
  logicalNot(this: Tensor): Tensor { return ew.logicalNot(this); },
  add(this: Tensor, b: TensorLike): Tensor { return ew.add(this, b); },
  sub(this: Tensor, b: TensorLike): Tensor { return ew.sub(this, b); },
  mul(this: Tensor, b: TensorLike): Tensor { return ew.mul(this, b); },
  div(this: Tensor, b: TensorLike): Tensor { return ew.div(this, b); },
  pow(this: Tensor, b: TensorLike): Tensor { return ew.pow(this, b); },
  maximum(this: Tensor, b: TensorLike): Tensor { return ew.maximum(this, b); },
  minimum(this: Tensor, b: TensorLike): Tensor { return ew.minimum(this, b); },
  mod(this: Tensor, b: TensorLike): Tensor { return ew.mod(this, b); },
  eq(this: Tensor, b: TensorLike): Tensor { return ew.eq(this, b); },
  ne(this: Tensor, b: TensorLike): Tensor { return ew.ne(this, b); },
  lt(this: Tensor, b: TensorLike): Tensor { return ew.lt(this, b); },
  le(this: Tensor, b: TensorLike): Tensor { return ew.le(this, b); },
  gt(this: Tensor, b: TensorLike): Tensor { return ew.gt(this, b); },
  ge(this: Tensor, b: TensorLike): Tensor { return ew.ge(this, b); },
  logicalAnd(this: Tensor, b: TensorLike): Tensor { return ew.logicalAnd(this, b); },
  logicalOr(this: Tensor, b: TensorLike): Tensor { return ew.logicalOr(this, b); },
  clamp(this: Tensor, lo?: TensorLike | null, hi?: TensorLike | null): Tensor { return ew.clamp(this, lo, hi); },
  cast(this: Tensor, dtype: DType): Tensor { return ew.cast(this, dtype); },
  clone(this: Tensor): Tensor { return ew.clone(this); },
  toBackend(this: Tensor, name: string): Promise<Tensor> { return toBackend(this, name); },
  sum(this: Tensor, axes?: number | readonly number[], keepDim = false): Tensor { return red.sum(this, axes, keepDim); },
  mean(this: Tensor, axes?: number | readonly number[], keepDim = false): Tensor { return red.mean(this, axes, keepDim); },
  prod(this: Tensor, axes?: number | readonly number[], keepDim = false): Tensor { return red.prod(this, axes, keepDim); },
  max(this: Tensor, axes?: number | readonly number[], keepDim = false): Tensor { return red.max(this, axes, keepDim); },
  min(this: Tensor, axes?: number | readonly number[], keepDim = false): Tensor { return red.min(this, axes, keepDim); },
  argmax(this: Tensor, axis?: number, keepDim = false): Tensor { return red.argmax(this, axis, keepDim); },
  argmin(this: Tensor, axis?: number, keepDim = false): Tensor { return red.argmin(this, axis, keepDim); },
  norm(this: Tensor, p: 1 | 2 = 2, axes?: number | readonly number[], keepDim = false): Tensor { return red.norm(this, p, axes, keepDim); },
  variance(this: Tensor, axes?: number | readonly number[], keepDim = false, correction = 0): Tensor { return red.variance(this, axes, keepDim, correction); },
  logsumexp(this: Tensor, axes?: number | readonly number[], keepDim = false): Tensor { return red.logsumexp(this, axes, keepDim); },
  softmax(this: Tensor, axis = -1): Tensor { return nn.softmax(this, axis); },
  logSoftmax(this: Tensor, axis = -1): Tensor { return nn.logSoftmax(this, axis); },
  normalize(this: Tensor, p: 1 | 2 = 2, axis = -1, eps = 1e-12): Tensor { return nn.normalize(this, p, axis, eps); },
  matmul(this: Tensor, b: Tensor): Tensor { return matmul(this, b); },
  transpose(this: Tensor, d0 = -2, d1 = -1): Tensor { return views.transpose(this, d0, d1); },
  permute(this: Tensor, dims: readonly number[]): Tensor { return views.permute(this, dims); },
  reshape(this: Tensor, shape: readonly number[]): Tensor { return views.reshape(this, shape); },
  flatten(this: Tensor, start = 0, end = -1): Tensor { return views.flatten(this, start, end); },
  squeeze(this: Tensor, axes?: number | readonly number[]): Tensor { return views.squeeze(this, axes); },
  unsqueeze(this: Tensor, axis: number): Tensor { return views.unsqueeze(this, axis); },
  expand(this: Tensor, shape: readonly number[]): Tensor { return views.expand(this, shape); },
  broadcastTo(this: Tensor, shape: readonly number[]): Tensor { return views.broadcastTo(this, shape); },
  slice(this: Tensor, starts: readonly number[], ends: readonly number[], steps?: readonly number[]): Tensor { return views.slice(this, starts, ends, steps); },
  narrow(this: Tensor, axis: number, start: number, length: number): Tensor { return views.narrow(this, axis, start, length); },
  contiguous(this: Tensor): Tensor { return views.contiguous(this); },
  split(this: Tensor, sizes: number | readonly number[], axis = 0): Tensor[] { return join.split(this, sizes, axis); },
  chunk(this: Tensor, n: number, axis = 0): Tensor[] { return join.chunk(this, n, axis); },
  pad(this: Tensor, pads: readonly (readonly [number, number])[], value = 0): Tensor { return join.pad(this, pads, value); },
  gather(this: Tensor, axis: number, index: Tensor): Tensor { return idx.gather(this, axis, index); },
  indexSelect(this: Tensor, axis: number, index: Tensor): Tensor { return idx.indexSelect(this, axis, index); },
  scatterAdd(this: Tensor, axis: number, index: Tensor, src: Tensor): Tensor { return idx.scatterAdd(this, axis, index, src); },
  topk(this: Tensor, k: number, axis = -1): { values: Tensor; indices: Tensor } { return idx.topk(this, k, axis); },
};

for (const [name, fn] of Object.entries(methods)) {
  Object.defineProperty(Tensor.prototype, name, { value: fn, writable: true, configurable: true, enumerable: false });
}
