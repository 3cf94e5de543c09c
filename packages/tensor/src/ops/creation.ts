// Tensor creation. Data is built on the host and uploaded.

import type { DType, TypedArray } from '../backend.js';
import { allocArray, coerceScalar, dtypeOfArray } from '../dtype.js';
import { initBackend } from '../engine.js';
import { DTypeError, ShapeError, fmtShape } from '../errors.js';
import { sizeOf, validateShape } from '../shape.js';
import type { NestedArray } from '../tensor.js';
import { Tensor } from '../tensor.js';
import { cast, eq } from './elementwise.js';
import { unsqueeze } from './views.js';
import { type CreateOptions, resolveBackend, wrap } from './util.js';

export type { CreateOptions } from './util.js';

export type TensorData = number | boolean | TypedArray | readonly TensorData[];

export interface TensorOptions extends CreateOptions {
  /** shape for flat data (default: inferred from nesting) */
  shape?: readonly number[];
}

function inferShape(data: TensorData): number[] {
  const shape: number[] = [];
  let d: TensorData = data;
  while (Array.isArray(d)) {
    shape.push(d.length);
    if (d.length === 0) break;
    d = d[0] as TensorData;
  }
  if (ArrayBuffer.isView(d)) shape.push((d as TypedArray).length);
  return shape;
}

function flattenInto(op: string, data: TensorData, shape: readonly number[], depth: number, out: number[]): void {
  if (depth === shape.length) {
    if (typeof data === 'number') out.push(data);
    else if (typeof data === 'boolean') out.push(data ? 1 : 0);
    else throw new ShapeError(op, `ragged nested array: expected a scalar at depth ${depth} for shape ${fmtShape(shape)}`);
    return;
  }
  const n = shape[depth];
  const arr = data as ArrayLike<TensorData>;
  if ((!Array.isArray(data) && !ArrayBuffer.isView(data)) || arr.length !== n) {
    throw new ShapeError(op, `ragged nested array: expected length ${n} at depth ${depth} for shape ${fmtShape(shape)}`);
  }
  for (let i = 0; i < n; i++) flattenInto(op, arr[i], shape, depth + 1, out);
}

function firstLeaf(data: TensorData): TensorData {
  let d = data;
  while (Array.isArray(d) && d.length > 0) d = d[0] as TensorData;
  return d;
}

/** A tensor from a number, boolean, nested array or typed array. dtype: opts.dtype, else int32 for
 *  Int32Array, bool for Uint8Array / booleans, float32 otherwise (Float64Array included). */
export function tensor(data: TensorData, opts: TensorOptions = {}): Tensor {
  const backend = resolveBackend('tensor', opts.backend);
  let dtype: DType;
  let flat: TypedArray;
  if (ArrayBuffer.isView(data)) {
    const ta = data as TypedArray;
    const natural = dtypeOfArray(ta);
    dtype = opts.dtype ?? (natural === 'float64' ? 'float32' : natural);
    if (ta instanceof Float64Array || natural !== dtype) {
      flat = allocArray(dtype, ta.length);
      if (dtype === 'bool') for (let i = 0; i < ta.length; i++) flat[i] = ta[i] !== 0 ? 1 : 0;
      else flat.set(ta);
    } else flat = ta;
  } else {
    const leaf = firstLeaf(data);
    dtype = opts.dtype ?? (typeof leaf === 'boolean' ? 'bool' : 'float32');
    const shape = inferShape(data);
    const values: number[] = [];
    flattenInto('tensor', data, shape, 0, values);
    flat = allocArray(dtype, values.length);
    if (dtype === 'bool') for (let i = 0; i < values.length; i++) flat[i] = values[i] !== 0 ? 1 : 0;
    else flat.set(values);
    if (!opts.shape) {
      if (!backend.supportsDType(dtype)) throw new DTypeError('tensor', `backend '${backend.name}' does not support ${dtype}`);
      return wrap(backend, backend.upload(dtype, flat), shape);
    }
  }
  const shape = opts.shape ? opts.shape.slice() : [flat.length];
  validateShape('tensor', shape);
  if (sizeOf(shape) !== flat.length) {
    throw new ShapeError('tensor', `${flat.length} values do not fill shape ${fmtShape(shape)}`);
  }
  return wrap(backend, backend.upload(dtype, flat), shape);
}

