// A cheap check, before Dawn is loaded, of whether WebGPU on this machine could be anything but
// a software adapter. `setBackend('auto')` uses it to pass over WebGPU without initialising Dawn,
// which prints native warnings on stderr ("Couldn't load Vulkan", "… artificially reduced …")
// that a CLI user should not see when the CPU backend is what auto would pick anyway.
//
// Linux only, and only in Node: Dawn's Vulkan loader reads ICD manifests (JSON files naming a
// driver library) from VK_DRIVER_FILES / VK_ICD_FILENAMES or the standard folders. No manifest
// means no Vulkan driver; only lavapipe/SwiftShader manifests, or no GPU device node at all
// (/dev/dri/renderD*, /dev/nvidia*, /dev/dxg), mean a software adapter (emulated).
// Elsewhere (browsers, macOS, Windows) it says nothing and auto initialises the backend as usual.

export interface FsLike {
  readdirSync(path: string): string[];
  readFileSync(path: string, enc: 'utf8'): string;
}

const ICD_DIRS = [
  '/etc/vulkan/icd.d', '/usr/local/etc/vulkan/icd.d', '/usr/share/vulkan/icd.d', '/usr/local/share/vulkan/icd.d',
];
const SOFTWARE = /lvp|lavapipe|llvmpipe|swiftshader/i;

/** What the check reads; tests pass a fake. Defaults to this process and node:fs. */
export interface PreflightEnv {
  platform: string;
  env: Record<string, string | undefined>;
  fs: FsLike;
}

function processEnv(): PreflightEnv | undefined {
  const proc = (globalThis as { process?: NodeJS.Process }).process;
  if (!proc || typeof proc.getBuiltinModule !== 'function') return undefined;
  const fs = proc.getBuiltinModule('node:fs') as FsLike | undefined;
  return fs ? { platform: proc.platform, env: proc.env, fs } : undefined;
}

/** Why auto should skip WebGPU here without loading Dawn, or undefined to try it. */
export function webgpuAutoSkipReason(where: PreflightEnv | undefined = processEnv()): string | undefined {
  if (!where || where.platform !== 'linux') return undefined;
  const { env, fs } = where;
  if (env.WEBGPU_BACKEND) return undefined; // the user chose a Dawn backend: let Dawn decide
  const listed = (env.VK_DRIVER_FILES ?? env.VK_ICD_FILENAMES ?? '').split(':').filter(Boolean);
  const manifests: string[] = [...listed];
  if (listed.length === 0) {
    for (const dir of ICD_DIRS) {
      try {
        for (const f of fs.readdirSync(dir)) if (f.endsWith('.json')) manifests.push(`${dir}/${f}`);
      } catch { /* folder absent */ }
    }
  }
  if (manifests.length === 0) return 'no Vulkan driver installed (no ICD manifest in /usr/share/vulkan/icd.d or /etc/vulkan/icd.d)';
  const hardware = manifests.filter((m) => {
    let text = '';
    try { text = fs.readFileSync(m, 'utf8'); } catch { return false; }
    return !SOFTWARE.test(m) && !SOFTWARE.test(text);
  });
  if (hardware.length === 0) return 'only a software Vulkan driver (lavapipe) is installed, an emulated adapter';
  if (!hasGpuDeviceNode(fs)) return 'no GPU device here (no /dev/dri/renderD*, /dev/nvidia* or /dev/dxg), so only a software adapter';
  return undefined;
}

function hasGpuDeviceNode(fs: FsLike): boolean {
  try {
    if (fs.readdirSync('/dev/dri').some((f) => f.startsWith('renderD'))) return true;
  } catch { /* no DRM */ }
  try {
    return fs.readdirSync('/dev').some((f) => /^nvidia\d+$/.test(f) || f === 'dxg');
  } catch {
    return true; // cannot tell: let Dawn decide
  }
}
