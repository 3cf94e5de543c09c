// Dev tool: GFLOP/s of the wasm sgemm on the GEMM shapes of an Avey-B small training step.
//   AVEY_CPU_FMA=1 node --import tsx benchmarks/src/model/gemmshapes.ts [mc kc nc]
import { wasmSgemm, setWasmGemmBlocking } from '@avey/tensor';

const a = process.argv.slice(2).map(Number);
if (a.length === 3) setWasmGemmBlocking({ mc: a[0], kc: a[1], nc: a[2] });
// [M, N, K, transA, transB, label]
const shapes: [number, number, number, boolean, boolean, string][] = [
  [1024, 1024, 1024, false, false, 'square 1024'],
  [2048, 8192, 256, false, true, 'head fwd  X·Eᵀ'],
  [2048, 256, 8192, false, false, 'head dX   G·E'],
  [256, 8192, 2048, true, false, 'head dEᵀ  Xᵀ·G'],
  [8192, 256, 2048, true, false, 'head dE   Gᵀ·X (linear)'],
  [1024, 256, 2048, true, false, 'ffn dW    Aᵀ·G (1024x256)'],
  [2048, 256, 1024, false, false, 'ffn 1024→256'],
  [256, 768, 2048, true, false, 'dW 256x768'],
  [2048, 768, 256, false, false, 'fwd 256→768'],
  [2048, 256, 768, false, false, 'fwd 768→256'],
];
for (const [M, N, K, tA, tB, label] of shapes) {
  const A = new Float32Array(M * K).map(() => Math.random() - 0.5);
  const B = new Float32Array(K * N).map(() => Math.random() - 0.5);
  const C = new Float32Array(M * N);
  const lda = tA ? M : K, ldb = tB ? K : N;
  for (let i = 0; i < 2; i++) wasmSgemm(M, N, K, A, 0, lda, tA, B, 0, ldb, tB, C, 0);
  const times: number[] = [];
  for (let i = 0; i < 7; i++) {
    const t0 = performance.now();
    wasmSgemm(M, N, K, A, 0, lda, tA, B, 0, ldb, tB, C, 0);
    times.push(performance.now() - t0);
  }
  times.sort((x, y) => x - y);
  const ms = times[3];
  console.log(`${label.padEnd(28)} ${String(M).padStart(5)}x${String(N).padStart(5)}x${String(K).padStart(5)}  ${ms.toFixed(1).padStart(7)} ms  ${(2 * M * N * K / ms / 1e6).toFixed(1).padStart(6)} GFLOP/s`);
}
process.exit(0);
