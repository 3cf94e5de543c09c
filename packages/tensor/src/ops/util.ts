// Internal helpers shared by the op files (not exported from the package).

import type { Backend, BackendBuffer, DType, StridedRef } from '../backend.js';
import { backendByName, getBackend } from '../engine.js';
import { BackendError } from '../errors.js';
import { contiguousStrides, reshapeStrides } from '../shape.js';
import { Tensor, type TensorLike } from '../tensor.js';

export interface CreateOptions {
  dtype?: DType;
  /** name of an initialised backend; default: the current one */
  backend?: string;
}

export function resolveBackend(op: string, name?: string): Backend {
  return name === undefined ? getBackend() : backendByName(name, op);
}

/** The backend shared by every tensor operand (numbers follow it); BackendError if they differ. */
export function commonBackend(op: string, ...xs: (TensorLike | null | undefined)[]): Backend {
  let b: Backend | null = null;
  for (const x of xs) {
    if (!(x instanceof Tensor)) continue;
    x.assertLive(op);
    const xb = x.storage.backend;
    if (b && xb !== b) {
      throw new BackendError(op, `operands live on different backends ('${b.name}' and '${xb.name}'); move one with await t.toBackend(name)`);
    }
    b = xb;
  }
  return b ?? getBackend();
}

/** A contiguous tensor owning a buffer just returned by a backend. */
export function wrap(backend: Backend, buffer: BackendBuffer, shape: readonly number[]): Tensor {
  return Tensor.fromBuffer(backend, buffer, shape);
}

/** A ref viewing `t` as `shape` (same element count), copying to contiguous first when the
 *  strides do not allow a view. Copies are pushed on `temps` for the caller to dispose. */
export function refAs(op: string, t: Tensor, shape: readonly number[], temps: Tensor[]): StridedRef {
  t.assertLive(op);
  const strides = reshapeStrides(t.shape, t.strides, shape);
  if (strides) return { buffer: t.storage.buffer, view: { shape, strides, offset: t.offset } };
  const backend = t.storage.backend;
  const c = wrap(backend, backend.unary('copy', t.ref, t.dtype), t.shape);
  temps.push(c);
  return { buffer: c.storage.buffer, view: { shape, strides: contiguousStrides(shape), offset: 0 } };
}

export function disposeAll(ts: readonly Tensor[]): void {
  for (const t of ts) t.dispose();
}

export function product(xs: readonly number[], from = 0, to = xs.length): number {
  let n = 1;
  for (let i = from; i < to; i++) n *= xs[i];
  return n;
}
