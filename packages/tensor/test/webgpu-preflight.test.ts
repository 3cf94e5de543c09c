// auto's pre-check for WebGPU (src/webgpu/preflight.ts) on fake file systems: it must pass over
// WebGPU exactly when no hardware adapter is possible, without loading Dawn.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { webgpuAutoSkipReason, type FsLike, type PreflightEnv } from '../src/webgpu/preflight.js';

/** A file system of `files` (path → content); folders are implied by the paths. */
function fakeFs(files: Record<string, string>): FsLike {
  return {
    readdirSync(dir: string): string[] {
      const prefix = `${dir}/`;
      const names = Object.keys(files).filter((p) => p.startsWith(prefix)).map((p) => p.slice(prefix.length).split('/')[0]);
      if (names.length === 0) throw new Error(`ENOENT: ${dir}`);
      return [...new Set(names)];
    },
    readFileSync(path: string): string {
      const c = files[path];
      if (c === undefined) throw new Error(`ENOENT: ${path}`);
      return c;
    },
  };
}
const at = (files: Record<string, string>, env: Record<string, string> = {}, platform = 'linux'): PreflightEnv => ({ platform, env, fs: fakeFs(files) });

const LVP = { '/usr/share/vulkan/icd.d/lvp_icd.x86_64.json': '{"ICD":{"library_path":"libvulkan_lvp.so"}}' };
const INTEL = { '/usr/share/vulkan/icd.d/intel_icd.x86_64.json': '{"ICD":{"library_path":"libvulkan_intel.so"}}' };
const NVIDIA = { '/etc/vulkan/icd.d/nvidia_icd.json': '{"ICD":{"library_path":"libGLX_nvidia.so.0"}}' };
const DRI = { '/dev/dri/renderD128': '', '/dev/null': '' };
const NODEV = { '/dev/null': '' };

test('no Vulkan driver at all: skip, saying so', () => {
  assert.match(webgpuAutoSkipReason(at({ ...NODEV })) ?? '', /no Vulkan driver/);
});

test('only lavapipe: skip as emulated, whatever devices exist', () => {
  assert.match(webgpuAutoSkipReason(at({ ...LVP, ...DRI })) ?? '', /software Vulkan driver/);
});

test('hardware drivers installed but no GPU device node (a CI container): skip', () => {
  assert.match(webgpuAutoSkipReason(at({ ...LVP, ...INTEL, ...NODEV })) ?? '', /no GPU device/);
});

test('a hardware driver and a GPU device: try WebGPU', () => {
  assert.equal(webgpuAutoSkipReason(at({ ...LVP, ...INTEL, ...DRI })), undefined);
  assert.equal(webgpuAutoSkipReason(at({ ...NVIDIA, '/dev/nvidia0': '', '/dev/null': '' })), undefined);
});

test('VK_ICD_FILENAMES / VK_DRIVER_FILES replace the standard folders', () => {
  const files = { ...INTEL, ...LVP, ...DRI };
  assert.match(webgpuAutoSkipReason(at(files, { VK_ICD_FILENAMES: '/usr/share/vulkan/icd.d/lvp_icd.x86_64.json' })) ?? '', /software/);
  assert.equal(webgpuAutoSkipReason(at(files, { VK_DRIVER_FILES: '/usr/share/vulkan/icd.d/intel_icd.x86_64.json' })), undefined);
});

test('WEBGPU_BACKEND set, or not Linux: no opinion (Dawn or the browser decides)', () => {
  assert.equal(webgpuAutoSkipReason(at({ ...NODEV }, { WEBGPU_BACKEND: 'opengles' })), undefined);
  assert.equal(webgpuAutoSkipReason(at({}, {}, 'darwin')), undefined);
});

test('this machine: the real check runs without loading Dawn and returns a string or undefined', () => {
  const r = webgpuAutoSkipReason();
  assert.ok(r === undefined || typeof r === 'string');
});
