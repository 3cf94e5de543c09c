// gpu.js fallback backend. See docs/gpujs.md.
//
//   const be = await createGpuJsBackendTyped({ mode: 'webasm' });  // or env GPUJS_MODE, default 'auto'
//   be.mode   // 'headlessgl' | 'webgl2' | 'webgl' | 'webasm' | 'cpu' — what actually runs
//   be.info   // 'gpujs (gpu.js 2.24.1, mode webasm, requested webasm)'
//   createGpuJsBackend(opts) is the same, typed as the plain `Backend` interface.

import type { Backend } from '../backend.js';
import { BackendError } from '../errors.js';
import { GpuJsBackend } from './backend.js';
import { type GpuJsMode, isGpuMode, loadGpuJs, parseModeRequest, resolveMode } from './modes.js';

export { GpuJsBackend } from './backend.js';
export { GpuJsBuffer } from './buffer.js';
export { availableModes, CPU_MODES, GPU_MODES, isGpuMode, type GpuJsMode, type GpuJsModeRequest } from './modes.js';

export interface GpuJsBackendOptions {
  /** 'auto' (default; also 'gpu'): the first supported of headlessgl > webgl2 > webgl > webasm > cpu.
   *  Or one mode by name. Falls back to env GPUJS_MODE when omitted. */
  mode?: string;
  /** Throw BackendError unless the resolved mode is a GPU mode (what `auto` backend selection
   *  wants: gpu.js' webasm/cpu modes are slower than the CPU backend). */
  requireGpu?: boolean;
  /** Rows longer than this are reduced in two levels (default 1024). */
  reduceChunk?: number;
  /** Max compiled kernels kept, LRU (default 512). */
  kernelCacheSize?: number;
  /** Max estimated bytes gpu.js may retain for cached kernels, LRU (default 256 MiB). */
  kernelCacheBytes?: number;
  /** scatterAdd runs as a host loop above this many (output element × N) steps (default 2^26). */
  scatterKernelMaxWork?: number;
}

/** Creates the gpu.js backend (loads gpu.js lazily). Throws BackendError when gpu.js is missing,
 *  the requested mode is unsupported here, or `requireGpu` is set and no GPU mode works. */
export async function createGpuJsBackend(opts: GpuJsBackendOptions = {}): Promise<Backend> {
  return createGpuJsBackendTyped(opts);
}

/** `createGpuJsBackend` with the concrete class type (mode, info, kernelStats, fallbacks). */
export async function createGpuJsBackendTyped(opts: GpuJsBackendOptions = {}): Promise<GpuJsBackend> {
  const requested = parseModeRequest(opts.mode);
  const gpujs = await loadGpuJs();
  const mode: GpuJsMode = resolveMode(gpujs, requested);
  if (opts.requireGpu && !isGpuMode(mode)) {
    throw new BackendError('gpujs', `no gpu.js GPU mode available here (best mode: ${mode}); headlessgl needs the native \`gl\` package and an X display (xvfb-run)`);
  }
  return new GpuJsBackend({
    gpujs, mode, requested, reduceChunk: opts.reduceChunk, kernelCacheSize: opts.kernelCacheSize, kernelCacheBytes: opts.kernelCacheBytes,
    scatterKernelMaxWork: opts.scatterKernelMaxWork,
  });
}

/** The factory for the core's backend registry: the best mode here, or the one GPUJS_MODE names.
 *  A CPU mode (webasm / cpu) marks the backend `emulated`, so `setBackend('auto')` passes over it
 *  while `setBackend('gpujs')` (an explicit choice) still gets it. */
export function gpuJsBackendFactory(): Promise<Backend> {
  const explicit = typeof process === 'undefined' ? undefined : process.env.GPUJS_MODE;
  return createGpuJsBackend(explicit ? { mode: explicit } : {});
}
