// Tensor: an immutable n-d view (shape, strides, offset, dtype) over a refcounted Storage.
// Views share storage; every op returns a new Tensor. Methods delegate to the free functions
// in ops/ (same names and signatures, minus the first argument); tensor-methods.ts attaches them,
// so this file imports no op and the core has no import cycle.

import type { Backend, BackendBuffer, DType, StridedRef, TypedArray } from './backend.js';
import { trackBuffer, trackTensor } from './engine.js';
import { AveyError, BackendError, ShapeError, fmtShape } from './errors.js';
import { TENSORS, recordInScope } from './scope.js';
import { contiguousStrides, isContiguous, sizeOf } from './shape.js';

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

  /** A scope keeps a returned tensor through this (as it keeps any object that owns tensors). */
  [TENSORS](): Tensor[] {
    return [this];
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