/** Every element `value`. */
export function full(shape: readonly number[], value: number, opts: CreateOptions = {}): Tensor {
  validateShape('full', shape);
  const backend = resolveBackend('full', opts.backend);
  const dtype = opts.dtype ?? 'float32';
  return wrap(backend, backend.fill(dtype, sizeOf(shape), coerceScalar(value, dtype)), shape);
}
export function zeros(shape: readonly number[], opts: CreateOptions = {}): Tensor {
  return full(shape, 0, opts);
}
export function ones(shape: readonly number[], opts: CreateOptions = {}): Tensor {
  return full(shape, 1, opts);
}
/** Same shape, dtype (unless given) and backend as `t`. */
export function fullLike(t: Tensor, value: number, opts: { dtype?: DType } = {}): Tensor {
  return full(t.shape, value, { dtype: opts.dtype ?? t.dtype, backend: t.backend });
}
export function zerosLike(t: Tensor, opts: { dtype?: DType } = {}): Tensor {
  return fullLike(t, 0, opts);
}
export function onesLike(t: Tensor, opts: { dtype?: DType } = {}): Tensor {
  return fullLike(t, 1, opts);
}

function upload(op: string, dtype: DType, values: ArrayLike<number>, shape: number[], opts: CreateOptions): Tensor {
  const backend = resolveBackend(op, opts.backend);
  const arr = allocArray(dtype, values.length);
  arr.set(values);
  return wrap(backend, backend.upload(dtype, arr), shape);
}

/** start, start+step, … < stop (arange(n) = 0 … n-1). int32 when all arguments are integers
 *  (like torch), float32 otherwise, unless opts.dtype. */
export function arange(start: number, stop?: number, step = 1, opts: CreateOptions = {}): Tensor {
  if (stop === undefined) {
    stop = start;
    start = 0;
  }
  if (step === 0 || !Number.isFinite(step)) throw new ShapeError('arange', `invalid step ${step}`);
  const n = Math.max(0, Math.ceil((stop - start) / step));
  const dtype = opts.dtype ?? (Number.isInteger(start) && Number.isInteger(stop) && Number.isInteger(step) ? 'int32' : 'float32');
  const v = new Float64Array(n);
  for (let i = 0; i < n; i++) v[i] = start + i * step;
  return upload('arange', dtype, v, [n], opts);
}

/** `num` evenly spaced values from start to stop inclusive (float32 unless opts.dtype). */
export function linspace(start: number, stop: number, num: number, opts: CreateOptions = {}): Tensor {
  if (!Number.isInteger(num) || num < 0) throw new ShapeError('linspace', `invalid num ${num}`);
  const v = new Float64Array(num);
  const step = num > 1 ? (stop - start) / (num - 1) : 0;
  for (let i = 0; i < num; i++) v[i] = i === num - 1 && num > 1 ? stop : start + i * step;
  return upload('linspace', opts.dtype ?? 'float32', v, [num], opts);
}

/** n × m identity (m defaults to n). */
export function eye(n: number, m = n, opts: CreateOptions = {}): Tensor {
  validateShape('eye', [n, m]);
  const v = new Float64Array(n * m);
  for (let i = 0; i < Math.min(n, m); i++) v[i * m + i] = 1;
  return upload('eye', opts.dtype ?? 'float32', v, [n, m], opts);
}

/** idx (int32, any shape) → [...idx.shape, n] with 1 at idx (float32 unless opts.dtype; an
 *  out-of-range index gives an all-zero row). */
export function oneHot(idx: Tensor, n: number, opts: { dtype?: DType } = {}): Tensor {
  const classes = arange(0, n, 1, { dtype: idx.dtype === 'bool' ? 'int32' : idx.dtype, backend: idx.backend });
  const u = unsqueeze(idx, -1);
  const hit = eq(u, classes);
  classes.dispose();
  u.dispose();
  const dt = opts.dtype ?? 'float32';
  if (dt === 'bool') return hit;
  try {
    return cast(hit, dt);
  } finally {
    hit.dispose();
  }
}

/** A copy of `t` on backend `name` (initialised if needed). Async because reading a GPU buffer is. */
export async function toBackend(t: Tensor, name: string): Promise<Tensor> {
  t.assertLive('toBackend');
  const target = await initBackend(name);
  const data = await t.data();
  if (!target.supportsDType(t.dtype)) throw new DTypeError('toBackend', `backend '${name}' does not support ${t.dtype}`);
  return Tensor.fromBuffer(target, target.upload(t.dtype, data), t.shape);
}

export type { NestedArray };
