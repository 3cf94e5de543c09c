// float32 GEMM entry point of the CPU backend: C[M,N] = op(A)·op(B), C contiguous (ldc = N),
// overwritten. op(A) = A or Aᵀ:
//   A element (i, k) = a[aOff + i·lda + k]   (transA = false, A stored [M, K])
//                    = a[aOff + k·lda + i]   (transA = true,  A stored [K, M])
//   B element (k, j) = b[bOff + k·ldb + j]   (transB = false, B stored [K, N])
//                    = b[bOff + j·ldb + k]   (transB = true,  B stored [N, K])
// lda / ldb may be 0 (a broadcast row). Everything goes through the current implementation, which
// a faster kernel (wasm SIMD) can replace with `setSgemmImpl`.

export type SgemmFn = (
  M: number, N: number, K: number,
  a: Float32Array, aOff: number, lda: number, transA: boolean,
  b: Float32Array, bOff: number, ldb: number, transB: boolean,
  c: Float32Array, cOff: number,
) => void;

/** `batch` GEMMs: C_i = op(A_i)·op(B_i), A_i at a[aOff + i·aStride], B_i at b[bOff + i·bStride]
 *  (stride 0: one shared operand), C_i at c[cOff + i·M·N]; per problem the `sgemm` contract. */
export type SgemmBatchedFn = (
  batch: number, M: number, N: number, K: number,
  a: Float32Array, aOff: number, aStride: number, lda: number, transA: boolean,
  b: Float32Array, bOff: number, bStride: number, ldb: number, transB: boolean,
  c: Float32Array, cOff: number,
) => void;

let impl: SgemmFn | null = null;
let batchedImpl: SgemmBatchedFn | null = null;

export function sgemm(
  M: number, N: number, K: number,
  a: Float32Array, aOff: number, lda: number, transA: boolean,
  b: Float32Array, bOff: number, ldb: number, transB: boolean,
  c: Float32Array, cOff: number,
): void {
  (impl ?? sgemmJs)(M, N, K, a, aOff, lda, transA, b, bOff, ldb, transB, c, cOff);
}

/** Batched sgemm (see `SgemmBatchedFn`): the installed batched implementation if there is one,
 *  else one `sgemm` call per problem. Either way each C_i equals `sgemm` on problem i. */
export function sgemmBatched(
  batch: number, M: number, N: number, K: number,
  a: Float32Array, aOff: number, aStride: number, lda: number, transA: boolean,
  b: Float32Array, bOff: number, bStride: number, ldb: number, transB: boolean,
  c: Float32Array, cOff: number,
): void {
  if (batchedImpl !== null) {
    batchedImpl(batch, M, N, K, a, aOff, aStride, lda, transA, b, bOff, bStride, ldb, transB, c, cOff);
    return;
  }
  for (let i = 0; i < batch; i++) sgemm(M, N, K, a, aOff + i * aStride, lda, transA, b, bOff + i * bStride, ldb, transB, c, cOff + i * M * N);
}

/** Installs a faster sgemm (same contract), or restores the plain-JS one with `null`. `batched`, if
 *  given, must compute exactly what `fn` computes per problem (default: a loop over `fn`). */
export function setSgemmImpl(fn: typeof sgemm | null, batched: SgemmBatchedFn | null = null): void {
  impl = fn;
  batchedImpl = fn === null ? null : batched;
}

/** The implementation `sgemm` currently dispatches to. */
export function getSgemmImpl(): SgemmFn {
  return impl ?? sgemmJs;
}

const KB = 128; // K block: a 128-row panel of B stays in L1/L2 while 4 rows of C accumulate
const JB = 256; // J block: C row segments of 256 floats

/** Plain-JS reference: cache-blocked over (K, N) with a 4-row register block (backends-probe §3.2 b3). */
export function sgemmJs(
  M: number, N: number, K: number,
  a: Float32Array, aOff: number, lda: number, transA: boolean,
  b: Float32Array, bOff: number, ldb: number, transB: boolean,
  c: Float32Array, cOff: number,
): void {
  c.fill(0, cOff, cOff + M * N);
  if (M === 0 || N === 0 || K === 0) return;
  // B must be row-major [K, N] for the j-inner loop: pack Bᵀ once (O(KN) next to O(MNK)).
  let B = b;
  let bo = bOff;
  let ldB = ldb;
  if (transB && N > 1) {
    B = new Float32Array(K * N);
    for (let j = 0; j < N; j++) {
      const src = bOff + j * ldb;
      for (let k = 0; k < K; k++) B[k * N + j] = b[src + k];
    }
    bo = 0;
    ldB = N;
  } else if (transB) {
    ldB = 1; // N = 1: B(k, 0) = b[bOff + k]
  }
  const sAi = transA ? 1 : lda; // step between rows i of A
  const sAk = transA ? lda : 1; // step between columns k of A
  for (let k0 = 0; k0 < K; k0 += KB) {
    const k1 = Math.min(K, k0 + KB);
    for (let j0 = 0; j0 < N; j0 += JB) {
      const j1 = Math.min(N, j0 + JB);
      let i = 0;
      for (; i + 4 <= M; i += 4) {
        const c0 = cOff + i * N;
        const c1 = c0 + N;
        const c2 = c1 + N;
        const c3 = c2 + N;
        const ai = aOff + i * sAi;
        for (let k = k0; k < k1; k++) {
          const ak = ai + k * sAk;
          const a0 = a[ak];
          const a1 = a[ak + sAi];
          const a2 = a[ak + 2 * sAi];
          const a3 = a[ak + 3 * sAi];
          const br = bo + k * ldB;
          for (let j = j0; j < j1; j++) {
            const bv = B[br + j];
            c[c0 + j] += a0 * bv;
            c[c1 + j] += a1 * bv;
            c[c2 + j] += a2 * bv;
            c[c3 + j] += a3 * bv;
          }
        }
      }
      for (; i < M; i++) {
        const c0 = cOff + i * N;
        const ai = aOff + i * sAi;
        for (let k = k0; k < k1; k++) {
          const a0 = a[ai + k * sAk];
          const br = bo + k * ldB;
          for (let j = j0; j < j1; j++) c[c0 + j] += a0 * B[br + j];
        }
      }
    }
  }
}
