// Tensor: an immutable n-d view (shape, strides, offset, dtype) over a refcounted Storage.
// Views share storage; every op returns a new Tensor. Methods delegate to the free functions
// in ops/ (same names and signatures, minus the first argument).

import type { Backend, BackendBuffer, DType, StridedRef, TypedArray } from './backend.js';
import { trackBuffer, trackTensor } from './engine.js';
import { AveyError, BackendError, ShapeError, fmtShape } from './errors.js';
import { recordInScope } from './scope.js';
import { contiguousStrides, isContiguous, sizeOf } from './shape.js';
import * as ew from './ops/elementwise.js';
import * as red from './ops/reduce.js';
import * as nn from './ops/nn.js';
import * as views from './ops/views.js';
import * as join from './ops/join.js';
import * as idx from './ops/indexing.js';
import { matmul } from './ops/linalg.js';
import { toBackend } from './ops/creation.js';

/** A backend buffer plus a reference count (one per Tensor viewing it). */
export class Storage {
  private refs = 1;
  constructor(readonly backend: Backend, readonly buffer: BackendBuffer) {
    trackBuffer(buffer, 1);
  }
  retain(): void {
    this.refs++;
  }
  release(): void {
    if (--this.refs === 0) {
      this.backend.free(this.buffer);
      trackBuffer(this.buffer, -1);
    }
  }
  get refCount(): number {
    return this.refs;
  }
}

export type TensorLike = Tensor | number;
export type NestedArray = number | NestedArray[];

export class Tensor {
  readonly shape: readonly number[];
  readonly strides: readonly number[];
  readonly offset: number;
  readonly dtype: DType;
  readonly size: number;
  readonly storage: Storage;
  private disposed = false;

  /** Takes one reference on `storage` (the caller has already retained it or just created it). */
  constructor(storage: Storage, shape: readonly number[], strides: readonly number[], offset: number) {
    this.storage = storage;
    this.shape = Object.freeze(shape.slice());
    this.strides = Object.freeze(strides.slice());
    this.offset = offset;
    this.dtype = storage.buffer.dtype;
    this.size = sizeOf(shape);
    trackTensor(storage.backend.name, 1);
    recordInScope(this);
  }

  /** A new contiguous tensor owning `buffer`. */
  static fromBuffer(backend: Backend, buffer: BackendBuffer, shape: readonly number[]): Tensor {
    return new Tensor(new Storage(backend, buffer), shape, contiguousStrides(shape), 0);
  }

  /** A view of this tensor's storage. */
  view(shape: readonly number[], strides: readonly number[], offset: number): Tensor {
    this.assertLive('view');
    this.storage.retain();
    return new Tensor(this.storage, shape, strides, offset);
  }

  get rank(): number {
    return this.shape.length;
  }
  get backend(): string {
    return this.storage.backend.name;
  }
  get isDisposed(): boolean {
    return this.disposed;
  }
  /** The buffer and view, as backends take them. */
  get ref(): StridedRef {
    this.assertLive('ref');
    return { buffer: this.storage.buffer, view: { shape: this.shape, strides: this.strides, offset: this.offset } };
  }
  isContiguous(): boolean {
    return isContiguous(this.shape, this.strides);
  }

  assertLive(op: string): void {
    if (this.disposed) throw new AveyError(op, `tensor ${fmtShape(this.shape)} ${this.dtype} used after dispose()`);
  }

