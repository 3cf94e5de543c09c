// The built-in backends, registered with the engine when @avey/tensor is imported. engine.ts holds
// only the registry; keeping the registrations here keeps the core (tensor, ops, engine) free of
// import cycles through the backends, which themselves build on the core.

import { registerBackend } from './engine.js';
// The CPU backend is always registered (lowest priority) and initialises synchronously.
import { CpuBackend } from './cpu/backend.js';
registerBackend('cpu', () => new CpuBackend(), 0);

// WebGPU (Dawn in Node through the `webgpu` package, navigator.gpu in browsers): highest priority.
// Registering is free: the native module loads only inside the factory.
import { createWebGPUBackend } from './webgpu/index.js';
import { webgpuAutoSkipReason } from './webgpu/preflight.js';
registerBackend('webgpu', () => createWebGPUBackend(), 20, { autoSkip: webgpuAutoSkipReason });

// gpu.js (WebGL through headless-gl or a browser): between the two. Its CPU modes (webasm, cpu)
// mark it `emulated`, so auto passes over it on machines without a GPU; gpu.js loads lazily.
registerBackend('gpujs', async () => (await import('./gpujs/index.js')).gpuJsBackendFactory(), 10);
