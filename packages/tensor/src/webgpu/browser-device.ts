// Acquiring a WebGPU device in a browser (or any host with `navigator.gpu` and no Node process):
// the page's own WebGPU implementation instead of Dawn through the `webgpu` npm package.
import { BackendError } from '../errors.js';
import type { DeviceHandle } from './device.js';

/** navigator.gpu when this is a browser-like host (no Node `process`), else undefined. */
export function browserGpu(): GPU | undefined {
  const g = globalThis as { process?: unknown; navigator?: { gpu?: GPU } };
  return g.process === undefined ? g.navigator?.gpu : undefined;
}

const LIMIT_NAMES = [
  'maxComputeInvocationsPerWorkgroup', 'maxComputeWorkgroupSizeX', 'maxComputeWorkgroupSizeY',
  'maxComputeWorkgroupSizeZ', 'maxComputeWorkgroupStorageSize', 'maxComputeWorkgroupsPerDimension',
  'maxStorageBufferBindingSize', 'maxBufferSize', 'maxStorageBuffersPerShaderStage',
] as const;

/** A device from navigator.gpu with the adapter's own limits; BackendError saying why if none. */
export async function acquireBrowserDevice(gpu: GPU): Promise<Omit<DeviceHandle, 'kind'> & { kind: 'browser' }> {
  let adapter: GPUAdapter | null;
  try {
    adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  } catch (e) {
    throw new BackendError('webgpu', `navigator.gpu.requestAdapter() failed: ${(e as Error).message}`);
  }
  if (!adapter) {
    throw new BackendError('webgpu', 'navigator.gpu.requestAdapter() returned no adapter (WebGPU is disabled or unsupported on this browser/GPU)');
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
    throw new BackendError('webgpu', `requestDevice failed: ${(e as Error).message}`);
  }
  const info = adapter.info;
  const isFallbackAdapter = Boolean((info as unknown as { isFallbackAdapter?: boolean }).isFallbackAdapter);
  const adapterName = [info.vendor, info.architecture, info.device, info.description].filter(Boolean).join(' ') || 'unknown adapter';
  const fl = (adapter as unknown as { featureLevel?: string }).featureLevel;
  return {
    gpu, adapter, device, kind: 'browser', featureLevel: fl === 'compatibility' ? 'compatibility' : 'core', adapterName, isFallbackAdapter,
    software: isFallbackAdapter || /swiftshader|llvmpipe|lavapipe|software/i.test(adapterName),
    limits: device.limits,
  };
}
