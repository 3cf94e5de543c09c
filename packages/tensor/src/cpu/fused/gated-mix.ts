// Avey-B's gated mix y = [gate ⊙ (S v) ‖ bypass] from z = [v ‖ gate ‖ bypass] on the wasm GEMM
// (cpu/wasm/gemm.ts `wasmSgemmMulInto`): the batched product S v is written straight into y's first
// m/4 columns and multiplied by the gate block by block in the GEMM's epilogue; the bypass columns
// are copied in one strided row copy. No S v, no gate ⊙ (S v) and no concatenation buffers: the
// composition's multiply and `cat` passes (about 50 µs per layer at 128 tokens) are gone. The same
// GEMM (packing, tiling rules, K order) and the same float32 multiply: bitwise the composition.
// float32 with the wasm sgemm installed and z in wasm memory; else null (the composition runs).

import { Tensor } from '../../tensor.js';
import { blasLayout, CpuBackend } from '../backend.js';
import { getSgemmImpl } from '../sgemm.js';
import { getWasmGemmBlocking, wasmCopyRowsF32, wasmKernelsAvailable, wasmSgemm, wasmSgemmMulInto, wasmTensorHeap, WASM_GEMM_NR } from '../wasm/index.js';

export function gatedMixCpu(z: Tensor, mix: Tensor): Tensor | null {
  const backend = z.storage.backend;
  if (!(backend instanceof CpuBackend) || mix.storage.backend !== backend || z.dtype !== 'float32' || mix.dtype !== 'float32') return null;
  if (z.rank < 2 || (mix.rank !== 2 && mix.rank !== z.rank)) return null;
  const C = z.shape[z.rank - 2], m = z.shape[z.rank - 1], m4 = m / 4;
  if (!Number.isInteger(m4) || m4 % WASM_GEMM_NR !== 0 || C === 0 || m4 === 0) return null;
  if (mix.shape[mix.rank - 1] !== C || mix.shape[mix.rank - 2] !== C) return null;
  if (mix.rank === z.rank && mix.shape.some((d, i) => i < z.rank - 2 && d !== z.shape[i])) return null;
  if (!wasmKernelsAvailable() || getSgemmImpl() !== wasmSgemm || !z.isContiguous()) return null;
  const heap = wasmTensorHeap();
  const Z = backend.dataOf(z.storage.buffer) as Float32Array;
  if (heap === null || heap.ptr(Z, z.offset) < 0) return null;
  // tiny products run in the sgemm's plain loop (float64 sums): keep that path, and its bits
  if (C * m4 * C <= getWasmGemmBlocking().small) return null;
  // mix as a BLAS operand: rows or columns contiguous; a batch of them with one stride
  const la = blasLayout(C, C, mix.strides[mix.rank - 2], mix.strides[mix.rank - 1]);
  if (la === null) return null;
  const batch = z.size / (C * m);
  let aStride = 0;
  if (mix.rank > 2) {
    if (!mix.isContiguous()) return null; // (…, C, C) with one batch stride
    aStride = C * C;
  }
  const n = batch * C * 3 * m4;
  const Y = backend.takeArray('float32', n) as Float32Array;
  if (heap.ptr(Y, 0) < 0) {
    backend.free(backend.adopt('float32', Y)); // not in wasm memory (small, or the heap is full): the composition runs
    return null;
  }
  const M0 = backend.dataOf(mix.storage.buffer) as Float32Array;
  wasmSgemmMulInto(batch, C, m4, C, M0, mix.offset, aStride, la.ld, la.trans,
    Z, z.offset, C * m, m, false, Y, 0, 3 * m4, Z, z.offset + m4, C * m, m);
  wasmCopyRowsF32(batch * C, 2 * m4, Z, z.offset + 2 * m4, m, Y, m4, 3 * m4);
  return Tensor.fromBuffer(backend, backend.adopt('float32', Y), [...z.shape.slice(0, -1), 3 * m4]);
}
