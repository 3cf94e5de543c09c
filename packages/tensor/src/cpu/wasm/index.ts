// WebAssembly SIMD128 kernels for the CPU backend (see docs/cpu-kernels.md).
//
//   installWasmKernels()  routes ../sgemm.ts's `sgemm` to `wasmSgemm`; false (no throw) when the
//                         engine has no WebAssembly SIMD128.
//   wasmSgemm             C[M,N] = op(A)·op(B), the `sgemm` contract.
//   wasmBinaryF32 / wasmUnaryF32 / wasmSumRowsF32   elementwise float32 kernels on Float32Arrays.

import { setSgemmImpl } from '../sgemm.js';
import { wasmRuntime, wasmUnavailableReason } from './runtime.js';
import { wasmSgemm, wasmSgemmBatched } from './gemm.js';
import type { WasmHeap } from './heap.js';
import { NR } from './kernels.gen.js';

export type { WasmHeap } from './heap.js';

export { wasmSgemm, wasmSgemmBatched, wasmSgemmBiasAct, wasmSgemmGroupMax, wasmSgemmGroupMaxSym, wasmSgemmMulInto, type GemmActivation, setWasmGemmBlocking, getWasmGemmBlocking, type GemmBlocking } from './gemm.js';
export { wasmBinaryF32, wasmBinaryRowsF32, wasmUnaryF32, wasmSumRowsF32, wasmMaxRowsF32, wasmGeluWithGradF32, wasmSoftmaxRowsF32, wasmScaleRowsF32, wasmRowScalarF32, wasmColSumF32, wasmAdamWF32, wasmRmsScaleF32, wasmRmsGradF32, wasmRmsSumSqF32, wasmRmsGradSumsF32, wasmCopyRowsF32, type AdamWStepF64, type WasmBinaryOp, type WasmUnaryOp } from './elementwise.js';
export { setWasmGemmThreads, setWasmWorkerSpin, wasmGemmThreads } from './threads.js';
export { releasePacked, packCacheStats, setPackCacheLimit, packCacheLimit } from './packed-cache.js';
export { NR as WASM_GEMM_NR } from './kernels.gen.js';

/** The allocator of tensor storage in the kernels' memory (heap.ts), or null where tensors cannot
 *  live there (no wasm SIMD, or a memory that is not shared). */
export function wasmTensorHeap(): WasmHeap | null {
  const heap = wasmRuntime()?.heap ?? null;
  return heap !== null && heap.holdsTensors ? heap : null;
}

/** Whether the wasm SIMD kernels can run here. */
export function wasmKernelsAvailable(): boolean {
  return wasmRuntime() !== null;
}

/** Whether the wasm sgemm's micro-kernel is the relaxed-SIMD FMA one (default where the engine has
 *  relaxed SIMD or Node can switch it on; AVEY_CPU_FMA=0 keeps the SIMD128 mul + add one). */
export function wasmGemmFma(): boolean {
  return wasmRuntime()?.fma ?? false;
}

/** The wasm sgemm's register tile: `mr` rows (4 with the SIMD128 mul + add micro-kernel, 6 with the
 *  FMA one) × `nr` columns; 0 × 0 without wasm SIMD. */
export function wasmGemmTile(): { mr: number; nr: number } {
  const rt = wasmRuntime();
  return rt === null ? { mr: 0, nr: 0 } : { mr: rt.mr, nr: NR };
}

/** Why they cannot ('' when they can). */
export { wasmUnavailableReason };

/** Makes `sgemm` use the wasm kernels. Returns false (and changes nothing) without WebAssembly SIMD. */
export function installWasmKernels(): boolean {
  if (wasmRuntime() === null) return false;
  setSgemmImpl(wasmSgemm, wasmSgemmBatched);
  return true;
}
