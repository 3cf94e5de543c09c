// The page's backend: WebGPU when navigator.gpu gives an adapter, else gpu.js in its WebGL2 mode,
// else the wasm CPU backend. `?backend=webgpu|gpujs|cpu` forces one (and fails loudly if it cannot
// start). What runs, and why the others did not, is shown in the page.
import * as T from '@avey/tensor';
import { createGpuJsBackend } from '@avey/tensor/gpujs';

export type PageBackend = 'webgpu' | 'gpujs' | 'cpu';
export const PAGE_BACKENDS: readonly PageBackend[] = ['webgpu', 'gpujs', 'cpu'];

export interface BackendChoice {
  name: PageBackend;
  /** e.g. "webgpu (SwiftShader, software)" or "cpu (wasm SIMD, private memory)". */
  detail: string;
  /** Backends tried before this one and why each was passed over. */
  passedOver: { name: PageBackend; reason: string }[];
  forced: boolean;
}

// gpu.js in the browser: WebGL2 only (its webasm/cpu modes are slower than our own CPU backend).
T.registerBackend('gpujs', () => createGpuJsBackend({ mode: 'webgl2' }), 10);

function describe(name: PageBackend, be: T.Backend): string {
  if (name === 'webgpu') {
    const info = (be as unknown as { info?: { adapterName?: string; software?: boolean } }).info;
    return `webgpu (${info?.adapterName ?? 'adapter'}${info?.software ? ', software adapter' : ''})`;
  }
  if (name === 'gpujs') return `gpujs (${(be as unknown as { info?: string }).info ?? 'gpu.js'})`;
  const shared = typeof SharedArrayBuffer !== 'undefined' && (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true;
  return `cpu (${T.wasmKernelsAvailable() ? 'WebAssembly SIMD kernels' : `plain JavaScript: ${T.wasmUnavailableReason() ?? 'no wasm'}`}, ` +
    `${shared ? 'shared memory' : 'private memory, no cross-origin isolation'})`;
}

/** Parses ?backend=… (undefined: auto). Throws for an unknown name. */
export function requestedBackend(search: string): PageBackend | undefined {
  const v = new URLSearchParams(search).get('backend');
  if (v === null || v === '' || v === 'auto') return undefined;
  if (!(PAGE_BACKENDS as readonly string[]).includes(v)) {
    throw new Error(`?backend=${v} is not a backend of this page (use webgpu, gpujs, cpu or auto)`);
  }
  return v as PageBackend;
}

/** Initialises the forced backend, or the first of webgpu → gpujs → cpu that starts. */
export async function chooseBackend(forced?: PageBackend): Promise<BackendChoice> {
  const order = forced ? [forced] : PAGE_BACKENDS;
  const passedOver: BackendChoice['passedOver'] = [];
  for (const name of order) {
    try {
      const be = await T.setBackend(name);
      return { name, detail: describe(name, be), passedOver, forced: forced !== undefined };
    } catch (e) {
      const reason = (e instanceof Error ? e.message : String(e)).replace(/^setBackend: backend '\w+' is not available: /, '').replace(/^(webgpu|gpujs): /, '');
      if (forced) throw new Error(`?backend=${forced} cannot start here: ${reason}`);
      passedOver.push({ name, reason });
    }
  }
  throw new Error(`no backend starts here: ${passedOver.map((p) => `${p.name}: ${p.reason}`).join('; ')}`);
}
