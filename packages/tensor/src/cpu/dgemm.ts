// float64 GEMM (plain loops, for gradient checks): same contract as sgemm.ts on Float64Array.
// Accumulates each C row in a double row buffer (i-k-j order).

export function dgemm(
  M: number, N: number, K: number,
  a: Float64Array, aOff: number, lda: number, transA: boolean,
  b: Float64Array, bOff: number, ldb: number, transB: boolean,
  c: Float64Array, cOff: number,
): void {
  const sAi = transA ? 1 : lda;
  const sAk = transA ? lda : 1;
  const sBk = transB ? 1 : ldb;
  const sBj = transB ? ldb : 1;
  for (let i = 0; i < M; i++) {
    const c0 = cOff + i * N;
    for (let j = 0; j < N; j++) c[c0 + j] = 0;
    for (let k = 0; k < K; k++) {
      const av = a[aOff + i * sAi + k * sAk];
      const br = bOff + k * sBk;
      for (let j = 0; j < N; j++) c[c0 + j] += av * b[br + j * sBj];
    }
  }
}
