// Storage of the gpu.js backend.
//
// gpu.js kernels take and return float32 arrays (its 'single' precision), so every dtype is
// stored as a Float32Array on the host: int32 and bool values are exact there only for
// |v| < 2^24 (larger ints round to the nearest float32). `read` converts back to the dtype's
// typed array. gpu.js uploads the arrays to its own memory (textures in GL modes, wasm memory
// in webasm mode) when a kernel runs, so buffers cost host memory only.

import type { ArrayFor, BackendBuffer, DType, TypedArray } from '../backend.js';
import { BackendError, DTypeError } from '../errors.js';

export const GPUJS_DTYPES: readonly DType[] = ['float32', 'int32', 'bool'];

export class GpuJsBuffer implements BackendBuffer {
  readonly backend = 'gpujs';
  readonly dtype: DType;
  readonly size: number;
  #data: Float32Array | null;

  constructor(dtype: DType, data: Float32Array) {
    this.dtype = dtype;
    this.size = data.length;
    this.#data = data;
  }

  /** The float32 storage; throws if the buffer was freed. */
  data(op: string): Float32Array {
    if (this.#data === null) throw new BackendError(op, `gpujs buffer (${this.dtype}, ${this.size} elements) used after free`);
    return this.#data;
  }

  /** Swaps the storage (used by `assign`, which the contract defines as in place). */
  replace(op: string, data: Float32Array): void {
    if (data.length !== this.data(op).length) {
      throw new BackendError(op, `gpujs: replacement storage has ${data.length} elements, buffer has ${this.size}`);
    }
    this.#data = data;
  }

  get freed(): boolean {
    return this.#data === null;
  }

  free(): void {
    this.#data = null;
  }
}

/** Narrows a BackendBuffer to this backend's buffer or throws BackendError naming `op`. */
export function asGpuJs(op: string, b: BackendBuffer): GpuJsBuffer {
  if (!(b instanceof GpuJsBuffer)) {
    throw new BackendError(op, `expected a gpujs buffer, got one from backend '${b.backend}'`);
  }
  return b;
}

export function checkDType(op: string, dtype: DType): void {
  if (!GPUJS_DTYPES.includes(dtype)) {
    throw new DTypeError(op, `the gpujs backend has no ${dtype} (supported: ${GPUJS_DTYPES.join(', ')}); use the cpu backend for float64`);
  }
}

/** Copies `data` into float32 storage (bool → 0/1). */
export function toStorage<D extends DType>(op: string, dtype: D, data: ArrayFor<D>): Float32Array {
  checkDType(op, dtype);
  const out = new Float32Array(data.length);
  if (dtype === 'bool') {
    for (let i = 0; i < data.length; i++) out[i] = data[i] !== 0 ? 1 : 0;
  } else {
    out.set(data);
  }
  return out;
}

/** Converts float32 storage to the typed array of `dtype` (ints are stored exactly, so a plain
 *  conversion is exact; bool is (v != 0)). Takes ownership of `f` for float32. */
export function fromStorage(dtype: DType, f: Float32Array): TypedArray {
  switch (dtype) {
    case 'float32':
      return f;
    case 'int32':
      return Int32Array.from(f);
    case 'bool': {
      const out = new Uint8Array(f.length);
      for (let i = 0; i < f.length; i++) out[i] = f[i] !== 0 ? 1 : 0;
      return out;
    }
    case 'float64':
      throw new DTypeError('read', 'the gpujs backend has no float64');
  }
}
