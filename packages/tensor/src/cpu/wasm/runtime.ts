// The one instance of the generated kernels module and its growable linear memory.
//
// The module is compiled synchronously on first use (it is ~7 KB). If the engine lacks
// WebAssembly or SIMD128, `wasmRuntime()` returns null and callers fall back to plain JS.
// The memory above the kernels' constants is managed by a WasmHeap (heap.ts): tensor storage (shared
// memory only) and the wrappers' scratch area. It only grows (by whole 64 KiB pages, at least
// doubling); `f32` is refreshed after every grow (growing a non-shared memory detaches its buffer).

import { envVar, hostProcess } from '../host.js';
import { WasmHeap } from './heap.js';
import { KERNELS_FMA_SHARED_WASM_BASE64, KERNELS_SHARED_WASM_BASE64, KERNELS_WASM_BASE64 } from './kernels.gen.js';

/** The exported functions of kernels.wat (all pointers are byte offsets into `memory`). */
export interface KernelExports {
  memory: WebAssembly.Memory;
  pack_a(src: number, rs: number, cs: number, w: number, kc: number, dst: number): void;
  pack_b(src: number, rs: number, cs: number, w: number, kc: number, dst: number): void;
  /** C (+)= Ap·Bp for C rows 0..mc−1 (any mc ≥ 1), columns 0..nc−1 (nc % NR == 0) */
  macro(pa: number, pb: number, pc: number, mc: number, nc: number, kc: number, ldc: number, acc: number, tile: number): void;
  /** rows of the micro-kernel's register tile (MR of this module) */
  mr: WebAssembly.Global;
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
  max_rows(x: number, out: number, outer: number, inner: number): void;
  softmax_rows(x: number, out: number, rows: number, cols: number, mx: number, sm: number): void;
  rows_add(x: number, out: number, rows: number, cols: number, s: number): void;
  rows_sub(x: number, out: number, rows: number, cols: number, s: number): void;
  rows_mul(x: number, out: number, rows: number, cols: number, s: number): void;
  rows_div(x: number, out: number, rows: number, cols: number, s: number): void;
  rows_rsub(x: number, out: number, rows: number, cols: number, s: number): void;
  rows_rdiv(x: number, out: number, rows: number, cols: number, s: number): void;
  col_sum(x: number, acc: number, rows: number, cols: number, init: number): void;
  copy_rows(dst: number, drs: number, src: number, srs: number, rows: number, bytes: number): void;
  adamw_f32(p: number, g: number, m: number, v: number, n: number, h: number): void;
  rms_scale(x: number, out: number, rows: number, cols: number, inv: number, w: number): void;
  rms_grad(x: number, g: number, dx: number, rows: number, cols: number, inv: number, c: number, w: number, acc: number): void;
  rms_ss4(x: number, quads: number, cols: number, out: number): void;
  rms_sums2(x: number, g: number, w: number, pairs: number, cols: number, ss: number, gwx: number): void;
  bias_act(c: number, ldc: number, rows: number, cols: number, bias: number, mode: number, d: number): void;
  group_max(c: number, ldc: number, rows: number, cols: number, s: number, g: number, gld: number): void;
  group_max_cols(c: number, ldc: number, rows: number, cols: number, s: number, g: number, gld: number): void;
}

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
  /** The allocator of the memory above the kernels' constants: tensor storage and scratch. */
  readonly heap: WasmHeap;

  /** Whether the GEMM micro-kernel is the relaxed-SIMD FMA one (KERNELS_FMA_SHARED_WASM_BASE64). */
  readonly fma: boolean;
  /** Rows of the GEMM register tile (MR: 4 for mul + add, 6 for FMA; see the generator). */
  readonly mr: number;

  constructor(k: KernelExports, shared: SharedKernels | null = null, fma = false) {
    this.k = k;
    this.shared = shared;
    this.fma = fma;
    this.mr = Number(k.mr.value);
    this.f32 = new Float32Array(k.memory.buffer);
    this.heap = new WasmHeap(k.memory, shared !== null, () => {
      this.f32 = new Float32Array(k.memory.buffer);
    });
  }

  /** A working area of at least `bytes` bytes for one wrapper call (heap.ts); `op` names the caller
   *  for the error message. Re-read `f32` after it: the memory may have grown. */
  scratch(bytes: number, op: string): number {
    return this.heap.scratch(bytes, op);
  }
}

/** The kernels over a shared memory (1 page, growable to the wasm32 limit), or null where the
 *  engine has no shared WebAssembly memory (e.g. a browser page that is not cross-origin isolated). */
function sharedRuntime(): WasmRuntime | null {
  if (typeof SharedArrayBuffer === 'undefined') return null;
  const fmaBytes = fmaEnabled() ? relaxedSimdModule() : null;
  for (const [bytes, fma] of [[fmaBytes, true], [decodeBase64(KERNELS_SHARED_WASM_BASE64), false]] as const) {
    if (bytes === null) continue;
    try {
      const memory = new WebAssembly.Memory({ initial: 1, maximum: 65536, shared: true });
      const module = new WebAssembly.Module(bytes);
      const inst = new WebAssembly.Instance(module, { env: { memory } });
      return new WasmRuntime(inst.exports as unknown as KernelExports, { module, memory }, fma);
    } catch {
      // next variant
    }
  }
  return null;
}


/** AVEY_CPU_FMA: '0' never uses the FMA micro-kernel, '1' uses it even where that means switching
 *  V8's relaxed SIMD on at run time; unset uses it where the engine ships relaxed SIMD. */
function fmaEnabled(): boolean {
  return envVar('AVEY_CPU_FMA') !== '0';
}

/** The FMA kernels' bytes if this engine validates them (V8 ≥ 11.4, i.e. Node ≥ 22, current
 *  Chrome), else null. On Node 20 (V8 11.3) relaxed SIMD is behind --experimental-wasm-relaxed-simd:
 *  start node with that flag, or set AVEY_CPU_FMA=1 and the flag is switched on here through
 *  node:v8's setFlagsFromString, which Node documents as use-with-care after start-up (so it is
 *  opt-in, never the default). `f32x4.relaxed_madd` is a fused multiply-add on CPUs with FMA, an
 *  unfused one elsewhere: the same on every run of one machine, not across machines. */
function relaxedSimdModule(): Uint8Array<ArrayBuffer> | null {
  try {
    const bytes = decodeBase64(KERNELS_FMA_SHARED_WASM_BASE64);
    if (WebAssembly.validate(bytes)) return bytes;
    if (envVar('AVEY_CPU_FMA') !== '1') return null;
    const v8 = hostProcess()?.getBuiltinModule?.('node:v8') as { setFlagsFromString?: (f: string) => void } | undefined;
    if (v8?.setFlagsFromString === undefined) return null;
    v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
    return WebAssembly.validate(bytes) ? bytes : null;
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
