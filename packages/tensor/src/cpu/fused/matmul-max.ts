// MaxSim's grouped max of a batched product on the wasm GEMM's epilogue (cpu/wasm/gemm.ts
// `wasmSgemmGroupMax`): out[b, m, q] = max_{j < S} (a_b @ b_b)[m, qS + j] for a (B, M, K), b (B, K, N).
// The (B, M, N) product stays in wasm memory (no copy out, no allocation, no separate max pass);
// the max follows the CPU reduction's rule, so the result equals the composition bit for bit.
// float32 with the wasm sgemm installed; else null (the composition runs).

import { contiguous } from '../../ops/views.js';
import { Tensor } from '../../tensor.js';
import { blasLayout, CpuBackend } from '../backend.js';
import { getSgemmImpl } from '../sgemm.js';
import { getWasmGemmBlocking, wasmKernelsAvailable, wasmSgemm, wasmSgemmGroupMax, wasmSgemmGroupMaxSym } from '../wasm/index.js';

export function matmulGroupMaxCpu(a: Tensor, b: Tensor, S: number): Tensor | null {
  const backend = a.storage.backend;
  if (!(backend instanceof CpuBackend) || b.storage.backend !== backend || a.dtype !== 'float32' || b.dtype !== 'float32') return null;
  if (a.rank !== 3 || b.rank !== 3 || a.shape[0] !== b.shape[0] || a.shape[2] !== b.shape[1]) return null;
  const [B, M, K] = a.shape;
  const N = b.shape[2];
  if (!(Number.isInteger(S) && S >= 1 && N % S === 0) || B === 0 || M === 0 || N === 0 || K === 0) return null;
  if (!wasmKernelsAvailable() || getSgemmImpl() !== wasmSgemm) return null;
  // tiny products run in the sgemm's plain loop (float64 sums): keep that path, and its bits
  if (M * N * K <= getWasmGemmBlocking().small) return null;
  let ac = a, bc = b;
  if (blasLayout(M, K, a.strides[1], a.strides[2]) === null || a.strides[0] < 0) ac = contiguous(a);
  if (blasLayout(K, N, b.strides[1], b.strides[2]) === null || b.strides[0] < 0) bc = contiguous(b);
  try {
    const la = blasLayout(M, K, ac.strides[1], ac.strides[2])!, lb = blasLayout(K, N, bc.strides[1], bc.strides[2])!;
    const out = backend.takeArray('float32', B * M * (N / S)) as Float32Array;
    // b = aᵀ (the ranker's similarities of every token with every token): the symmetric kernel
    // computes the upper triangle of tiles only, with the same bits
    if (ac.storage.buffer === bc.storage.buffer && ac.offset === bc.offset && M === N && !la.trans && lb.trans && la.ld === lb.ld
      && (B === 1 || ac.strides[0] === bc.strides[0])) {
      wasmSgemmGroupMaxSym(B, M, K, backend.dataOf(ac.storage.buffer) as Float32Array, ac.offset, B > 1 ? ac.strides[0] : 0, la.ld, S, out, 0);
      return Tensor.fromBuffer(backend, backend.adopt('float32', out), [B, M, N / S]);
    }
    wasmSgemmGroupMax(B, M, N, K,
      backend.dataOf(ac.storage.buffer) as Float32Array, ac.offset, B > 1 ? ac.strides[0] : 0, la.ld, la.trans,
      backend.dataOf(bc.storage.buffer) as Float32Array, bc.offset, B > 1 ? bc.strides[0] : 0, lb.ld, lb.trans,
      S, out, 0);
    return Tensor.fromBuffer(backend, backend.adopt('float32', out), [B, M, N / S]);
  } finally {
    if (ac !== a) ac.dispose();
    if (bc !== b) bc.dispose();
  }
}