  /** Releases this tensor's reference to its storage. Idempotent. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    trackTensor(this.storage.backend.name, -1);
    this.storage.release();
  }

  // ---- reading ----------------------------------------------------------------------------------
  /** Contiguous row-major copy of the elements. */
  async data(): Promise<TypedArray> {
    this.assertLive('data');
    return this.storage.backend.read(this.ref);
  }
  dataSync(): TypedArray {
    this.assertLive('dataSync');
    const b = this.storage.backend;
    if (!b.syncRead || !b.readSync) {
      throw new BackendError('dataSync', `backend '${b.name}' has no synchronous read; use await t.data()`);
    }
    return b.readSync(this.ref);
  }
  /** Nested JS arrays (bool as 0/1); a rank-0 tensor gives a number. */
  async array(): Promise<NestedArray> {
    return nest(await this.data(), this.shape);
  }
  arraySync(): NestedArray {
    return nest(this.dataSync(), this.shape);
  }
  item(): number {
    if (this.size !== 1) throw new ShapeError('item', `needs exactly one element, got shape ${fmtShape(this.shape)}`);
    return this.dataSync()[0];
  }
  async itemAsync(): Promise<number> {
    if (this.size !== 1) throw new ShapeError('item', `needs exactly one element, got shape ${fmtShape(this.shape)}`);
    return (await this.data())[0];
  }
  toString(): string {
    return `Tensor(${fmtShape(this.shape)}, ${this.dtype}, ${this.backend}${this.disposed ? ', disposed' : ''})`;
  }

  // ---- ops (see ops/ for docs) ------------------------------------------------------------------
  neg(): Tensor { return ew.neg(this); }
  abs(): Tensor { return ew.abs(this); }
  sign(): Tensor { return ew.sign(this); }
  exp(): Tensor { return ew.exp(this); }
  log(): Tensor { return ew.log(this); }
  sqrt(): Tensor { return ew.sqrt(this); }
  rsqrt(): Tensor { return ew.rsqrt(this); }
  reciprocal(): Tensor { return ew.reciprocal(this); }
  square(): Tensor { return ew.square(this); }
  sin(): Tensor { return ew.sin(this); }
  cos(): Tensor { return ew.cos(this); }
  tanh(): Tensor { return ew.tanh(this); }
  sigmoid(): Tensor { return ew.sigmoid(this); }
  relu(): Tensor { return ew.relu(this); }
  erf(): Tensor { return ew.erf(this); }
  gelu(): Tensor { return ew.gelu(this); }
  floor(): Tensor { return ew.floor(this); }
  ceil(): Tensor { return ew.ceil(this); }
  round(): Tensor { return ew.round(this); }
  logicalNot(): Tensor { return ew.logicalNot(this); }

  add(b: TensorLike): Tensor { return ew.add(this, b); }
  sub(b: TensorLike): Tensor { return ew.sub(this, b); }
  mul(b: TensorLike): Tensor { return ew.mul(this, b); }
  div(b: TensorLike): Tensor { return ew.div(this, b); }
  pow(b: TensorLike): Tensor { return ew.pow(this, b); }
  maximum(b: TensorLike): Tensor { return ew.maximum(this, b); }
  minimum(b: TensorLike): Tensor { return ew.minimum(this, b); }
  mod(b: TensorLike): Tensor { return ew.mod(this, b); }
  eq(b: TensorLike): Tensor { return ew.eq(this, b); }
  ne(b: TensorLike): Tensor { return ew.ne(this, b); }
  lt(b: TensorLike): Tensor { return ew.lt(this, b); }
  le(b: TensorLike): Tensor { return ew.le(this, b); }
  gt(b: TensorLike): Tensor { return ew.gt(this, b); }
  ge(b: TensorLike): Tensor { return ew.ge(this, b); }
  logicalAnd(b: TensorLike): Tensor { return ew.logicalAnd(this, b); }
  logicalOr(b: TensorLike): Tensor { return ew.logicalOr(this, b); }
  clamp(lo?: TensorLike | null, hi?: TensorLike | null): Tensor { return ew.clamp(this, lo, hi); }
  cast(dtype: DType): Tensor { return ew.cast(this, dtype); }
  clone(): Tensor { return ew.clone(this); }
  toBackend(name: string): Promise<Tensor> { return toBackend(this, name); }

