// Acquiring a WebGPU device through dawn.node (`webgpu` npm package), with automatic choice of the
// Dawn backend: Vulkan (core WebGPU; on CPU-only machines Mesa >= 25 lavapipe) first, then GL ES
// (compatibility feature level; any Mesa with EGL surfaceless).
//
// Dawn crash guard (backends-probe.md §1.4): the `GPU` object returned by `create()` owns Dawn's
// instance. If it is garbage-collected while a device lives, Dawn tears the instance down under the
// device and the process segfaults. Every object returned by `create()` is therefore kept in the
// module-level `LIVE` set until its device is disposed.
import { BackendError } from '../errors.js';
import { acquireBrowserDevice, browserGpu } from './browser-device.js';

export type WebGPUBackendKind = 'vulkan' | 'opengles' | 'auto';

export interface DeviceHandle {
  readonly gpu: GPU;
  readonly adapter: GPUAdapter;
  readonly device: GPUDevice;
  /** Dawn backend actually used ('browser': the page's navigator.gpu). */
  readonly kind: 'vulkan' | 'opengles' | 'browser';
  readonly featureLevel: 'core' | 'compatibility';
  /** e.g. "llvmpipe: Mesa 25.0.7 (LLVM 15.0.6)". */
  readonly adapterName: string;
  readonly isFallbackAdapter: boolean;
  /** A CPU rasteriser (llvmpipe/lavapipe/SwiftShader): correct but slower than the CPU backend. */
  readonly software: boolean;
  readonly limits: GPUSupportedLimits;
}

/** Strong references to every live GPU/adapter/device triple (see the crash guard above). */
const LIVE = new Set<DeviceHandle>();

export function liveDeviceCount(): number {
  return LIVE.size;
}

export function releaseDevice(h: DeviceHandle): void {
  if (!LIVE.has(h)) return;
  try {
    h.device.destroy();
  } finally {
    LIVE.delete(h);
  }
}

// Limits worth raising to what the adapter really has (compat defaults are tiny, e.g. 128 invocations).
const LIMIT_NAMES = [
  'maxComputeInvocationsPerWorkgroup', 'maxComputeWorkgroupSizeX', 'maxComputeWorkgroupSizeY',
  'maxComputeWorkgroupSizeZ', 'maxComputeWorkgroupStorageSize', 'maxComputeWorkgroupsPerDimension',
  'maxStorageBufferBindingSize', 'maxBufferSize', 'maxStorageBuffersPerShaderStage',
  'maxUniformBufferBindingSize', 'maxUniformBuffersPerShaderStage', 'maxBindGroups',
  'maxBindingsPerBindGroup',
] as const;

interface DawnModule {
  create(options: string[]): GPU;
  globals: object;
}

let dawn: DawnModule | null = null;
async function loadDawn(): Promise<DawnModule> {
  if (dawn) return dawn;
  try {
    const mod = (await import('webgpu')) as unknown as DawnModule;
    Object.assign(globalThis, mod.globals); // GPUBufferUsage, GPUMapMode, GPUShaderStage, …
    dawn = mod;
    return mod;
  } catch (e) {
    throw new BackendError(
      'webgpu', `cannot load the dawn.node binding (npm package 'webgpu'): ${(e as Error).message}. ` +
        `Is the 'webgpu' package installed for ${process.platform}-${process.arch}?`,
    );
  }
}

export function requestedKind(opt?: WebGPUBackendKind): WebGPUBackendKind {
  const env = process.env.WEBGPU_BACKEND;
  const k = opt ?? (env === undefined || env === '' ? 'auto' : env);
  if (k !== 'vulkan' && k !== 'opengles' && k !== 'auto') {
    throw new BackendError('webgpu', `WEBGPU_BACKEND must be vulkan, opengles or auto, got '${k}'`);
  }
  return k;
}

async function tryKind(kind: 'vulkan' | 'opengles'): Promise<DeviceHandle | string> {
  const { create } = await loadDawn();
  if (kind === 'opengles' && process.env.EGL_PLATFORM === undefined &&
      !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) {
    // Mesa's EGL needs a platform without a window system; read at eglInitialize time.
    process.env.EGL_PLATFORM = 'surfaceless';
  }
  let gpu: GPU;
  try {
    gpu = create([`backend=${kind}`]);
  } catch (e) {
    return `${kind}: create() failed: ${(e as Error).message.split('\n')[0]}`;
  }
  const adapter = await gpu.requestAdapter(
    kind === 'opengles'
      ? ({ featureLevel: 'compatibility', powerPreference: 'high-performance' } as GPURequestAdapterOptions)
      : { powerPreference: 'high-performance' },
  );
  if (!adapter) {
    const hint = kind === 'vulkan'
      ? 'no Vulkan adapter (needs libvulkan1 and a Vulkan driver; on CPU-only Debian 12: mesa-vulkan-drivers >= 25 from bookworm-backports, see .ci/setup-system.sh)'
      : 'no GL ES adapter (needs libegl1 libegl-mesa0 libgles2 libgl1-mesa-dri and EGL_PLATFORM=surfaceless without a display)';
    return `${kind}: ${hint}`;
  }
  const requiredLimits: Record<string, number> = {};
  const L = adapter.limits as unknown as Record<string, number | undefined>;
  for (const name of LIMIT_NAMES) {
    const v = L[name];
    if (typeof v === 'number') requiredLimits[name] = v;
  }
  let device: GPUDevice;
  try {
    device = await adapter.requestDevice({ requiredLimits });
  } catch (e) {
    return `${kind}: requestDevice failed: ${(e as Error).message}`;
  }
  const info = adapter.info;
  const fl = (adapter as unknown as { featureLevel?: string }).featureLevel;
  const featureLevel = fl === 'compatibility' || (kind === 'opengles' && !adapter.features.has('core-features-and-limits'))
    ? 'compatibility' : 'core';
  const isFallbackAdapter = Boolean((info as unknown as { isFallbackAdapter?: boolean }).isFallbackAdapter);
  const adapterName = info.description || info.device || `${info.vendor} ${info.architecture}`;
  const handle: DeviceHandle = {
    gpu, adapter, device, kind, featureLevel, adapterName, isFallbackAdapter,
    software: isFallbackAdapter || /llvmpipe|lavapipe|swiftshader|softpipe/i.test(`${adapterName} ${info.device} ${info.architecture}`),
    limits: device.limits,
  };
  LIVE.add(handle);
  return handle;
}

/** A device for `kind` ('auto' tries vulkan then opengles); BackendError listing every reason on failure. */
export async function acquireDevice(opt?: WebGPUBackendKind): Promise<DeviceHandle> {
  const nav = browserGpu();
  if (nav) {
    const handle: DeviceHandle = await acquireBrowserDevice(nav);
    LIVE.add(handle);
    return handle;
  }
  const kind = requestedKind(opt);
  const order: ('vulkan' | 'opengles')[] = kind === 'auto' ? ['vulkan', 'opengles'] : [kind];
  const reasons: string[] = [];
  for (const k of order) {
    const r = await tryKind(k);
    if (typeof r !== 'string') return r;
    reasons.push(r);
  }
  throw new BackendError(
    'webgpu', `no usable adapter (${reasons.join('; ')}). ` +
      `Set WEBGPU_BACKEND=vulkan|opengles|auto to choose; run .ci/setup-system.sh (Debian) to install the Mesa software adapter.`,
  );
}
