// Tiled batched matmul: a [B, M, K] @ b [B, K, N] → c [B, M, N] (float32, any strides, batch
// stride may be 0).
//
// Each workgroup computes a 64×64 tile of c with T×T threads (T = 16, or 8 when the device allows
// fewer than 256 invocations); thread (tx, ty) owns the R×R outputs (ty + T·i, tx + T·j), R = 64/T,
// so neighbouring threads write neighbouring columns (coalesced) and read distinct banks. The K axis
// advances in steps of 16: the 64×16 slice of a and the 16×64 slice of b are staged in workgroup
// memory (2 × 4 KiB), stored k-major, out-of-range elements as 0. The staging loops map thread →
// element so that consecutive threads read consecutive addresses of the operand's unit-stride axis
// (row-major or transposed; a uniform flag, so one pipeline serves every layout: each compile costs
// 1–3 s on llvmpipe). The R×R accumulators and the inner product are unrolled at generation time.
import type { GPURuntime } from '../runtime.js';
import { LINEAR_ID, paramsDecl, storageDecl } from './wgsl.js';

const TILE = 64;
const KT = 16;
const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

export interface MatOperand {
  readonly buffer: GPUBuffer;
  readonly offset: number;
  /** (batch, row, col) strides in elements. */
  readonly strides: readonly [number, number, number];
}

function matmulCode(T: number): string {
  const R = TILE / T;
  const threads = T * T;
  return `${paramsDecl(16)}
${storageDecl(1, 'A', 'f32', false)}
${storageDecl(2, 'Bm', 'f32', false)}
${storageDecl(3, 'C', 'f32', true)}
${LINEAR_ID}
// P = [batches, M, N, K, aOff, aSb, aSm, aSk, bOff, bSb, bSk, bSn, tilesM, tilesN, aRowFast, bColFast]
var<workgroup> As: array<f32, ${KT * TILE}>; // [k][m]
var<workgroup> Bs: array<f32, ${KT * TILE}>; // [k][n]
@compute @workgroup_size(${T}, ${T})
fn main(@builtin(workgroup_id) w: vec3u, @builtin(num_workgroups) nw: vec3u, @builtin(local_invocation_id) l: vec3u) {
  let g = linearGroup(w, nw);
  let tilesM = pu(12u); let tilesN = pu(13u);
  if (g >= pu(0u) * tilesM * tilesN) { return; }
  let batch = g / (tilesM * tilesN);
  let t = g % (tilesM * tilesN);
  let m0 = (t / tilesN) * 64u;
  let n0 = (t % tilesN) * 64u;
  let M = pu(1u); let N = pu(2u); let K = pu(3u);
  let aBase = p(4u) + i32(batch) * p(5u); let aSm = p(6u); let aSk = p(7u);
  let bBase = p(8u) + i32(batch) * p(9u); let bSk = p(10u); let bSn = p(11u);
  let tid = l.y * ${T}u + l.x;
  let aRowFast = p(14u) != 0; let bColFast = p(15u) != 0;
  ${range(R * R).map((q) => `var c${q} = 0.0;`).join(' ')}
  for (var k0 = 0u; k0 < K; k0 += ${KT}u) {
    for (var e = tid; e < ${KT * TILE}u; e += ${threads}u) {
      // a tile element e: (row r, k), k fastest when a is row-major, r fastest when transposed
      let r = select(e / 16u, e % 64u, aRowFast); let k = select(e % 16u, e / 64u, aRowFast);
      let gm = m0 + r; let gk = k0 + k;
      As[k * 64u + r] = select(0.0, A[aBase + i32(gm) * aSm + i32(gk) * aSk], gm < M && gk < K);
    }
    for (var e = tid; e < ${KT * TILE}u; e += ${threads}u) {
      let c = select(e / 16u, e % 64u, bColFast); let k = select(e % 16u, e / 64u, bColFast);
      let gn = n0 + c; let gk = k0 + k;
      Bs[k * 64u + c] = select(0.0, Bm[bBase + i32(gk) * bSk + i32(gn) * bSn], gn < N && gk < K);
    }
    workgroupBarrier();
    for (var k = 0u; k < ${KT}u; k++) {
      let kr = k * 64u;
      ${range(R).map((i) => `let a${i} = As[kr + l.y + ${T * i}u];`).join(' ')}
      ${range(R).map((j) => `let b${j} = Bs[kr + l.x + ${T * j}u];`).join(' ')}
      ${range(R * R).map((q) => `c${q} = fma(a${Math.floor(q / R)}, b${q % R}, c${q});`).join('\n      ')}
    }
    workgroupBarrier();
  }
  let cBase = batch * M * N;
  ${range(R).map((i) => `{
    let gm = m0 + l.y + ${T * i}u;
    if (gm < M) {
      let row = cBase + gm * N;
      ${range(R).map((j) => `{ let gn = n0 + l.x + ${T * j}u; if (gn < N) { C[row + gn] = c${i * R + j}; } }`).join('\n      ')}
    }
  }`).join('\n  ')}
}`;
}

export function matmulKernel(rt: GPURuntime, a: MatOperand, b: MatOperand, c: GPUBuffer, B: number, M: number, N: number, K: number): void {
  const T = rt.limits.maxComputeInvocationsPerWorkgroup >= 256 && rt.limits.maxComputeWorkgroupSizeY >= 16 ? 16 : 8;
  const tilesM = Math.ceil(M / TILE);
  const tilesN = Math.ceil(N / TILE);
  const aRowFast = a.strides[1] === 1 && a.strides[2] !== 1;
  const bColFast = !(b.strides[1] === 1 && b.strides[2] !== 1);
  rt.dispatch({
    code: matmulCode(T),
    label: `matmul(${aRowFast ? 'aT' : 'a'}, ${bColFast ? 'b' : 'bT'}, T=${T})`,
    params: Int32Array.from([B, M, N, K, a.offset, a.strides[0], a.strides[1], a.strides[2],
      b.offset, b.strides[0], b.strides[1], b.strides[2], tilesM, tilesN, +aRowFast, +bColFast]),
    buffers: [a.buffer, b.buffer, c],
    workgroups: B * tilesM * tilesN,
  });
}
