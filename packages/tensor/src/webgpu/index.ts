// WebGPU backend of @avey/tensor (dawn.node). Register with
//   registerBackend('webgpu', () => createWebGPUBackend(), <priority>)
import { WebGPUBackend } from './backend.js';
import { acquireDevice, type WebGPUBackendKind } from './device.js';
import { registerWebGPUKernels } from './fused-kernels.js';

export { WebGPUBackend, type WebGPUInfo } from './backend.js';
export { liveDeviceCount, type WebGPUBackendKind } from './device.js';
export { registerWebGPUKernels } from './fused-kernels.js';

export interface WebGPUBackendOptions {
  /** Dawn backend: 'auto' (default; env WEBGPU_BACKEND, else Vulkan then GL ES compat). */
  backend?: WebGPUBackendKind;
}

/** Creates a backend on a fresh device; throws BackendError saying why when no adapter works. */
export async function createWebGPUBackend(opts?: WebGPUBackendOptions): Promise<WebGPUBackend> {
  const kind = opts?.backend === 'auto' ? undefined : opts?.backend;
  const backend = new WebGPUBackend(await acquireDevice(kind));
  registerWebGPUKernels(); // fused softmax/logSoftmax for tensors on 'webgpu'
  return backend;
}
