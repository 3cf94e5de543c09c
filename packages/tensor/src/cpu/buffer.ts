import type { BackendBuffer, DType, TypedArray } from '../backend.js';

/** CPU memory: a typed array. `data` is emptied on free so use-after-free fails loudly. */
export class CpuBuffer implements BackendBuffer {
  readonly size: number;
  freed = false;
  constructor(readonly backend: string, readonly dtype: DType, public data: TypedArray) {
    this.size = data.length;
  }
}
