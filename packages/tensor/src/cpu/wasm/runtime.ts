// The one instance of the generated kernels module and its growable linear memory.
//
// The module is compiled synchronously on first use (it is ~7 KB). If the engine lacks
// WebAssembly or SIMD128, `wasmRuntime()` returns null and callers fall back to plain JS.
// Memory only grows (by whole 64 KiB pages, at least doubling), so steady-state calls never
// allocate; `f32` is refreshed after every grow because growing detaches the old ArrayBuffer.

import { BackendError } from '../../errors.js';
import { KERNELS_SHARED_WASM_BASE64, KERNELS_WASM_BASE64 } from './kernels.gen.js';

/** The exported functions of kernels.wat (all pointers are byte offsets into `memory`). */
export interface KernelExports {
  memory: WebAssembly.Memory;
  pack_a(src: number, rs: number, cs: number, w: number, kc: number, dst: number): void;
  pack_b(src: number, rs: number, cs: number, w: number, kc: number, dst: number): void;
  macro(pa: number, pb: number, pc: number, mc: number, nc: number, kc: number, ldc: number, acc: number): void;
  add_f32(x: number, y: number, out: number, n: number): void;
  sub_f32(x: number, y: number, out: number, n: number): void;
  mul_f32(x: number, y: number, out: number, n: number): void;
  div_f32(x: number, y: number, out: number, n: number): void;
  exp_f32(x: number, out: number, n: number): void;
  erf_f32(x: number, out: number, n: number): void;
  gelu_f32(x: number, out: number, n: number): void;
  sigmoid_f32(x: number, out: number, n: number): void;
  gelu_with_grad_f32(x: number, y: number, d: number, n: number): void;
  sum_rows(x: number, out: number, outer: number, inner: number): void;
}

const PAGE = 65536;
const MAX_BYTES = 4 * 1024 * 1024 * 1024 - PAGE; // wasm32 limit (65536 pages), minus a page of slack

/** The compiled shared-memory module and its memory, which a worker instantiates again (threads.ts). */
export interface SharedKernels {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
}

export class WasmRuntime {
  readonly k: KernelExports;
  /** Set when the memory is a shared one (SharedArrayBuffer): worker threads can run kernels on it. */
  readonly shared: SharedKernels | null;
  /** Float32 view of the whole memory; re-created after each grow. */
  f32: Float32Array;

  constructor(k: KernelExports, shared: SharedKernels | null = null) {
    this.k = k;
    this.shared = shared;
    this.f32 = new Float32Array(k.memory.buffer);
  }

  /** Makes the memory at least `bytes` long. `op` names the caller for the error message. */
  ensure(bytes: number, op: string): void {
    const have = this.k.memory.buffer.byteLength;
    if (bytes <= have) return;
    if (bytes > MAX_BYTES) {
      throw new BackendError(op, `wasm kernels need ${bytes} bytes of linear memory, over the 4 GiB wasm32 limit`);
    }
    const want = Math.min(MAX_BYTES, Math.max(bytes, 2 * have));
    try {
      this.k.memory.grow(Math.ceil((want - have) / PAGE));
    } catch {
      this.k.memory.grow(Math.ceil((bytes - have) / PAGE)); // doubling failed: grow to just enough
    }
    this.f32 = new Float32Array(this.k.memory.buffer);
  }
}

/** The kernels over a shared memory (1 page, growable to the wasm32 limit), or null where the
 *  engine has no shared WebAssembly memory (e.g. a browser page that is not cross-origin isolated). */
function sharedRuntime(): WasmRuntime | null {
  if (typeof SharedArrayBuffer === 'undefined') return null;
  try {
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 65536, shared: true });
    const module = new WebAssembly.Module(decodeBase64(KERNELS_SHARED_WASM_BASE64));
    const inst = new WebAssembly.Instance(module, { env: { memory } });
    return new WasmRuntime(inst.exports as unknown as KernelExports, { module, memory });
  } catch {
    return null;
  }
}

let runtime: WasmRuntime | null | undefined;
let failure = '';

function decodeBase64(b64: string): Uint8Array<ArrayBuffer> {
  if (typeof Buffer !== 'undefined') {
    const buf = Buffer.from(b64, 'base64');
    const out = new Uint8Array(buf.length);
    out.set(buf);
    return out;
  }
  const s = atob(b64);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

/** The shared runtime, or null when WebAssembly SIMD128 is unavailable (see `wasmUnavailableReason`). */
export function wasmRuntime(): WasmRuntime | null {
  if (runtime !== undefined) return runtime;
  try {
    if (typeof WebAssembly === 'undefined') throw new Error('no WebAssembly in this engine');
    const viaShared = sharedRuntime();
    if (viaShared !== null) {
      runtime = viaShared;
      return runtime;
    }
    const mod = new WebAssembly.Module(decodeBase64(KERNELS_WASM_BASE64));
    const inst = new WebAssembly.Instance(mod, {});
    runtime = new WasmRuntime(inst.exports as unknown as KernelExports);
  } catch (e) {
    failure = e instanceof Error ? e.message : String(e);
    runtime = null;
  }
  return runtime;
}

/** Why `wasmRuntime()` is null ('' if it is not). */
export function wasmUnavailableReason(): string {
  wasmRuntime();
  return failure;
}
