// A tensor buffer on the GPU: a pooled GPUBuffer (4 bytes per element for every dtype, bool as u32).
import type { BackendBuffer, DType } from '../backend.js';

export class WebGPUBuffer implements BackendBuffer {
  readonly backend = 'webgpu';
  freed = false;
  constructor(
    readonly dtype: DType,
    readonly size: number,
    public gpu: GPUBuffer,
    /** Id of the backend instance that owns it (buffers of another device are rejected). */
    readonly owner: number,
  ) {}
}