  sum(axes?: number | readonly number[], keepDim = false): Tensor { return red.sum(this, axes, keepDim); }
  mean(axes?: number | readonly number[], keepDim = false): Tensor { return red.mean(this, axes, keepDim); }
  prod(axes?: number | readonly number[], keepDim = false): Tensor { return red.prod(this, axes, keepDim); }
  max(axes?: number | readonly number[], keepDim = false): Tensor { return red.max(this, axes, keepDim); }
  min(axes?: number | readonly number[], keepDim = false): Tensor { return red.min(this, axes, keepDim); }
  argmax(axis?: number, keepDim = false): Tensor { return red.argmax(this, axis, keepDim); }
  argmin(axis?: number, keepDim = false): Tensor { return red.argmin(this, axis, keepDim); }
  norm(p: 1 | 2 = 2, axes?: number | readonly number[], keepDim = false): Tensor { return red.norm(this, p, axes, keepDim); }
  variance(axes?: number | readonly number[], keepDim = false, correction = 0): Tensor { return red.variance(this, axes, keepDim, correction); }
  logsumexp(axes?: number | readonly number[], keepDim = false): Tensor { return red.logsumexp(this, axes, keepDim); }

  softmax(axis = -1): Tensor { return nn.softmax(this, axis); }
  logSoftmax(axis = -1): Tensor { return nn.logSoftmax(this, axis); }
  normalize(p: 1 | 2 = 2, axis = -1, eps = 1e-12): Tensor { return nn.normalize(this, p, axis, eps); }

  matmul(b: Tensor): Tensor { return matmul(this, b); }
  transpose(d0 = -2, d1 = -1): Tensor { return views.transpose(this, d0, d1); }
  permute(dims: readonly number[]): Tensor { return views.permute(this, dims); }
  reshape(shape: readonly number[]): Tensor { return views.reshape(this, shape); }
  flatten(start = 0, end = -1): Tensor { return views.flatten(this, start, end); }
  squeeze(axes?: number | readonly number[]): Tensor { return views.squeeze(this, axes); }
  unsqueeze(axis: number): Tensor { return views.unsqueeze(this, axis); }
  expand(shape: readonly number[]): Tensor { return views.expand(this, shape); }
  broadcastTo(shape: readonly number[]): Tensor { return views.broadcastTo(this, shape); }
  slice(starts: readonly number[], ends: readonly number[], steps?: readonly number[]): Tensor { return views.slice(this, starts, ends, steps); }
  narrow(axis: number, start: number, length: number): Tensor { return views.narrow(this, axis, start, length); }
  contiguous(): Tensor { return views.contiguous(this); }

  split(sizes: number | readonly number[], axis = 0): Tensor[] { return join.split(this, sizes, axis); }
  chunk(n: number, axis = 0): Tensor[] { return join.chunk(this, n, axis); }
  pad(pads: readonly (readonly [number, number])[], value = 0): Tensor { return join.pad(this, pads, value); }

  gather(axis: number, index: Tensor): Tensor { return idx.gather(this, axis, index); }
  indexSelect(axis: number, index: Tensor): Tensor { return idx.indexSelect(this, axis, index); }
  scatterAdd(axis: number, index: Tensor, src: Tensor): Tensor { return idx.scatterAdd(this, axis, index, src); }
  topk(k: number, axis = -1): { values: Tensor; indices: Tensor } { return idx.topk(this, k, axis); }
}

function nest(data: TypedArray, shape: readonly number[]): NestedArray {
  if (shape.length === 0) return data[0];
  let pos = 0;
  const build = (d: number): NestedArray[] => {
    const n = shape[d];
    const out: NestedArray[] = new Array(n);
    if (d === shape.length - 1) {
      for (let i = 0; i < n; i++) out[i] = data[pos++];
    } else {
      for (let i = 0; i < n; i++) out[i] = build(d + 1);
    }
    return out;
  };
  return build(0);
}
