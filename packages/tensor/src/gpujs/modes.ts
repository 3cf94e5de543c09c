// Loading gpu.js (lazily, so the rest of @avey/tensor never pays for it) and choosing its mode.
//
// Modes the backend can run in (all through gpu.js' synchronous kernel API):
//   headlessgl, webgl2, webgl  — GPU modes (GLSL fragment shaders). headlessgl needs the optional
//                                 native `gl` package and an X display (xvfb-run) in Node.
//   webasm                     — gpu.js' WebAssembly (f32x4 SIMD) backend, CPU only.
//   cpu                        — gpu.js' plain-JS backend, CPU only.
// 'gpu' asks gpu.js to pick (headlessgl > webgl2 > webgl > webasm); the backend reports what it got.
// gpu.js' own 'webgpu' mode is Promise-only, which the synchronous primitive interface cannot use.

import { createRequire } from 'node:module';
import { BackendError } from '../errors.js';

export type GpuJsMode = 'headlessgl' | 'webgl2' | 'webgl' | 'webasm' | 'cpu';
export type GpuJsModeRequest = GpuJsMode | 'gpu' | 'auto';

export const GPU_MODES: readonly GpuJsMode[] = ['headlessgl', 'webgl2', 'webgl'];
export const CPU_MODES: readonly GpuJsMode[] = ['webasm', 'cpu'];
const ALL_REQUESTS: readonly string[] = [...GPU_MODES, ...CPU_MODES, 'gpu', 'auto'];

/** Whether `mode` runs on a GPU (anything but webasm / cpu). */
export function isGpuMode(mode: GpuJsMode): boolean {
  return GPU_MODES.includes(mode);
}

// ---- the slice of gpu.js' API this backend uses ------------------------------------------------

/** A compiled gpu.js kernel (a callable "run shortcut"). */
export interface GpuJsKernel {
  (...args: (Float32Array | number)[]): unknown;
  /** The kernel object that actually ran (gpu.js swaps it on fallback). */
  readonly kernel: { readonly constructor: unknown; readonly fallbackReason?: string | null };
  destroy(removeCanvasReferences?: boolean): void;
}

export interface GpuJsKernelSettings {
  output: number[];
  precision: 'single';
  tactic: 'precision';
  dynamicArguments: boolean;
  loopMaxIterations: number;
}

export interface GpuJsInstance {
  createKernel(source: string, settings: GpuJsKernelSettings): GpuJsKernel;
  destroy(): void;
}

interface GpuJsStatic {
  new (settings: { mode: string }): GpuJsInstance;
  readonly isHeadlessGLSupported: boolean;
  readonly isWebGLSupported: boolean;
  readonly isWebGL2Supported: boolean;
  readonly isWebAssemblySupported: boolean;
}

/** What the lazily imported module provides (classes compared by identity to name a mode). */
export interface GpuJsModule {
  GPU: GpuJsStatic;
  kernelClasses: Map<unknown, GpuJsMode>;
  /** The installed gpu.js version (package.json pins 2.24.1, the version measured in docs/gpujs.md). */
  version: string;
}

let loaded: Promise<GpuJsModule> | null = null;

/** Imports gpu.js once. Throws BackendError if the package is missing or fails to load. */
export function loadGpuJs(): Promise<GpuJsModule> {
  loaded ??= (async () => {
    let mod: Record<string, unknown>;
    try {
      const imported = (await import('gpu.js')) as unknown as { default?: Record<string, unknown> } & Record<string, unknown>;
      mod = imported.default ?? imported;
    } catch (e) {
      loaded = null;
      throw new BackendError('gpujs', `cannot load the gpu.js package (${(e as Error).message})`);
    }
    const kernelClasses = new Map<unknown, GpuJsMode>([
      [mod.HeadlessGLKernel, 'headlessgl'],
      [mod.WebGL2Kernel, 'webgl2'],
      [mod.WebGLKernel, 'webgl'],
      [mod.WebAssemblyKernel, 'webasm'],
      [mod.CPUKernel, 'cpu'],
    ]);
    let version = 'unknown';
    try {
      version = (createRequire(import.meta.url)('gpu.js/package.json') as { version: string }).version;
    } catch {
      // version stays 'unknown'; only used in messages
    }
    return { GPU: mod.GPU as GpuJsStatic, kernelClasses, version };
  })();
  return loaded;
}

/** Whether gpu.js reports `mode` usable here. */
export function modeSupported(gpujs: GpuJsModule, mode: GpuJsMode): boolean {
  try {
    switch (mode) {
      case 'headlessgl': return gpujs.GPU.isHeadlessGLSupported;
      case 'webgl2': return gpujs.GPU.isWebGL2Supported;
      case 'webgl': return gpujs.GPU.isWebGLSupported;
      case 'webasm': return gpujs.GPU.isWebAssemblySupported;
      case 'cpu': return true;
    }
  } catch {
    return false;
  }
}

/** The modes available here, best first. */
export async function availableModes(): Promise<GpuJsMode[]> {
  const gpujs = await loadGpuJs();
  return [...GPU_MODES, ...CPU_MODES].filter((m) => modeSupported(gpujs, m));
}

/** Parses a mode request (option, else env GPUJS_MODE, else 'auto'). */
export function parseModeRequest(requested: string | undefined): GpuJsModeRequest {
  const env = typeof process === 'undefined' ? undefined : process.env.GPUJS_MODE;
  const raw = (requested ?? env ?? 'auto').trim().toLowerCase();
  if (!ALL_REQUESTS.includes(raw)) {
    throw new BackendError('gpujs', `unknown gpu.js mode '${raw}' (expected one of ${ALL_REQUESTS.join(', ')})`);
  }
  return raw as GpuJsModeRequest;
}

/** Resolves a request to a concrete mode: 'auto' and 'gpu' take the first supported of
 *  headlessgl > webgl2 > webgl > webasm > cpu; an explicit mode must be supported. */
export function resolveMode(gpujs: GpuJsModule, request: GpuJsModeRequest): GpuJsMode {
  if (request === 'auto' || request === 'gpu') {
    for (const m of [...GPU_MODES, ...CPU_MODES]) if (modeSupported(gpujs, m)) return m;
    return 'cpu';
  }
  if (!modeSupported(gpujs, request)) {
    const hint = request === 'headlessgl'
      ? ' (needs the optional native `gl` package built from source and an X display, e.g. xvfb-run)'
      : request === 'webgl' || request === 'webgl2' ? ' (browser only)' : '';
    throw new BackendError('gpujs', `gpu.js mode '${request}' is not supported here${hint}`);
  }
  return request;
}
